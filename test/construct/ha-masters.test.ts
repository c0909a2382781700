import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlluxioMasters, AlluxioMinio, AlluxioMinioProps, MinioBackend, MinioCredentials } from '../../lib';

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
  const namespace = (template.findResources('AWS::ServiceDiscovery::PrivateDnsNamespace') as any);
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
      expect(service.Properties).toMatchObject({ DesiredCount: 1, DeploymentConfiguration: expect.objectContaining({ MaximumPercent: 100, MinimumHealthyPercent: 0 }) });
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
        (i) => `-Dalluxio.master.hostname=${names[i]} -Dalluxio.master.embedded.journal.port=${19200 + i} -Dalluxio.job.master.embedded.journal.port=${20003 + i}`,
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
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 19200, ToPort: 19202, Description: Match.stringLikeRegexp('embedded journal') });
  });

  test('the single master keeps the UFS journal and one service named "master"', () => {
    const single = synth({ masters: AlluxioMasters.single() }).template;
    single.hasResourceProperties('Custom::AlluxioSiteProperties', { JournalType: 'UFS', MasterQuorum: Match.absent(), MasterHostname: Match.stringLikeRegexp('^master\\.') });
    expect(Object.values(single.findResources('AWS::ServiceDiscovery::Service')).map((s: any) => s.Properties.Name)).toContain('master');
    expect(JSON.stringify(single.toJSON())).not.toContain('embedded.journal');
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
