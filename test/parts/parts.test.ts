import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AlluxioMasters, MinioBackend, MinioCredentials } from '../../lib';
import { CustomResourceFunctions } from '../../lib/parts/custom-resource-functions';
import { AlluxioMasterGroup } from '../../lib/parts/alluxio-master-group';
import { AlluxioServiceContext } from '../../lib/parts/alluxio-services';
import { AlluxioWorkerGroup } from '../../lib/parts/alluxio-worker-group';
import { ClusterCredentials } from '../../lib/parts/cluster-credentials';
import { DeployChecks } from '../../lib/parts/deploy-checks';
import { MinioStore } from '../../lib/parts/minio-store';
import { SiteConfiguration } from '../../lib/parts/site-configuration';

// Each part of AlluxioMinio on its own, with only the inputs its props name.

const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');
const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });

interface Base {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly functions: CustomResourceFunctions;
}

function base(): Base {
  const stack = new Stack(new App(), 'Parts');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, defaultCloudMapNamespace: { name: 'parts.internal', useForServiceConnect: false } });
  const functions = new CustomResourceFunctions(stack, 'Handlers', { vpc, logRetention: logs.RetentionDays.ONE_DAY, healthCheckTimeout: Duration.minutes(2) });
  return { stack, vpc, cluster, functions };
}

