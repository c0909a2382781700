import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMasters, AlluxioMinio, AlluxioMinioProps, JournalMigration, MinioBackend, MinioCredentials } from '../../lib';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synth(alluxio: AlluxioMinioProps['alluxio']): { template: Template; cache: AlluxioMinio } {
  const stack = new Stack(new App(), 'Test');
  const cache = new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio });
  return { template: Template.fromStack(stack), cache };
}

function synthError(alluxio: AlluxioMinioProps['alluxio']): string {
  try {
    synth(alluxio);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected synth to fail');
}

const masterTasks = (template: Template) =>
  Object.entries(template.findResources('AWS::ECS::TaskDefinition'))
    .filter(([, t]: [string, any]) => t.Properties.ContainerDefinitions.some((c: any) => c.Name === 'master'))
    .map(([id, t]: [string, any]) => ({ id, master: t.Properties.ContainerDefinitions.find((c: any) => c.Name === 'master'), volumes: t.Properties.Volumes }));

describe('AlluxioMasters.highlyAvailable', () => {
  const { template, cache } = synth({ masters: AlluxioMasters.highlyAvailable() });
  const namespace = template.findResources('AWS::ServiceDiscovery::PrivateDnsNamespace') as any;
  const namespaceName: string = (Object.values(namespace)[0] as any).Properties.Name;
  const names = [0, 1, 2].map((i) => `master-${i}.${namespaceName}`);

  test('three master services, each one task at a time under its own Cloud Map name', () => {
    const discovery = Object.values(template.findResources('AWS::ServiceDiscovery::Service')).map((s: any) => s.Properties.Name);
    expect(discovery).toEqual(expect.arrayContaining(['master-0', 'master-1', 'master-2']));
    expect(discovery).not.toContain('master');
    expect(cache.masterServices).toHaveLength(3);
    expect(cache.masterService).toBe(cache.masterServices[0]);
    const services = Object.values(template.findResources('AWS::ECS::Service')).filter((s: any) => s.Properties.ServiceRegistries !== undefined) as any[];
    const masterServices = services.filter((s) => masterTasks(template).some((t) => t.id === s.Properties.TaskDefinition.Ref));
    expect(masterServices).toHaveLength(3);
    for (const service of masterServices) {
      expect(service.Properties).toMatchObject({
        DesiredCount: 1,
        DeploymentConfiguration: expect.objectContaining({ MaximumPercent: 100, MinimumHealthyPercent: 0 }),
      });
    }
  });

  test('a deploy replaces the masters one after another (each service waits for the one before), never all at once', () => {
    const services = template.findResources('AWS::ECS::Service');
    const ids = [0, 1, 2].map((i) => Object.keys(services).find((id) => id.startsWith(`CacheMaster${i}Service`))!);
    expect(services[ids[0]].DependsOn ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^CacheMaster\dService/)]));
    expect(services[ids[1]].DependsOn).toEqual(expect.arrayContaining([ids[0]]));
    expect(services[ids[2]].DependsOn).toEqual(expect.arrayContaining([ids[1]]));
    expect(services[ids[2]].DependsOn).not.toContain(ids[0]);
  });

  test('each master has its own journal directory (an access point of its own) on the one encrypted file system', () => {
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    const paths = Object.values(template.findResources('AWS::EFS::AccessPoint')).map((a: any) => a.Properties.RootDirectory.Path);
    expect(paths.sort()).toEqual(['/alluxio-journal-0', '/alluxio-journal-1', '/alluxio-journal-2']);
    const accessPoints = masterTasks(template).map((t) => JSON.stringify(t.volumes[0].EFSVolumeConfiguration.AuthorizationConfig.AccessPointId));
    expect(new Set(accessPoints).size).toBe(3);
  });

  test('each master is told which one it is (its name and journal ports) and publishes its own journal ports', () => {
    const tasks = masterTasks(template);
    const options = tasks.map((t) => t.master.Environment.find((e: any) => e.Name === 'ALLUXIO_JAVA_OPTS').Value as string).sort();
    expect(options).toEqual(
      [0, 1, 2].map(
        (i) =>
          `-Dalluxio.master.hostname=${names[i]} -Dalluxio.master.embedded.journal.port=${19200 + i} -Dalluxio.job.master.embedded.journal.port=${20003 + i}`,
      ),
    );
    for (const task of tasks) {
      const own = Number(/embedded\.journal\.port=(\d+)/.exec(task.master.Environment.find((e: any) => e.Name === 'ALLUXIO_JAVA_OPTS').Value)![1]);
      const ports = task.master.PortMappings.map((p: any) => p.ContainerPort);
      expect(ports).toEqual(expect.arrayContaining([19998, 19999, 20001, 20002, own, own - 19200 + 20003]));
      expect(ports).toHaveLength(6);
      // Probed where master and job master listen from start to stop, their Raft ports: not the RPC port
      // a new primary reopens, nor the job master's, which a standby never opens.
      const probed = [...task.master.HealthCheck.Command.join(' ').matchAll(/\/dev\/tcp\/127\.0\.0\.1\/(\d+)/g)].map((m: RegExpMatchArray) => Number(m[1]));
      expect(probed).toEqual([own, own - 19200 + 20003]);
    }
  });

  test('the site file names every master for the journal and the clients, and no single master', () => {
    template.hasResourceProperties('Custom::AlluxioSiteProperties', {
      MasterQuorum: names.join(','),
      JournalType: 'EMBEDDED',
      MasterHostname: Match.absent(),
    });
    expect(cache.masterEndpoint).toBe(names.map((n) => `${n}:19998`).join(','));
  });

  test("the masters reach each other's Raft ports", () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 19200,
      ToPort: 19202,
      Description: Match.stringLikeRegexp('embedded journal'),
    });
  });

  test('the single master keeps the UFS journal and one service named "master"', () => {
    const single = synth({ masters: AlluxioMasters.single() }).template;
    single.hasResourceProperties('Custom::AlluxioSiteProperties', {
      JournalType: 'UFS',
      MasterQuorum: Match.absent(),
      MasterHostname: Match.stringLikeRegexp('^master\\.'),
    });
    expect(Object.values(single.findResources('AWS::ServiceDiscovery::Service')).map((s: any) => s.Properties.Name)).toContain('master');
    expect(JSON.stringify(single.toJSON())).not.toContain('embedded.journal');
  });

  test('journalMigration reaches the render resource, which alone can see the journal the cluster runs; without it the property is absent and the configuration hash inputs are the same', () => {
    const migrating = synth({ masters: AlluxioMasters.highlyAvailable(), journalMigration: JournalMigration.abandonNamespace() }).template;
    migrating.hasResourceProperties('Custom::AlluxioSiteProperties', { JournalType: 'EMBEDDED', JournalMigration: 'abandon-namespace' });
    template.hasResourceProperties('Custom::AlluxioSiteProperties', { JournalType: 'EMBEDDED', JournalMigration: Match.absent() });
    const renderProps = (t: Template) => Object.values(t.findResources('Custom::AlluxioSiteProperties'))[0].Properties;
    const { JournalMigration: _, ...rest } = renderProps(migrating);
    expect(rest).toEqual(renderProps(template));
  });

  test.each([
    [AlluxioMasters.highlyAvailable({ count: 2 }), /alluxio\.masters\.count: 2 masters cannot form a useful Raft quorum.*use 3 or 5/],
    [AlluxioMasters.highlyAvailable({ count: 4 }), /alluxio\.masters\.count: 4 masters/],
    [AlluxioMasters.highlyAvailable({ count: 1 }), /alluxio\.masters\.count: 1 masters/],
  ])('refuses a count Raft cannot use (%#)', (masters, message) => {
    expect(synthError({ masters })).toMatch(message);
  });

  test('a 3.x release is refused before the masters are looked at: the construct deploys no dora cluster at all', () => {
    expect(synthError({ masters: AlluxioMasters.highlyAvailable(), version: '309' })).toMatch(/: alluxio\.version: 309 is a 3\.x "dora" release/);
  });

  test('five masters get five services and Raft ports 19200 to 19204', () => {
    const five = synth({ masters: AlluxioMasters.highlyAvailable({ count: 5 }) }).template;
    expect(masterTasks(five)).toHaveLength(5);
    five.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 19200, ToPort: 19204 });
  });
});

