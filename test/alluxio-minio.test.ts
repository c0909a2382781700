import { App, CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AlluxioMinio, AlluxioMinioProps, MinioBackend, MinioCredentials, WriteType } from '../lib';
import { JOURNAL_FORMATTED_MARKER } from '../lib/core/alluxio-container';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synth(props: AlluxioMinioProps): { stack: Stack; template: Template; construct: AlluxioMinio } {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const construct = new AlluxioMinio(stack, 'Cache', props);
  return { stack, template: Template.fromStack(stack), construct };
}

function synthError(props: AlluxioMinioProps): string {
  try {
    synth(props);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected synth to fail');
}

describe('synth-time validation names the prop and the fix', () => {
  test("the rotation's own checks name its props as the user gave them, under rotation, with the construct's path", () => {
    const props = { minio: EXISTING, credentials: TEAM_KEYS };
    expect(synthError({ ...props, rotation: { reconcileSchedule: Duration.seconds(30) } })).toMatch(
      /^AlluxioMinio Test\/Cache: rotation\.reconcileSchedule: is 30 seconds\. Fix: use at least Duration\.minutes\(1\)/,
    );
    expect(synthError({ ...props, rotation: { verificationTimeout: Duration.hours(10) } })).toMatch(
      /^AlluxioMinio Test\/Cache: rotation\.serviceRestartTimeout: .*history events.*Fix: /,
    );
  });

  test.each<[string, AlluxioMinioProps, RegExp]>([
    ['existing MinIO without credentials', { minio: EXISTING }, /credentials: is required with an existing MinIO.*Fix: pass MinioCredentials\.fromParameters/],
    [
      'generated credentials with an existing MinIO',
      { minio: EXISTING, credentials: MinioCredentials.generated() },
      /credentials: .*generated\(\) cannot work with an existing MinIO.*Fix:/,
    ],
    [
      'an invalid bucket',
      { minio: MinioBackend.existing({ endpoint: 'http://m:9000', bucket: 'Bad_Bucket' }), credentials: TEAM_KEYS },
      /minio\.bucket: .*Fix:/,
    ],
    [
      'an endpoint with a path',
      { minio: MinioBackend.existing({ endpoint: 'http://m:9000/some/path', bucket: 'b1b' }), credentials: TEAM_KEYS },
      /minio\.endpoint: .*Fix:/,
    ],
    [
      'a directory with ..',
      { minio: MinioBackend.existing({ endpoint: 'http://m:9000', bucket: 'abc', directory: 'a/../b' }), credentials: TEAM_KEYS },
      /minio\.directory: .*Fix:/,
    ],
    [
      'a Fargate CPU/memory pair that does not exist',
      { minio: MinioBackend.provisioned(), alluxio: { masterCpu: 256, masterMemoryMiB: 8192 } },
      /alluxio\.masterMemoryMiB: 8192 MiB does not pair with 256 CPU units.*Fix:/,
    ],
    [
      'a CPU value Fargate lacks',
      { minio: MinioBackend.provisioned(), alluxio: { workerCpu: 300 } },
      /alluxio\.workerCpu: 300 is not a Fargate CPU value.*Fix:/,
    ],
    ['zero workers', { minio: MinioBackend.provisioned(), alluxio: { workerCount: 0 } }, /alluxio\.workerCount: .*Fix:/],
    [
      'a cache larger than Fargate storage',
      { minio: MinioBackend.provisioned(), alluxio: { cacheSize: Size.gibibytes(500) } },
      /alluxio\.cacheSize: .*Fix:.*200 GiB/,
    ],
    ['an unsupported Alluxio version', { minio: MinioBackend.provisioned(), alluxio: { version: '1.8.2' } }, /alluxio\.version: .*Fix:/],
    ...['294', '309', '313'].map((version): [string, AlluxioMinioProps, RegExp] => [
      `dora release ${version}, whose worker needs a page store and membership this construct does not deploy`,
      { minio: EXISTING, credentials: TEAM_KEYS, alluxio: { version } },
      new RegExp(
        `alluxio\\.version: ${version} is a 3\\.x "dora" release.*page store.*membership.*Fix: use a 2\\.x release such as 2\\.9\\.5.*alluxio-minio render --alluxio-version ${version}`,
      ),
    ]),
    [
      'an extra property that sets a credential',
      { minio: MinioBackend.provisioned(), alluxio: { extraProperties: { 'aws.secretKey': 'x' } } },
      /extraProperties.*Fix:/,
    ],
    [
      'an extra property that overrides a managed key',
      { minio: MinioBackend.provisioned(), alluxio: { extraProperties: { 'alluxio.underfs.s3.endpoint': 'http://x' } } },
      /extraProperties.*Fix:/,
    ],
    [
      "a write chunk the workers' inbound message limit refuses",
      { minio: MinioBackend.provisioned(), alluxio: { extraProperties: { 'alluxio.user.streaming.writer.chunk.size.bytes': '4MB' } } },
      /extraProperties\["alluxio\.user\.streaming\.writer\.chunk\.size\.bytes"\].*every write would be cancelled.*Fix: keep/,
    ],
    ['a health-check timeout over 50 minutes', { minio: MinioBackend.provisioned(), healthCheckTimeout: Duration.minutes(90) }, /healthCheckTimeout: .*Fix:/],
    ['a parameter prefix without a leading slash', { minio: MinioBackend.provisioned(), parameterPrefix: 'team/minio' }, /parameterPrefix: .*Fix:/],
    ['a tiny provisioned data volume', { minio: MinioBackend.provisioned({ dataVolumeSize: Size.gibibytes(1) }) }, /minio\.dataVolumeSize: .*Fix:/],
    [
      'a metadata sync interval in fractions of a second',
      { minio: MinioBackend.provisioned(), alluxio: { metadataSyncInterval: Duration.millis(1500) } },
      /alluxio\.metadataSyncInterval: .*whole number of seconds.*Fix:/,
    ],
    ...['alluxio.master.lock.pool.low.watermark', 'alluxio.master.lock.pool.high.watermark'].map((key): [string, AlluxioMinioProps, RegExp] => [
      `${key} as an extra property: the master's system property from its heap would override it`,
      { minio: MinioBackend.provisioned(), alluxio: { extraProperties: { [key]: '2000000' } } },
      new RegExp(
        `extraProperties\\["${key.replace(/\./g, '\\.')}"\\]: is set by this library from the master's heap \\(alluxio\\.masterMemoryMiB\\).*Fix: remove it`,
      ),
    ]),
    [
      'the write type as an extra property',
      { minio: MinioBackend.provisioned(), alluxio: { extraProperties: { 'alluxio.user.file.writetype.default': 'THROUGH' } } },
      /set by this library from the write type \(alluxio\.writeType\)/,
    ],
  ])('%s', (_name, props, expected) => {
    const message = synthError(props);
    expect(message).toMatch(expected);
    expect(message).toContain('Test/Cache');
  });
});

test('writeType and metadataSyncInterval reach the render resource and the rotation function alike', () => {
  const app = new App();
  const stack = new Stack(app, 'Clients');
  new AlluxioMinio(stack, 'Cache', {
    minio: EXISTING,
    credentials: TEAM_KEYS,
    alluxio: { writeType: WriteType.THROUGH, metadataSyncInterval: Duration.seconds(0) },
  });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('Custom::AlluxioSiteProperties', { WriteType: 'THROUGH', MetadataSyncInterval: '0' });
  // Rotation renders nothing: it changes only the keys in the configuration the services run, so it has no settings to go stale.
  const rotation = Object.values(template.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Environment?.Variables?.KEY_OWNERSHIP) as any;
  expect(Object.keys(rotation.Properties.Environment.Variables)).not.toContain('RENDER_PROPERTIES');
  expect(JSON.stringify(rotation.Properties.Environment.Variables)).not.toContain('THROUGH');
});

test('values known only at deploy time (CloudFormation parameters) pass synth and reach the render resource', () => {
  const app = new App();
  const stack = new Stack(app, 'Tokens');
  const endpoint = new CfnParameter(stack, 'MinioEndpoint').valueAsString;
  const bucket = new CfnParameter(stack, 'MinioBucket').valueAsString;
  new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.existing({ endpoint, bucket }), credentials: TEAM_KEYS });
  Template.fromStack(stack).hasResourceProperties('Custom::AlluxioSiteProperties', {
    Endpoint: { Ref: 'MinioEndpoint' },
    Bucket: { Ref: 'MinioBucket' },
  });
});

