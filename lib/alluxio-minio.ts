import { CfnOutput, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { AlluxioMinioProps, RotationOptions } from './alluxio-minio-props';
import { LOST_WORKER_TIMEOUT, resolveSettings, ResolvedSettings, withPropErrors } from './alluxio-minio-settings';
import { ALLUXIO_CLUSTER_PORT_RANGE, ALLUXIO_PORTS, SITE_JOURNAL_FOLDER } from './core/alluxio-container';
import { MINIO_PORT } from './core/alluxio-ports';
import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion } from './core/alluxio-version';
import { RenderSettingsSource } from './core/custom-resource-props';
import { InputError } from './core/input-error';
import { HA_MASTER_MIN_ZONES } from './core/master-placement';
import { CachePreload, PreloadPath } from './features/cache-preload';
import { AlluxioClusterMetrics, MetricsOptions } from './features/cluster-metrics';
import { CredentialRotation } from './features/credential-rotation';
import { AlluxioS3Endpoint, S3EndpointOptions } from './features/s3-endpoint';
import { AlluxioMasterGroup } from './parts/alluxio-master-group';
import { AlluxioServiceContext } from './parts/alluxio-services';
import { ClusterCredentials } from './parts/cluster-credentials';
import { CustomResourceFunctions } from './parts/custom-resource-functions';
import { DeployChecks } from './parts/deploy-checks';
import { MasterTopology } from './parts/master-topology';
import { MinioStore } from './parts/minio-store';
import { SiteConfiguration } from './parts/site-configuration';
import { acknowledgeNagFindings } from './private/nag-acknowledgements';

/**
 * Alluxio (one master, or a highly available quorum of three or five, on ECS Fargate, and N workers on
 * Fargate or on instance-store NVMe EC2 hosts) whose root mount is a MinIO bucket, with the MinIO
 * keys in SSM Parameter Store, the site properties rendered by a custom resource, and a post-deploy
 * health check that fails the deploy naming the cause.
 */
export class AlluxioMinio extends Construct implements ec2.IConnectable {
  /**
   * The Alluxio release deployed when `alluxio.version` is not given. The same value as the
   * top-level `DEFAULT_ALLUXIO_VERSION`, which only TypeScript and JavaScript see: jsii carries
   * class members to Python and Java, not module constants.
   */
  public static readonly DEFAULT_ALLUXIO_VERSION: string = DEFAULT_ALLUXIO_VERSION;

  /** The ECS cluster running Alluxio (and a provisioned MinIO). */
  public readonly cluster: ecs.Cluster;
  /** The Alluxio master service (with highly available masters: the first master's; all are in `masterServices`). */
  public readonly masterService: ecs.FargateService;
  /** Every Alluxio master service, in index order (one unless `alluxio.masters` is highly available). */
  public readonly masterServices: ecs.FargateService[];
  /** The Alluxio worker service (a Fargate or an EC2 service, as `alluxio.workers` chooses). */
  public readonly workerService: ecs.BaseService;
  /**
   * `host:port` of the master's RPC endpoint inside the VPC (Cloud Map name); with highly available
   * masters, every master's, comma-separated: a client's `alluxio.master.rpc.addresses`.
   */
  public readonly masterEndpoint: string;
  /** The MinIO S3 endpoint the cluster uses. */
  public readonly minioEndpoint: string;
  /** The S3 endpoint through the cache (`s3Endpoint`), when enabled: its service, URL and connections. */
  public readonly s3Endpoint?: AlluxioS3Endpoint;
  /** The SecureString parameter holding the MinIO access key. */
  public readonly accessKeyParameter: ssm.IStringParameter;
  /** The SecureString parameter holding the MinIO secret key. */
  public readonly secretKeyParameter: ssm.IStringParameter;
  /**
   * The SecureString parameter holding this deploy's rendered alluxio-site.properties
   * (`<prefix>/site-properties/<generation>`: each configuration has its own, so a rollback gets its own back).
   */
  public readonly sitePropertiesParameter: ssm.IStringParameter;
  /**
   * Network access to Alluxio's ports; the default port is the master RPC port. Clients that read
   * data also need the workers: use `allowClientsFrom`.
   */
  public readonly connections: ec2.Connections;
  /**
   * Everything of this construct that talks to MinIO (Alluxio, the health check, rotation). With an
   * existing MinIO whose security group admits sources by group, allow these on its S3 port:
   * `minioSecurityGroup.connections.allowFrom(cache.minioClients, ec2.Port.tcp(9000))`.
   */
  public readonly minioClients: ec2.Connections;
  /** The rotation machinery (function, rules, topic, alarm), unless `rotation.enabled` is false. */
  public readonly rotation?: CredentialRotation;
  /** The metrics agents, the dashboard and its alarms, when `metrics.enabled` is true. */
  public readonly metrics?: AlluxioClusterMetrics;
  /** The cache warm-up (absent without `preload` paths). */
  public readonly preload?: CachePreload;