function credentialsIn(b: Base, credentials = TEAM_KEYS): ClusterCredentials {
  return new ClusterCredentials(b.stack, 'Credentials', {
    credentials,
    parameterPrefix: '/parts',
    functions: b.functions,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

function configurationIn(b: Base, credentials: ClusterCredentials): SiteConfiguration {
  return new SiteConfiguration(b.stack, 'SiteProperties', {
    credentials,
    functions: b.functions,
    parameterBaseName: '/parts/site-properties',
    settings: { alluxioVersion: '2.9.6', endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', masterHostname: 'master.parts.internal' },
  });
}

function contextIn(b: Base): AlluxioServiceContext {
  return {
    cluster: b.cluster,
    securityGroup: new ec2.SecurityGroup(b.stack, 'Alluxio', { vpc: b.vpc }),
    image: ecs.ContainerImage.fromRegistry('alluxio/alluxio:2.9.6'),
    logGroup: new logs.LogGroup(b.stack, 'Logs'),
    configuration: configurationIn(b, credentialsIn(b)),
    enableExecuteCommand: false,
  };
}

function statementsOf(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

describe('ClusterCredentials', () => {
  test("the user's parameters are checked, never written: no PutParameter anywhere", () => {
    const b = base();
    credentialsIn(b);
    const template = Template.fromStack(b.stack);
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', {
      Mode: 'existing',
      AccessKeyParameterName: '/team/minio/access-key',
      SecretKeyParameterName: '/team/minio/secret-key',
    });
    expect(JSON.stringify(statementsOf(template))).not.toContain('ssm:PutParameter');
  });

  test('generated keys are written under the prefix by the credentials function only, and grantRead reads both', () => {
    const b = base();
    const credentials = credentialsIn(b, MinioCredentials.generated());
    const reader = new iam.Role(b.stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    credentials.grantRead(reader);
    const template = Template.fromStack(b.stack);
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', { Mode: 'generated', AccessKeyParameterName: '/parts/access-key' });
    const writes = statementsOf(template).filter((s) => [s.Action].flat().includes('ssm:PutParameter'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0].Resource)).toMatch(/parameter\/parts\/access-key.*parameter\/parts\/secret-key/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Reader') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['ssm:GetParameter', 'ssm:GetParameters'] })] },
    });
  });
});

describe('SiteConfiguration', () => {
  test('renders after the credentials and lets a task definition read every configuration of the deployment', () => {
    const b = base();
    const configuration = configurationIn(b, credentialsIn(b));
    const task = new ecs.FargateTaskDefinition(b.stack, 'Task');
    configuration.grantReadEveryConfiguration(task);
    const template = Template.fromStack(b.stack);
    const [render] = Object.values(template.findResources('Custom::AlluxioSiteProperties')) as any[];
    expect(render.Properties).toMatchObject({
      SitePropertiesParameterName: '/parts/site-properties',
      Bucket: 'datalake',
      MasterHostname: 'master.parts.internal',
    });
    expect(render.DependsOn.some((id: string) => id.startsWith('Credentials'))).toBe(true);
    const reads = JSON.stringify(statementsOf(template).filter((s) => [s.Action].flat().includes('ssm:GetParameters')));
    expect(reads).toContain('parameter/parts/site-properties"');
    expect(reads).toContain('parameter/parts/site-properties/*');
  });
});

describe('MinioStore', () => {
  test('an existing endpoint creates nothing and opens nothing', () => {
    const resourcesWith = (withStore: boolean) => {
      const b = base();
      const credentials = credentialsIn(b);
      const client = new ec2.SecurityGroup(b.stack, 'Client', { vpc: b.vpc });
      if (withStore) {
        const store = new MinioStore(b.stack, 'Minio', {
          backend: EXISTING,
          credentials,
          cluster: b.cluster,
          port: 9000,
          logRetention: logs.RetentionDays.ONE_DAY,
        });
        store.allowFrom(client, 'client');
        expect(store.endpoint).toBe('http://10.0.12.7:9000');
        expect(store.server).toBeUndefined();
      }
      return Template.fromStack(b.stack).toJSON().Resources;
    };
    expect(Object.keys(resourcesWith(true))).toEqual(Object.keys(resourcesWith(false)));
  });

  test('a provisioned server admits exactly the clients it is told about, on the S3 port', () => {
    const b = base();
    const store = new MinioStore(b.stack, 'Minio', {
      backend: MinioBackend.provisioned(),
      credentials: credentialsIn(b, MinioCredentials.generated()),
      cluster: b.cluster,
      port: 9000,
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    store.allowFrom(new ec2.SecurityGroup(b.stack, 'Client', { vpc: b.vpc }), 'client');
    const template = Template.fromStack(b.stack);
    template.resourceCountIs('AWS::ECS::Service', 1);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
    expect(ingress.map((rule) => [rule.Properties.FromPort, rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]])).toEqual([
      [9000, expect.stringMatching(/^Client/)],
    ]);
  });
});

describe('AlluxioMasterGroup and AlluxioWorkerGroup', () => {
  test('one master that never overlaps itself, its journal on EFS; workers sized from the cache', () => {
    const b = base();
    const context = contextIn(b);
    const masters = new AlluxioMasterGroup(b.stack, 'Master', {
      context,
      cpu: 1024,
      memoryMiB: 4096,
      jvmOptions: {},
      rootUfsKey: 'alluxio.master.mount.table.root.ufs',
      removalPolicy: RemovalPolicy.DESTROY,
      members: AlluxioMasters.single()._bind().membersIn('parts.internal', b.vpc, true),
    });
    new AlluxioWorkerGroup(b.stack, 'Worker', { context, cpu: 1024, memoryMiB: 4096, jvmOptions: {}, count: 3, cacheGiB: 50 });
    expect(masters.rpcEndpoints).toEqual(['master.parts.internal:19998']);
    expect(masters.webEndpoints).toEqual(['master.parts.internal:19999']);
    const template = Template.fromStack(b.stack);
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 3,
      DeploymentConfiguration: Match.objectLike({ MaximumPercent: 200, MinimumHealthyPercent: 50 }),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { EphemeralStorage: { SizeInGiB: 60 } });
    // Both read the configuration as their secret.
    const secrets = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((t: any) => t.Properties.ContainerDefinitions[0].Secrets[0].Name);
    expect(secrets).toEqual(['ALLUXIO_SITE_PROPERTIES', 'ALLUXIO_SITE_PROPERTIES']);
  });
});

describe('DeployChecks', () => {
  test('the MinIO check runs after the credentials; the Alluxio check after the services it is given', () => {
    const b = base();
    const credentials = credentialsIn(b);
    const store = new MinioStore(b.stack, 'Minio', {
      backend: EXISTING,
      credentials,
      cluster: b.cluster,
      port: 9000,
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    const checks = new DeployChecks(b.stack, 'Checks', {
      functions: b.functions,
      credentials,
      store,
      backend: EXISTING,
      alluxioVersion: '2.9.6',
      timeoutSeconds: 120,
      configHash: 'abc',
    });
    const service = new iam.Role(b.stack, 'StandInForAService', { assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com') });
    checks.addAlluxioCheck(['master.parts.internal:19999'], 2, [service]);
    const checksByKind = Object.values(Template.fromStack(b.stack).findResources('Custom::AlluxioMinioHealthCheck')) as any[];
    const minio = checksByKind.find((c) => !c.Properties.AlluxioMaster);
    const alluxio = checksByKind.find((c) => c.Properties.AlluxioMaster);
    expect(minio.Properties).toMatchObject({
      Endpoint: 'http://10.0.12.7:9000',
      Bucket: 'datalake',
      EnsureDirectory: 'true',
      ConfigHash: 'abc',
      TimeoutSeconds: '120',
    });
    expect(minio.DependsOn.some((id: string) => id.startsWith('Credentials'))).toBe(true);
    // One master: its address exactly as before, no separator.
    expect(alluxio.Properties).toMatchObject({ AlluxioMaster: 'master.parts.internal:19999', ExpectedWorkers: '2', EnsureBucket: 'false' });
    expect(alluxio.DependsOn.some((id: string) => id.startsWith('StandInForAService'))).toBe(true);
  });

  test('several masters: every web endpoint, comma-separated, in the order given', () => {
    const b = base();
    const credentials = credentialsIn(b);
    const store = new MinioStore(b.stack, 'Minio', {
      backend: EXISTING,
      credentials,
      cluster: b.cluster,
      port: 9000,
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    const checks = new DeployChecks(b.stack, 'Checks', {
      functions: b.functions,
      credentials,
      store,
      backend: EXISTING,
      alluxioVersion: '2.9.6',
      timeoutSeconds: 120,
      configHash: 'abc',
    });
    checks.addAlluxioCheck(['master-0.ns:19999', 'master-1.ns:19999', 'master-2.ns:19999'], 5, []);
    const alluxio = (Object.values(Template.fromStack(b.stack).findResources('Custom::AlluxioMinioHealthCheck')) as any[]).find(
      (c) => c.Properties.AlluxioMaster,
    );
    expect(alluxio.Properties).toMatchObject({ AlluxioMaster: 'master-0.ns:19999,master-1.ns:19999,master-2.ns:19999', ExpectedWorkers: '5' });
    expect(() => checks.addAlluxioCheck([], 1, [])).toThrow(/at least one master/);
  });
});