describe('existing MinIO with imported parameters', () => {
  const { template, stack, construct } = synth({ minio: EXISTING, credentials: TEAM_KEYS });

  test('the credentials resource only verifies the named parameters', () => {
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', {
      Mode: 'existing',
      AccessKeyParameterName: '/team/minio/access-key',
      SecretKeyParameterName: '/team/minio/secret-key',
    });
  });

  test('only the rotation function may write the imported parameters (to put the last good pair back)', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const [rotationPolicyId] = Object.keys(policies).filter((id) => id.startsWith('CacheRotation'));
    const rotationWrites = JSON.stringify(policies[rotationPolicyId]);
    expect(rotationWrites).toContain('ssm:PutParameter');
    expect(rotationWrites).toContain(':parameter/team/minio/access-key');
    const others = Object.entries(policies)
      .filter(([id]) => id !== rotationPolicyId)
      .map(([, p]) => p);
    const writes = others.flatMap((p: any) =>
      p.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().some((a: string) => /ssm:(Put|Delete)Parameter/.test(a))),
    );
    const written = JSON.stringify(writes.map((s: any) => s.Resource));
    expect(written).not.toContain('/team/minio/');
    expect(written).toContain('site-properties');
  });

  test('renders against the existing endpoint, bucket and directory', () => {
    template.hasResourceProperties('Custom::AlluxioSiteProperties', {
      Endpoint: 'http://10.0.12.7:9000',
      Bucket: 'datalake',
      Directory: 'alluxio',
      AlluxioVersion: '2.9.5',
    });
    expect(construct.minioEndpoint).toBe('http://10.0.12.7:9000');
    expect(stack.resolve(construct.masterEndpoint)).toMatch(/^master\.alluxio-[a-z0-9]+\.internal:19998$/);
  });

  test('creates no MinIO server', () => {
    template.resourceCountIs('AWS::EC2::Volume', 0);
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
  });
});