  private readonly credentials: ClusterCredentials;

  constructor(scope: Construct, id: string, props: AlluxioMinioProps) {
    super(scope, id);
    const settings = resolveSettings(this, props);

    const vpc = props.vpc ?? this.createDefaultVpc(settings.logRetention, settings.masters.spreadAcrossZones);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      defaultCloudMapNamespace: { name: settings.namespace, useForServiceConnect: false },
    });
    const functions = new CustomResourceFunctions(this, 'Handlers', {
      vpc,
      logRetention: settings.logRetention,
      healthCheckTimeout: settings.healthCheckTimeout,
    });

    // The parts, in the order a deploy creates them.
    this.credentials = new ClusterCredentials(this, 'Credentials', {
      credentials: settings.credentials,
      parameterPrefix: settings.parameterPrefix,
      functions,
      removalPolicy: settings.removalPolicy,
    });
    this.accessKeyParameter = this.credentials.accessKeyParameter;
    this.secretKeyParameter = this.credentials.secretKeyParameter;

    const store = withPropErrors(
      this,
      () =>
        new MinioStore(this, 'Minio', {
          backend: settings.minio,
          credentials: this.credentials,
          cluster: this.cluster,
          port: MINIO_PORT,
          logRetention: settings.logRetention,
          imageMirror: props.imageMirror,
        }),
    );
    this.minioEndpoint = store.endpoint;

    const configuration = new SiteConfiguration(this, 'SiteProperties', {
      credentials: this.credentials,
      functions,
      parameterBaseName: `${settings.parameterPrefix}/site-properties`,
      settings: this.siteSettings(settings),
      journalMigration: props.alluxio?.journalMigration?._abandonsNamespace ?? false,
    });
    this.sitePropertiesParameter = configuration.parameter;

    const checks = new DeployChecks(this, 'Checks', {
      functions,
      credentials: this.credentials,
      store,
      backend: settings.minio,
      alluxioVersion: settings.alluxioVersion,
      timeoutSeconds: settings.healthCheckTimeout.toSeconds(),
      configHash: configuration.configHash,
    });

    const context = this.serviceContext(vpc, settings, props, configuration);
    const masters = new AlluxioMasterGroup(this, 'Master', {
      context,
      cpu: settings.masterCpu,
      memoryMiB: settings.masterMemoryMiB,
      jvmOptions: settings.masterJvmOptions,
      rootUfsKey: parseAlluxioVersion(settings.alluxioVersion).rootUfsKey,
      removalPolicy: settings.removalPolicy,
      members: withPropErrors(this, () => settings.masters.membersIn(settings.namespace, vpc, props.vpc !== undefined)),
    });
    const workers = settings.workers.createGroup(this, 'Worker', context);
    this.masterServices = masters.services;
    this.masterService = masters.service;
    this.workerService = workers.service;
    this.masterEndpoint = masters.rpcEndpoints.join(',');
    const alluxioServices = [...this.masterServices, this.workerService];
    for (const service of alluxioServices) {
      service.node.addDependency(configuration, checks.minioCheck);
    }
    // The deploy passes only when a primary serves the MinIO root mount and lists every worker.
    const alluxioCheck = checks.addAlluxioCheck(masters.webEndpoints, settings.workers.count, alluxioServices);

    this.allowAlluxioTraffic(context.securityGroup, store, functions, settings.masters);
    this.connections = new ec2.Connections({
      securityGroups: [context.securityGroup],
      defaultPort: ec2.Port.tcp(ALLUXIO_PORTS.masterRpc),
    });
    this.minioClients = new ec2.Connections({
      securityGroups: [context.securityGroup, functions.healthCheckSecurityGroup],
    });

    // The optional features, each from its prop.
    const wiring: FeatureWiring = { vpc, settings, context, configuration, store, masters, alluxioCheck };
    this.s3Endpoint = props.s3Endpoint?.enabled ? this.addS3Endpoint(props.s3Endpoint, wiring) : undefined;
    this.rotation = (props.rotation?.enabled ?? true) ? this.addRotation(props.rotation ?? {}, wiring) : undefined;
    this.preload = props.preload && props.preload.length > 0 ? this.addPreload(props.preload, props.rotation, wiring) : undefined;
    this.metrics = (props.metrics?.enabled ?? false) ? this.addMetrics(props.metrics!, masters, workers.taskDefinition, context, alluxioServices) : undefined;

    this.createOutputs(configuration.parameterBaseName);
  }

  /** What every Alluxio service shares: the cluster, its security group, the image, the log group and the configuration. */
  private serviceContext(vpc: ec2.IVpc, settings: ResolvedSettings, props: AlluxioMinioProps, configuration: SiteConfiguration): AlluxioServiceContext {
    const securityGroup = new ec2.SecurityGroup(this, 'AlluxioSecurityGroup', {
      vpc,
      description: 'Alluxio master and workers',
      allowAllOutbound: true,
    });
    const officialImage = `alluxio/alluxio:${settings.alluxioVersion}`;
    return {
      cluster: this.cluster,
      securityGroup,
      image: settings.image ?? props.imageMirror?._imageFor(officialImage) ?? ecs.ContainerImage.fromRegistry(officialImage),
      logGroup: new logs.LogGroup(this, 'Logs', { retention: settings.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      configuration,
      enableExecuteCommand: settings.enableExecuteCommand,
    };
  }

  /** MinIO from Alluxio and the health check; Alluxio's own ports within the cluster; the health check to the master's web port. */
  private allowAlluxioTraffic(securityGroup: ec2.ISecurityGroup, store: MinioStore, functions: CustomResourceFunctions, masters: MasterTopology): void {
    store.allowFrom(securityGroup, 'Alluxio reads and writes MinIO');
    store.allowFrom(functions.healthCheckSecurityGroup, 'health check probes MinIO');
    // Ingress from the group itself is all it takes: the group allows all outbound, and the egress rule
    // allowInternally would add too is dropped by CDK with a warning on every synth.
    securityGroup.addIngressRule(
      securityGroup,
      ec2.Port.tcpRange(ALLUXIO_CLUSTER_PORT_RANGE.from, ALLUXIO_CLUSTER_PORT_RANGE.to),
      'Alluxio ports within the cluster',
    );
    masters.allowJournalTraffic(securityGroup);
    securityGroup.connections.allowFrom(functions.healthCheckSecurityGroup, ec2.Port.tcp(ALLUXIO_PORTS.masterWeb), 'health check reads the master info');
  }

  private addS3Endpoint(options: S3EndpointOptions, wiring: FeatureWiring): AlluxioS3Endpoint {
    const { configuration, context } = wiring;
    const endpoint = withPropErrors(
      this,
      () =>
        new AlluxioS3Endpoint(this, 'S3Endpoint', {
          options,
          cluster: this.cluster,
          namespaceName: wiring.settings.namespace,
          vpc: wiring.vpc,
          alluxioSecurityGroup: context.securityGroup,
          image: context.image,
          logGroup: context.logGroup,
          siteProperties: configuration.keyFreeSecret,
          configHash: configuration.configHash,
        }),
    );
    configuration.grantReadEveryKeyFreeConfiguration(endpoint.taskDefinition);
    // The proxy gets the configuration without the MinIO keys (the workers alone read and write
    // MinIO), and its roles cannot read the one with them; a rotation need not restart it.
    endpoint.service.node.addDependency(...this.masterServices);
    new CfnOutput(this, 'S3EndpointUrl', { value: endpoint.url });
    return endpoint;
  }

  private addRotation(options: RotationOptions, wiring: FeatureWiring): CredentialRotation {
    const { settings } = wiring;
    // Its checks name its own props, which the user gave under `rotation`.
    const rotation = withPropErrors(
      this,
      () =>
        new CredentialRotation(this, 'Rotation', {
          accessKeyParameter: this.accessKeyParameter,
          secretKeyParameter: this.secretKeyParameter,
          sitePropertiesParameterName: wiring.configuration.parameterBaseName,
          ownsKeys: settings.credentials.isGenerated,
          cluster: this.cluster,
          masterServices: this.masterServices,
          workerService: this.workerService,
          minioService: wiring.store.server?.service,
          alluxioMasterWebAddresses: wiring.masters.webEndpoints,
          vpc: wiring.vpc,
          kmsKey: settings.credentials.kmsKey,
          topic: options.topic,
          reconcileSchedule: options.reconcileSchedule,
          serviceRestartTimeout: options.serviceRestartTimeout,
          verificationTimeout: options.verificationTimeout,
          logRetention: settings.logRetention,
        }),
      'rotation.',
    );
    this.minioClients.addSecurityGroup(...rotation.connections.securityGroups);
    wiring.store.allowFrom(rotation, 'rotation verifies new keys against MinIO');
    wiring.context.securityGroup.connections.allowFrom(rotation, ec2.Port.tcp(ALLUXIO_PORTS.masterWeb), 'rotation verifies the master after a restart');
    this.labelLastKnownGoodAfter(wiring.alluxioCheck, rotation, wiring.configuration.configHash, settings.logRetention);
    return rotation;
  }

  private addPreload(paths: PreloadPath[], rotation: RotationOptions | undefined, wiring: FeatureWiring): CachePreload {
    const { configuration, context } = wiring;
    const preload = withPropErrors(
      this,
      () =>
        new CachePreload(this, 'Preload', {
          paths,
          cluster: this.cluster,
          image: context.image,
          // A client of the master only: the configuration without the MinIO keys.
          siteProperties: configuration.keyFreeSecret,
          logGroup: context.logGroup,
          securityGroup: context.securityGroup,
          deploymentName: configuration.parameterBaseName,
          runAfter: wiring.alluxioCheck,
          logRetention: wiring.settings.logRetention,
          mastersUnreachableTimeout: rotation?.serviceRestartTimeout,
        }),
    );
    acknowledgeAwsCustomResourceSingleton(this);
    return preload;
  }

  private addMetrics(
    options: MetricsOptions,
    masters: AlluxioMasterGroup,
    workerTaskDefinition: ecs.TaskDefinition,
    context: AlluxioServiceContext,
    alarmsAfter: ecs.BaseService[],
  ): AlluxioClusterMetrics {
    return withPropErrors(
      this,
      () =>
        new AlluxioClusterMetrics(this, 'Metrics', {
          options,
          cluster: this.cluster,
          masterTaskDefinition: masters.taskDefinitions[0],
          otherMasterTaskDefinitions: masters.taskDefinitions.slice(1),
          workerTaskDefinition,
          logGroup: context.logGroup,
          rotation: this.rotation,
          alarmsAfter,
        }),
    );
  }

  /** What the site file says besides the keys. */
  private siteSettings(settings: ResolvedSettings): RenderSettingsSource {
    return {
      alluxioVersion: settings.alluxioVersion,
      endpoint: this.minioEndpoint,
      bucket: settings.minio.bucket,
      directory: settings.minio.directory,
      region: settings.minio.region,
      ...settings.masters.siteSettings(settings.namespace),
      journalFolder: SITE_JOURNAL_FOLDER,
      workerTierAlias: 'SSD',
      workerTierPath: settings.workers.tierPath,
      workerTierQuota: settings.workers.tierQuota,
      masterUpdateCheck: false,
      // Every replaced task is a new worker; the old one must leave the master's list long before
      // Alluxio's 5 minutes, or clients keep writing to it after each rotation or redeploy.
      lostWorkerTimeout: LOST_WORKER_TIMEOUT,
      writeType: settings.writeType,
      metadataSyncInterval: settings.metadataSyncInterval,
      extraProperties: settings.extraProperties,
    };
  }

  /**
   * Nothing carries the last-known-good label until a rotation has run once; start one as soon as
   * the deploy is healthy (and after every configuration change) instead of up to an hour later.
   */
  private labelLastKnownGoodAfter(alluxioCheck: IDependable, rotation: CredentialRotation, configHash: string, logRetention: logs.RetentionDays): void {
    const firstReconcile = new cr.AwsCustomResource(this, 'LabelLastKnownGood', {
      onUpdate: {
        service: 'SFN',
        action: 'startExecution',
        // The start machine names the rotation; the call returns once it is started.
        parameters: { stateMachineArn: rotation.startMachine.stateMachineArn, input: '{"source":"cdk-alluxio-minio.deploy"}' },
        physicalResourceId: cr.PhysicalResourceId.of(configHash),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [rotation.startMachine.stateMachineArn] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'LabelLastKnownGoodLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });
    firstReconcile.node.addDependency(alluxioCheck);
    acknowledgeAwsCustomResourceSingleton(this);
  }

  /**
   * Lets `client` use Alluxio: the master's RPC port for metadata and the workers' RPC port for data.
   *
   * This admits a client to everything under the root mount, not only to reading. Alluxio 2.9
   * authenticates with `SIMPLE` by default: a client is whoever it says it is
   * (`alluxio.security.login.username`, else its OS user), with no proof, and the OS user running the
   * master is the super user (Alluxio docs, docs/en/operation/Security.md, "SIMPLE" and "User group
   * mapping"). So a client that reaches these ports can read, write and delete any file under the root
   * mount, and so the objects in the MinIO bucket directory, as any user. Admit only clients you would
   * give write access to that directory.
   */
  public allowClientsFrom(client: ec2.IConnectable): void {
    this.connections.allowFrom(client, ec2.Port.tcp(ALLUXIO_PORTS.masterRpc), 'Alluxio client to the master');
    this.connections.allowFrom(client, ec2.Port.tcp(ALLUXIO_PORTS.workerRpc), 'Alluxio client to the workers');
  }

  /**
   * Lets `client` reach the S3 endpoint (`s3Endpoint`), and nothing else; `0.0.0.0/0` and `::/0`
   * are refused, since the endpoint checks no signature.
   */
  public allowS3ClientsFrom(client: ec2.IConnectable): void {
    withPropErrors(this, () => {
      if (!this.s3Endpoint)
        throw new InputError('s3Endpoint', 'is not enabled, so there is no S3 endpoint to let clients reach', 'pass s3Endpoint: { enabled: true }');
      this.s3Endpoint.allowS3ClientsFrom(client);
    });
  }

  /**
   * Lets `grantee` read (and decrypt) the MinIO access key and secret key.
   */
  public grantReadCredentials(grantee: iam.IGrantable): iam.Grant {
    return this.credentials.grantRead(grantee);
  }

  private createDefaultVpc(logRetention: logs.RetentionDays, mastersSpreadAcrossZones: boolean): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // Highly available masters: one per AZ over three AZs, each AZ with its own NAT gateway, so losing
      // one AZ (or its NAT) leaves a quorum with egress. One master: two AZs and one NAT, as before.
      ...(mastersSpreadAcrossZones ? { availabilityZones: this.threeZones(), natGateways: HA_MASTER_MIN_ZONES } : { maxAzs: 2, natGateways: 1 }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogsGroup', { retention: logRetention })),
    });
    return vpc;
  }

  /**
   * The first three AZs of the stack's region. CDK gives a stack without an env two AZs whatever
   * `maxAzs` says (Stack.availabilityZones: the first two of Fn::GetAZs); there the region's first three
   * come from Fn::GetAZs at deploy time (a region with fewer fails the deploy before anything is
   * created). With an env, the AZs are looked up at synth, and a region with fewer is refused there.
   */
  private threeZones(): string[] {
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      return Array.from({ length: HA_MASTER_MIN_ZONES }, (_, index) => Fn.select(index, Fn.getAzs()));
    }
    return stack.availabilityZones.slice(0, HA_MASTER_MIN_ZONES);
  }

  private createOutputs(sitePropertiesName: string): void {
    const outputs: Record<string, string> = {
      MasterEndpoint: this.masterEndpoint,
      MinioEndpoint: this.minioEndpoint,
      AccessKeyParameterName: this.credentials.accessKeyParameterName,
      SecretKeyParameterName: this.credentials.secretKeyParameterName,
      // The base the CLI and rotation take (every configuration is <base>/<generation>), and this deploy's own.
      SitePropertiesParameterName: sitePropertiesName,
      SitePropertiesConfigurationName: this.sitePropertiesParameter.parameterName,
      ClusterName: this.cluster.clusterName,
      ...(this.rotation ? { RotationTopicArn: this.rotation.topic.topicArn } : {}),
    };
    for (const [name, value] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value });
    }
  }
}

/**
 * aws-cdk-lib runs every AwsCustomResource of a stack through one singleton function at the stack's
 * root, outside this construct; its role carries the AWS managed basic execution policy.
 */
function acknowledgeAwsCustomResourceSingleton(scope: Construct): void {
  const singleton = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
  if (!singleton) return;
  acknowledgeNagFindings(singleton, [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "aws-cdk-lib's AwsCustomResource function; the managed policy only lets it write its own logs.",
    },
  ]);
}

// The construct id aws-cdk-lib gives the AwsCustomResource singleton function (stable across releases).
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** What the optional features are wired to: built by the constructor before them. */
interface FeatureWiring {
  readonly vpc: ec2.IVpc;
  readonly settings: ResolvedSettings;
  readonly context: AlluxioServiceContext;
  readonly configuration: SiteConfiguration;
  readonly store: MinioStore;
  readonly masters: AlluxioMasterGroup;
  readonly alluxioCheck: IDependable;
}