describe('highly available masters across AZs', () => {
  const subnetsOf = (template: Template) =>
    Object.fromEntries(Object.entries(template.findResources('AWS::EC2::Subnet')).map(([id, s]: [string, any]) => [id, s.Properties.AvailabilityZone]));
  const masterSubnets = (template: Template) =>
    Object.entries(template.findResources('AWS::ECS::Service'))
      .filter(([id]) => /Master\dService/.test(id))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, s]: [string, any]) => s.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets);

  test("in a stack without an env, the construct's VPC spans the region's first three AZs (Fn::GetAZs), with a NAT gateway in each", () => {
    const { template } = synth({ masters: AlluxioMasters.highlyAvailable() });
    const zones = subnetsOf(template);
    expect(new Set(Object.values(zones).map((z) => JSON.stringify(z)))).toEqual(
      new Set([0, 1, 2].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))),
    );
    expect(Object.keys(template.findResources('AWS::EC2::NatGateway'))).toHaveLength(3);
    expect(Object.keys(template.findResources('AWS::EFS::MountTarget'))).toHaveLength(3);
  });

  test('each master service is pinned to one private subnet, master i in the i-th AZ', () => {
    for (const count of [3, 5]) {
      const { template } = synth({ masters: AlluxioMasters.highlyAvailable({ count }) });
      const zones = subnetsOf(template);
      const pinned = masterSubnets(template);
      expect(pinned.every((subnets) => subnets.length === 1)).toBe(true);
      const zoneOfMaster = pinned.map(([subnet]) => JSON.stringify(zones[subnet.Ref]));
      const zoneIndex = (i: number) => JSON.stringify({ 'Fn::Select': [i % 3, { 'Fn::GetAZs': '' }] });
      expect(zoneOfMaster).toEqual(Array.from({ length: count }, (_, i) => zoneIndex(i)));
      expect(pinned.every(([subnet]) => subnet.Ref.includes('private'))).toBe(true);
    }
  });

  test('with an env, the VPC spans three of its looked-up AZs', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio: { masters: AlluxioMasters.highlyAvailable() } });
    const zones = subnetsOf(Template.fromStack(stack));
    // CDK's stand-ins for the AZ lookup, when the context has none.
    expect(new Set(Object.values(zones))).toEqual(new Set(['dummy1a', 'dummy1b', 'dummy1c']));
  });

  test("with an env whose region has two AZs, the construct's own VPC is refused at synth, naming alluxio.masters", () => {
    const app = new App({ context: { 'availability-zones:account=123456789012:region=us-west-1': ['us-west-1a', 'us-west-1c'] } });
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-west-1' } });
    expect(() => new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio: { masters: AlluxioMasters.highlyAvailable() } })).toThrow(
      /^AlluxioMinio Test\/Cache: alluxio\.masters: highly available masters need 3 AZs.*region has 2.*Fix: deploy the stack to a region with at least 3 AZs, pass a vpc/,
    );
  });

  test('a VPC given with private subnets in fewer than three AZs is refused at synth, naming vpc and the fix', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    expect(
      () => new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, vpc, alluxio: { masters: AlluxioMasters.highlyAvailable() } }),
    ).toThrow(
      /^AlluxioMinio Test\/Cache: vpc: has private subnets with egress in 2 AZs; highly available masters need 3.*Fix: pass a vpc with private subnets with egress in at least 3 AZs/,
    );
  });

  test('a VPC still to be looked up (Vpc.fromLookup, no context yet) synthesizes, so that the CDK CLI can look it up and synthesize again', () => {
    // Before the lookup, CDK gives a stand-in VPC of two AZs (aws/aws-cdk#12078, #33786): refusing it would
    // stop the synth that records the lookup, so the real VPC would never be checked.
    const app = new App();
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromLookup(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0' });
    new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, vpc, alluxio: { masters: AlluxioMasters.highlyAvailable() } });
    const missing = app.synth().manifest.missing ?? [];
    expect(missing.map((m) => m.provider)).toContain('vpc-provider');
  });

  test('a single master is unchanged: two AZs, one NAT gateway, the master not pinned', () => {
    const { template } = synth({});
    expect(Object.keys(subnetsOf(template))).toHaveLength(4);
    expect(Object.keys(template.findResources('AWS::EC2::NatGateway'))).toHaveLength(1);
    const [master] = Object.entries(template.findResources('AWS::ECS::Service')).filter(([id]) => id.includes('Master')) as [string, any][];
    expect(master[1].Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets).toHaveLength(2);
  });
});