describe('provisioned MinIO with defaults', () => {
  const { template, stack, construct } = synth({ minio: MinioBackend.provisioned() });

  test('generates the key pair inside the Lambda, parameters retained by default', () => {
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', { Mode: 'generated', RemovalPolicy: 'retain' });
  });

  test('MinIO data sits on an encrypted gp3 volume kept when the stack deletes it', () => {
    template.hasResource('AWS::EC2::Volume', {
      Properties: { Encrypted: true, VolumeType: 'gp3', Size: 100 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('MinIO root credentials reach the container as secrets from SSM', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'minio',
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'MINIO_ROOT_USER' }), Match.objectLike({ Name: 'MINIO_ROOT_PASSWORD' })]),
        }),
      ]),
    });
  });

  test('the journal file system is encrypted and retained, reached through a uid-1000 access point', () => {
    template.hasResource('AWS::EFS::FileSystem', { Properties: { Encrypted: true }, DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::EFS::AccessPoint', { PosixUser: { Uid: '1000', Gid: '1000' } });
  });

  test('the master formats its journal only when the volume has no marker, then always runs --no-format', () => {
    const master = containerNamed(template, 'master');
    const script: string = master.Command[0];
    expect(script).toContain(`if [ ! -e /opt/alluxio/journal-volume/${JOURNAL_FORMATTED_MARKER} ]`);
    expect(script).toContain('exec /entrypoint.sh master --no-format');
    expect(script).not.toMatch(/entrypoint\.sh master\s*$/m);
  });

  test('the rendered configuration hash is in both Alluxio task definitions, so a change rolls the tasks', () => {
    for (const name of ['master', 'worker']) {
      const env = containerNamed(template, name).Environment;
      const hash = env.find((e: any) => e.Name === 'ALLUXIO_CONFIG_HASH');
      expect(hash.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/SiteProperties/), 'ConfigHash'] });
    }
  });

  test('site properties reach both Alluxio containers as the ALLUXIO_SITE_PROPERTIES secret', () => {
    for (const name of ['master', 'worker']) {
      const secrets = containerNamed(template, name).Secrets;
      expect(secrets.map((s: any) => s.Name)).toEqual(['ALLUXIO_SITE_PROPERTIES']);
    }
  });

  test('each container is health-checked with TCP on the RPC ports of both its JVMs: master and job master, worker and job worker', () => {
    const probed = (name: string) =>
      [
        ...containerNamed(template, name)
          .HealthCheck.Command.join(' ')
          .matchAll(/\/dev\/tcp\/127\.0\.0\.1\/(\d+)/g),
      ].map((m) => Number(m[1]));
    expect(probed('master')).toEqual([19998, 20001]);
    expect(probed('worker')).toEqual([29999, 30001]);
  });

  test('workers cache on Fargate ephemeral storage sized for the cache', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { EphemeralStorage: { SizeInGiB: 30 } });
    template.hasResourceProperties('Custom::AlluxioSiteProperties', { WorkerTierQuota: '20GB', WorkerTierPath: '${alluxio.home}/cache' });
  });

  test('the journal type and folder are in the site file for every process, not master-only options', () => {
    template.hasResourceProperties('Custom::AlluxioSiteProperties', { JournalType: 'UFS', JournalFolder: '${alluxio.home}/journal-volume/journal' });
    for (const name of ['master', 'worker']) {
      const env: Array<{ Name: string }> = containerNamed(template, name).Environment;
      // Besides the hash only the JVM memory options, which carry sizes and nothing of the journal.
      expect(env.map((e) => e.Name).filter((n) => !n.endsWith('_JAVA_OPTS'))).toEqual(['ALLUXIO_CONFIG_HASH']);
      expect(JSON.stringify(env)).not.toMatch(/journal/i);
    }
  });

  test('by default writes go through to MinIO, metadata syncs every minute, and the master does not call home', () => {
    template.hasResourceProperties('Custom::AlluxioSiteProperties', { WriteType: 'CACHE_THROUGH', MetadataSyncInterval: '60sec', MasterUpdateCheck: 'false' });
  });

  test("a replaced worker leaves the master within 30 s, not Alluxio's 5 minutes", () => {
    template.hasResourceProperties('Custom::AlluxioSiteProperties', { LostWorkerTimeout: '30sec' });
  });

  test('both start scripts write the site file; the worker names its tier so the entrypoint makes no /dev/shm MEM tier', () => {
    for (const name of ['master', 'worker']) {
      expect(containerNamed(template, name).Command[0]).toContain('"$ALLUXIO_SITE_PROPERTIES" > /opt/alluxio/conf/alluxio-site.properties');
    }
    expect(containerNamed(template, 'worker').Command[0]).toContain("export ALLUXIO_WORKER_TIEREDSTORE_LEVEL0_DIRS_PATH='/opt/alluxio/cache'");
  });

  test('the MinIO check creates the directory marker before Alluxio starts', () => {
    const checks = Object.values(template.findResources('Custom::AlluxioMinioHealthCheck')) as any[];
    expect(checks.map((c) => [c.Properties.AlluxioMaster === undefined, c.Properties.EnsureDirectory])).toEqual(
      expect.arrayContaining([
        [true, 'true'],
        [false, undefined],
      ]),
    );
  });

  test('the Alluxio check names the one master web address and waits for the Fargate worker count', () => {
    const alluxioCheck = (Object.values(template.findResources('Custom::AlluxioMinioHealthCheck')) as any[]).find((c) => c.Properties.AlluxioMaster);
    // The default is two workers; one master is a single host:port with no separator.
    expect(alluxioCheck.Properties.ExpectedWorkers).toBe('2');
    expect(JSON.stringify(alluxioCheck.Properties.AlluxioMaster)).not.toContain(',');
    const three = synth({ minio: MinioBackend.provisioned(), alluxio: { workerCount: 3 } }).template;
    three.hasResourceProperties('Custom::AlluxioMinioHealthCheck', { ExpectedWorkers: '3' });
  });

  test('the health check runs after both services and the MinIO check before them', () => {
    const checks = template.findResources('Custom::AlluxioMinioHealthCheck');
    const [alluxioCheckId] = Object.entries(checks).find(([, r]: any) => r.Properties.AlluxioMaster)!;
    const [minioCheckId] = Object.entries(checks).find(([, r]: any) => !r.Properties.AlluxioMaster)!;
    const services = template.findResources('AWS::ECS::Service');
    const alluxioServiceIds = Object.keys(services).filter((id) => /MasterService|WorkerService/.test(id));
    expect(alluxioServiceIds).toHaveLength(2);
    expect(checks[alluxioCheckId].DependsOn).toEqual(expect.arrayContaining(alluxioServiceIds));
    for (const id of alluxioServiceIds) expect(services[id].DependsOn).toEqual(expect.arrayContaining([minioCheckId]));
    expect(checks[minioCheckId].Properties.EnsureBucket).toBe('true');
  });

  test('outputs carry the parameter names and endpoints', () => {
    const outputs = template.toJSON().Outputs;
    const names = Object.keys(outputs).join(' ');
    for (const expected of ['MasterEndpoint', 'MinioEndpoint', 'AccessKeyParameterName', 'SecretKeyParameterName', 'SitePropertiesParameterName']) {
      expect(names).toContain(expected);
    }
    expect(stack.resolve(construct.minioEndpoint)).toMatch(/^http:\/\/minio\.alluxio-[a-z0-9]+\.internal:9000$/);
  });
});

describe('rotation', () => {
  test('on by default: rules on exactly the two key parameters, an output for the topic, a first run after the health check', () => {
    const { template } = synth({ minio: EXISTING, credentials: TEAM_KEYS });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: Match.objectLike({ name: Match.arrayWith(['/team/minio/access-key', '/team/minio/secret-key']) }),
      }),
    });
    expect(Object.keys(template.toJSON().Outputs).join(' ')).toContain('RotationTopicArn');
    const [firstRun] = Object.values(template.findResources('Custom::AWS')) as any[];
    expect(firstRun.DependsOn.some((id: string) => id.startsWith('CacheChecksAlluxioCheck'))).toBe(true);
  });

  test('rotation.enabled false creates no rotation function, rule or topic', () => {
    const { template, construct } = synth({ minio: EXISTING, credentials: TEAM_KEYS, rotation: { enabled: false } });
    expect(construct.rotation).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('Custom::AWS', 0);
  });
});

describe('security', () => {
  const kmsApp = new App();
  const kmsStack = new Stack(kmsApp, 'Kms');
  const key = new kms.Key(kmsStack, 'Key');
  new AlluxioMinio(kmsStack, 'Cache', {
    minio: EXISTING,
    credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key', { kmsKey: key }),
  });
  const kmsTemplate = Template.fromStack(kmsStack);
  const provisioned = synth({ minio: MinioBackend.provisioned() }).template;

  test('no security group admits 0.0.0.0/0 or ::/0', () => {
    for (const template of [kmsTemplate, provisioned]) {
      const json = template.toJSON();
      const ingress = Object.values(json.Resources as Record<string, any>).flatMap((r) =>
        r.Type === 'AWS::EC2::SecurityGroup' ? (r.Properties.SecurityGroupIngress ?? []) : r.Type === 'AWS::EC2::SecurityGroupIngress' ? [r.Properties] : [],
      );
      expect(ingress.length).toBeGreaterThan(0);
      for (const rule of ingress) {
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
        expect(rule.CidrIpv6).not.toBe('::/0');
      }
    }
  });

  test('MinIO admits only Alluxio, the health check and the rotation function', () => {
    const json = provisioned.toJSON();
    const minioIngress = Object.values(json.Resources as Record<string, any>).filter(
      (r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.FromPort === 9000,
    );
    const sources = minioIngress.map((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort();
    expect(sources).toHaveLength(3);
    expect(sources[0]).toMatch(/AlluxioSecurityGroup/);
    expect(sources[1]).toMatch(/HealthCheckSecurityGroup/);
    expect(sources[2]).toMatch(/RotationSecurityGroup/);
  });

  test("SSM permissions name exact parameter ARNs; the only wildcards are the configurations (and their key-free twins) under the construct's own prefix", () => {
    for (const template of [kmsTemplate, provisioned]) {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      // DescribeParameters (metadata only) cannot be scoped by IAM; every action that reads or writes a value is.
      const ssmStatements = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('ssm:') && a !== 'ssm:DescribeParameters'));
      expect(ssmStatements.length).toBeGreaterThan(0);
      for (const statement of ssmStatements) {
        const rendered = JSON.stringify(statement.Resource).replace(/parameter\/alluxio-minio\/\w+\/site-properties(-without-keys)?\/\*/g, 'CONFIGURATIONS');
        expect(rendered).not.toContain('*');
        // A parameter path, or this deploy's configuration parameter (named by the render resource).
        expect(rendered).toMatch(/parameter\/|CONFIGURATIONS|:parameter",\{"Fn::GetAtt":\["\w*SiteProperties\w*","ParameterName"\]/);
      }
    }
  });

  test('a customer KMS key is granted for decrypt to readers, and the key is passed to the handlers', () => {
    kmsTemplate.hasResourceProperties('Custom::AlluxioSiteProperties', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } });
    const statements = Object.values(kmsTemplate.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const decrypt = statements.filter((s: any) => [s.Action].flat().includes('kms:Decrypt'));
    expect(decrypt.length).toBeGreaterThan(0);
    for (const s of decrypt) expect(JSON.stringify(s.Resource)).toContain('Key');
  });

  test('no container gets a secret through a plain environment variable', () => {
    for (const template of [kmsTemplate, provisioned]) {
      const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
      for (const container of containers) {
        for (const env of container.Environment ?? []) {
          expect(env.Name).not.toMatch(/SECRET|PASSWORD|ACCESS_KEY|SITE_PROPERTIES/i);
        }
      }
    }
  });

  test('grantReadCredentials gives exactly the two parameters (and the key)', () => {
    const app = new App();
    const stack = new Stack(app, 'Grant');
    const key = new kms.Key(stack, 'Key');
    const cache = new AlluxioMinio(stack, 'Cache', {
      minio: EXISTING,
      credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key', { kmsKey: key }),
    });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    cache.grantReadCredentials(reader);
    const template = Template.fromStack(stack);
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.Roles).includes('Reader')) as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    const ssm = statements.find((s: any) => [s.Action].flat().includes('ssm:GetParameter'));
    expect(JSON.stringify(ssm.Resource)).toContain(':parameter/team/minio/access-key');
    expect(JSON.stringify(ssm.Resource)).toContain(':parameter/team/minio/secret-key');
    expect(ssm.Resource).toHaveLength(2);
    expect(statements.some((s: any) => [s.Action].flat().includes('kms:Decrypt'))).toBe(true);
  });

  test('allowClientsFrom opens the master and worker RPC ports; minioClients lists every MinIO caller', () => {
    const app = new App();
    const stack = new Stack(app, 'Clients');
    const cache = new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS });
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc: cache.cluster.vpc });
    cache.allowClientsFrom(client);
    const template = Template.fromStack(stack);
    for (const port of [19998, 29999]) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Client'), 'GroupId'] },
      });
    }
    const callers = cache.minioClients.securityGroups.map((sg) => sg.node.path).join(' ');
    expect(callers).toMatch(/AlluxioSecurityGroup/);
    expect(callers).toMatch(/HealthCheckSecurityGroup/);
    expect(callers).toMatch(/Rotation/);
  });

  test('connections opens the master RPC port to what the user allows', () => {
    const app = new App();
    const stack = new Stack(app, 'Conn');
    const cache = new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS });
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc: cache.cluster.vpc });
    cache.connections.allowDefaultPortFrom(client);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 19998,
      ToPort: 19998,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Client'), 'GroupId'] },
    });
  });
});

function containerNamed(template: Template, name: string): any {
  const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
  const found = containers.find((c: any) => c.Name === name);
  if (!found) throw new Error(`no container named ${name}`);
  return found;
}
