import { CfnOutput, Duration, Fn, Names, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { ALLUXIO_CLUSTER_PORT_RANGE, ALLUXIO_PORTS, SITE_JOURNAL_FOLDER } from './core/alluxio-container';
import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion, parseDeployableAlluxioVersion } from './core/alluxio-version';
import { RenderSettingsSource } from './core/custom-resource-props';
import { validateFargateSize, validateWholeNumber } from './core/fargate-sizing';
import { InputError } from './core/input-error';
import { METRICS_AGENT_MEMORY_MIB } from './core/alluxio-metrics';
import { HA_MASTER_MIN_ZONES } from './core/master-placement';
import { masterJournalPortRange, validateQuorumSize } from './core/master-quorum';
import { alluxioJvmMemory, jvmMemoryEnvironment, MASTER_JVM_PROPERTIES } from './core/jvm-memory';
import { validateDataVolumePlacement } from './core/minio-data-volume';
import { DEFAULT_CLIENT_DEFAULTS, validateSiteSettings } from './core/site-properties';
import { validateExtraProperties } from './core/validate';
import { AlluxioMasters, JournalMigration } from './choices/alluxio-masters';
import { AlluxioWorkers } from './choices/alluxio-workers';
import { AlluxioClusterMetrics, MetricsOptions } from './features/cluster-metrics';
import { CachePreload, PreloadPath } from './features/cache-preload';
import { CredentialRotation } from './features/credential-rotation';
import { CustomResourceFunctions } from './parts/custom-resource-functions';
import { ImageMirror } from './choices/image-mirror';
import { MinioBackend } from './choices/minio-backend';
import { MinioCredentials } from './choices/minio-credentials';
import { acknowledgeNagFindings } from './private/nag-acknowledgements';
import { AlluxioMasterGroup, masterHostnamesIn, quorumMemberSubnets } from './parts/alluxio-master-group';
import { AlluxioServiceContext } from './parts/alluxio-services';
import { AlluxioEc2WorkerGroup } from './parts/alluxio-ec2-worker-group';
import { AlluxioWorkerGroup } from './parts/alluxio-worker-group';
import { ClusterCredentials } from './parts/cluster-credentials';
import { DeployChecks } from './parts/deploy-checks';
import { MinioStore } from './parts/minio-store';
import { SiteConfiguration } from './parts/site-configuration';
import { resolveWorkerSettings, WorkerSettings } from './parts/worker-settings';
import { AlluxioS3Endpoint, S3EndpointOptions } from './features/s3-endpoint';

/** How the Alluxio master and workers run. */
export interface AlluxioOptions {
  /**
   * The Alluxio release: a 2.x version such as `2.9.5`. It chooses the default image tag.
   *
   * A 3xx "dora" release (294 to 313) is refused at synth: its workers need a page store and a
   * membership setting this construct does not deploy (`alluxio-minio render` still writes its site file).
   *
   * @default - `AlluxioMinio.DEFAULT_ALLUXIO_VERSION`, the newest 2.9.x with an official image
   */
  readonly version?: string;
  /**
   * The Alluxio image, when not the official `alluxio/alluxio:<version>`.
   *
   * @default - `alluxio/alluxio:<version>` from Docker Hub
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU units of the master task (Fargate sizes).
   *
   * @default 1024
   */
  readonly masterCpu?: number;
  /**
   * Memory of the master task in MiB; must pair with `masterCpu` on Fargate. The master and job
   * master JVMs of the task get heap and direct-memory limits derived from it (at least 2048), and the
   * master's lock pools a size from its heap. The heap bounds the namespace one metadata load can
   * take: give more for a large bucket (see the README's master memory figures).
   *
   * @default 4096
   */
  readonly masterMemoryMiB?: number;
  /**
   * How many masters run: one on the UFS journal, or a highly available quorum on the embedded journal
   * (`AlluxioMasters.highlyAvailable()`: three masters, each its own service and Cloud Map name, a new
   * primary elected without a deploy when one is lost). `masterCpu` and `masterMemoryMiB` size each.
   *
   * @default AlluxioMasters.single()
   */
  readonly masters?: AlluxioMasters;
  /**
   * Lets a deploy change `masters` between `AlluxioMasters.single()` and
   * `AlluxioMasters.highlyAvailable()`, which moves the masters to another journal and loses the
   * namespace (see `JournalMigration.abandonNamespace()`). Without it such a deploy fails in the render
   * resource and rolls back, the previous masters still serving.
   *
   * @default - a switch between single and highly available masters is refused
   */
  readonly journalMigration?: JournalMigration;
  /**
   * Where the workers run and cache: Fargate tasks caching on ephemeral storage, or EC2 hosts with
   * instance-store NVMe (`AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.xlarge') })`).
   * `workerCpu`, `workerMemoryMiB` and `cacheSize` remain the Fargate sizes; `workerCount` is the count of
   * either (give it once: here or in the factory's options).
   *
   * @default AlluxioWorkers.fargate()
   */
  readonly workers?: AlluxioWorkers;
  /**
   * CPU units of each worker task.
   *
   * @default 1024
   */
  readonly workerCpu?: number;
  /**
   * Memory of each worker task in MiB; must pair with `workerCpu` on Fargate. The worker and job
   * worker JVMs of the task get heap and direct-memory limits derived from it (at least 2048); the
   * cache is on ephemeral storage and takes none of it.
   *
   * @default 4096
   */
  readonly workerMemoryMiB?: number;
  /**
   * How many worker tasks run.
   *
   * @default 2
   */
  readonly workerCount?: number;
  /**
   * Cache capacity of each worker, on the task's Fargate ephemeral storage (whole GiB, 1 to 190).
   *
   * @default 20 GiB
   */
  readonly cacheSize?: Size;
  /**
   * When a write through Alluxio is acknowledged, as the default of every client of the cluster
   * (`alluxio.user.file.writetype.default`). `CACHE_THROUGH` acknowledges once the file is in MinIO
   * (and cached); `THROUGH` writes to MinIO only; `ASYNC_THROUGH`, Alluxio 2.9's own default,
   * acknowledges once it is cached and persists later, so a worker lost before that loses the write,
   * and Fargate workers lose their storage on every restart (a credential rotation restarts them all).
   *
   * @default WriteType.CACHE_THROUGH
   */
  readonly writeType?: WriteType;
  /**
   * How stale Alluxio's view of MinIO may get: objects other tools put into the bucket appear in a
   * directory Alluxio has listed within this interval (`alluxio.user.file.metadata.sync.interval`).
   * Each sync of a directory is one listing of its prefix in MinIO, at most once per interval per
   * path accessed. `Duration.seconds(0)` syncs on every access. Alluxio 2.9's own default never syncs.
   *
   * @default Duration.seconds(60)
   */
  readonly metadataSyncInterval?: Duration;
  /**
   * Additional `alluxio-site.properties` entries. Keys the construct manages and credential keys are
   * rejected at synth; credentials only ever come from SSM. So is a client write chunk
   * (`alluxio.user.streaming.writer.chunk.size.bytes`) that does not fit the workers' inbound message
   * limit (`alluxio.worker.network.max.inbound.message.size`, 4MB by default): every write would fail.
   *
   * @default - none
   */
  readonly extraProperties?: { [key: string]: string };
  /**
   * ECS Exec on the master and worker tasks (`aws ecs execute-command ... --interactive --command
   * /bin/bash`): a shell for diagnosis, e.g. `alluxio fsadmin report`. It lets each task role open SSM
   * session channels, and whoever may call `ecs:ExecuteCommand` on the cluster gets a shell in a
   * container that holds the MinIO keys.
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
}

/** When a write through Alluxio is acknowledged (Alluxio's write types a deployment may default to). */
export enum WriteType {
  /** Acknowledged once the file is in MinIO and in the cache. */
  CACHE_THROUGH = 'CACHE_THROUGH',
  /** Acknowledged once the file is in MinIO; not cached on write. */
  THROUGH = 'THROUGH',
  /** Acknowledged once cached; persisted to MinIO later by the job service. A lost worker loses what was not yet persisted. */
  ASYNC_THROUGH = 'ASYNC_THROUGH',
}

/** How credential rotation through SSM runs. */
export interface RotationOptions {
  /**
   * Rotate when the key parameters change (and reconcile on a schedule). When false, new key values
   * reach the cluster only when a later deploy changes the configuration (and so re-renders it).
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Where every rotation outcome is published, and what the rotation alarms notify. CloudWatch must
   * be allowed to publish to it (its topic policy, and the policy of the key that encrypts it), or
   * alarm notifications are dropped.
   *
   * @default - a new topic (`rotation.topic`), encrypted with a key of its own that CloudWatch may use
   */
  readonly topic?: sns.ITopic;
  /**
   * How often the cluster compares what is rendered with the current parameter versions and repairs
   * drift (SSM change events are best effort).
   *
   * @default Duration.hours(1)
   */
  readonly reconcileSchedule?: Duration;
  /**
   * How long each service's restart during a rotation is waited for (CredentialRotation's prop).
   *
   * @default - 5 minutes per restart, whatever the number of masters (a Step Functions state machine holds the waits)
   */
  readonly serviceRestartTimeout?: Duration;
  /**
   * How long the checks after a rotation's restarts may take to pass (CredentialRotation's prop).
   *
   * @default Duration.seconds(60)
   */
  readonly verificationTimeout?: Duration;
}

/** Props of {@link AlluxioMinio}. */
export interface AlluxioMinioProps {
  /**
   * Which MinIO Alluxio mounts as its root.
   */
  readonly minio: MinioBackend;
  /**
   * The MinIO access key and secret key. Required with an existing MinIO.
   *
   * @default - `MinioCredentials.generated()` with a provisioned MinIO
   */
  readonly credentials?: MinioCredentials;
  /**
   * The VPC the cluster, MinIO and the health check run in. With highly available masters, its private
   * subnets with egress must span at least 3 AZs (one master per AZ); a VPC made in a stack without an
   * env has only 2 (give the stack an env, or the VPC explicit `availabilityZones`).
   *
   * @default - a new VPC with public subnets and private subnets with egress: over 2 AZs with one NAT
   * gateway, or with highly available masters over 3 AZs with a NAT gateway in each
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Prefix of the SSM parameters the construct writes (`<prefix>/site-properties`, and for generated
   * credentials `<prefix>/access-key` and `<prefix>/secret-key`). Starts with `/`, no trailing `/`.
   *
   * @default - `/alluxio-minio/<unique id of this construct>`
   */
  readonly parameterPrefix?: string;
  /**
   * Alluxio version, image, sizes and extra properties.
   *
   * @default - see `AlluxioOptions`
   */
  readonly alluxio?: AlluxioOptions;
  /**
   * How long the post-deploy health check keeps trying before it fails the deploy. Definitive
   * failures (wrong keys, missing bucket) fail at once. From 1 to 50 minutes.
   *
   * @default Duration.minutes(10)
   */
  readonly healthCheckTimeout?: Duration;
  /**
   * Retention of the containers' and handlers' CloudWatch logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Pull the default images (Alluxio from Docker Hub, the provisioned MinIO from quay.io) through an
   * ECR pull-through cache or a registry mirror. Anonymous Docker Hub pulls are limited to 10 an hour
   * per IP address, and every task pulls through the VPC's one NAT address: a rotation restarts every
   * task. Images given explicitly are used as they are.
   *
   * @default - the public registries, anonymously
   */
  readonly imageMirror?: ImageMirror;
  /**
   * Credential rotation through SSM: re-render, rolling restart, verify, roll back.
   *
   * @default - enabled, with a new SNS topic and an hourly reconcile
   */
  readonly rotation?: RotationOptions;
  /**
   * The cluster's own metrics in CloudWatch (a CloudWatch agent beside the master and each worker),
   * a dashboard, and alarms on no live worker and a low cache hit ratio.
   *
   * @default - off: no agent, dashboard or alarms
   */
  readonly metrics?: MetricsOptions;
  /**
   * What happens to generated credential parameters and the master's journal file system when the
   * construct is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * An S3 endpoint through the cache: Alluxio's proxy serving the S3 API at
   * `http://s3.<namespace>:39999/api/v1/s3` (path-style; buckets are top-level Alluxio directories).
   * It checks no signature: it takes the access key id as the Alluxio user and ignores the secret, so
   * whoever reaches it can act as any user. Only the peers given to `allowS3ClientsFrom` reach it.
   *
   * @default - no S3 endpoint
   */
  readonly s3Endpoint?: S3EndpointOptions;
  /**
   * Paths to load into the cache (`alluxio fs load <path> --submit`, the distributed load, in a Fargate task) once the health check
   * has passed after each deploy that changes the configuration or the paths, and on each path's own
   * schedule. Every run ends with an outcome line in the Alluxio log group (stream prefix `preload`),
   * counted in the `PreloadSuccesses` / `PreloadFailures` metrics; a failed run never fails the deploy.
   *
   * @default - no warm-up
   */
  readonly preload?: PreloadPath[];
}

const DEFAULTS = {
  masterCpu: 1024,
  masterMemoryMiB: 4096,
  healthCheckMinutes: 10,
};

const MINIO_PORT = 9000;
/** A worker silent this long (it heartbeats every second) has left: its task was replaced or died. */
const LOST_WORKER_TIMEOUT = '30sec';
const PROVISIONED_ENDPOINT_SHAPE = `http://minio.example.internal:${MINIO_PORT}`;

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

    const vpc = props.vpc ?? this.createDefaultVpc(settings.logRetention, settings.quorumSize !== undefined);
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

    const store = withPropErrors(this, () => new MinioStore(this, 'Minio', {
      backend: settings.minio,
      credentials: this.credentials,
      cluster: this.cluster,
      port: MINIO_PORT,
      logRetention: settings.logRetention,
      imageMirror: props.imageMirror,
    }));
    this.minioEndpoint = store.endpoint;

    const configuration = new SiteConfiguration(this, 'SiteProperties', {
      credentials: this.credentials,
      functions,
      parameterBaseName: `${settings.parameterPrefix}/site-properties`,
      settings: this.siteSettings(settings, masterHostnamesIn(settings.namespace, settings.quorumSize)),
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

    const alluxioSecurityGroup = new ec2.SecurityGroup(this, 'AlluxioSecurityGroup', {
      vpc,
      description: 'Alluxio master and workers',
      allowAllOutbound: true,
    });
    const officialImage = `alluxio/alluxio:${settings.alluxioVersion}`;
    const context: AlluxioServiceContext = {
      cluster: this.cluster,
      securityGroup: alluxioSecurityGroup,
      image: settings.image ?? props.imageMirror?._imageFor(officialImage) ?? ecs.ContainerImage.fromRegistry(officialImage),
      logGroup: new logs.LogGroup(this, 'Logs', { retention: settings.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      configuration,
      enableExecuteCommand: settings.enableExecuteCommand,
    };
    const masters = new AlluxioMasterGroup(this, 'Master', {
      context,
      cpu: settings.masterCpu,
      memoryMiB: settings.masterMemoryMiB,
      jvmOptions: settings.masterJvmOptions,
      rootUfsKey: parseAlluxioVersion(settings.alluxioVersion).rootUfsKey,
      removalPolicy: settings.removalPolicy,
      quorumSize: settings.quorumSize,
      quorumSubnets: settings.quorumSize === undefined ? undefined : withPropErrors(this, () => quorumMemberSubnets(vpc, settings.quorumSize!, props.vpc !== undefined)),
    });
    const workers = this.createWorkers(context, settings.workers);
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

    store.allowFrom(alluxioSecurityGroup, 'Alluxio reads and writes MinIO');
    store.allowFrom(functions.healthCheckSecurityGroup, 'health check probes MinIO');
    alluxioSecurityGroup.connections.allowInternally(ec2.Port.tcpRange(ALLUXIO_CLUSTER_PORT_RANGE.from, ALLUXIO_CLUSTER_PORT_RANGE.to), 'Alluxio ports within the cluster');
    if (settings.quorumSize !== undefined) {
      // The masters' Raft ports (the job masters' are in the range above).
      const [first, last] = masterJournalPortRange(settings.quorumSize);
      alluxioSecurityGroup.connections.allowInternally(ec2.Port.tcpRange(first, last), 'embedded journal between the masters');
    }
    alluxioSecurityGroup.connections.allowFrom(functions.healthCheckSecurityGroup, ec2.Port.tcp(ALLUXIO_PORTS.masterWeb), 'health check reads the master info');
    this.connections = new ec2.Connections({
      securityGroups: [alluxioSecurityGroup],
      defaultPort: ec2.Port.tcp(ALLUXIO_PORTS.masterRpc),
    });
    this.minioClients = new ec2.Connections({
      securityGroups: [alluxioSecurityGroup, functions.healthCheckSecurityGroup],
    });

    if (props.s3Endpoint?.enabled) {
      this.s3Endpoint = withPropErrors(this, () => new AlluxioS3Endpoint(this, 'S3Endpoint', {
        options: props.s3Endpoint!,
        cluster: this.cluster,
        namespaceName: settings.namespace,
        vpc,
        alluxioSecurityGroup,
        image: context.image,
        logGroup: context.logGroup,
        siteProperties: configuration.keyFreeSecret,
        configHash: configuration.configHash,
      }));
      configuration.grantReadEveryKeyFreeConfiguration(this.s3Endpoint.taskDefinition);
      // The proxy gets the configuration without the MinIO keys (the workers alone read and write
      // MinIO), and its roles cannot read the one with them; a rotation need not restart it.
      this.s3Endpoint.service.node.addDependency(...this.masterServices);
      new CfnOutput(this, 'S3EndpointUrl', { value: this.s3Endpoint.url });
    }

    if (props.rotation?.enabled ?? true) {
      this.rotation = new CredentialRotation(this, 'Rotation', {
        accessKeyParameter: this.accessKeyParameter,
        secretKeyParameter: this.secretKeyParameter,
        sitePropertiesParameterName: configuration.parameterBaseName,
        ownsKeys: settings.credentials.isGenerated,
        cluster: this.cluster,
        masterServices: this.masterServices,
        workerService: this.workerService,
        minioService: store.server?.service,
        alluxioMasterWebAddresses: masters.webEndpoints,
        vpc,
        kmsKey: settings.credentials.kmsKey,
        topic: props.rotation?.topic,
        reconcileSchedule: props.rotation?.reconcileSchedule,
        serviceRestartTimeout: props.rotation?.serviceRestartTimeout,
        verificationTimeout: props.rotation?.verificationTimeout,
        logRetention: settings.logRetention,
      });
      this.minioClients.addSecurityGroup(...this.rotation.connections.securityGroups);
      store.allowFrom(this.rotation, 'rotation verifies new keys against MinIO');
      alluxioSecurityGroup.connections.allowFrom(this.rotation, ec2.Port.tcp(ALLUXIO_PORTS.masterWeb), 'rotation verifies the master after a restart');
      this.labelLastKnownGoodAfter(alluxioCheck, this.rotation, configuration.configHash, settings.logRetention);
    }

    if (props.preload && props.preload.length > 0) {
      this.preload = withPropErrors(this, () => new CachePreload(this, 'Preload', {
        paths: props.preload!,
        cluster: this.cluster,
        image: context.image,
        // A client of the master only: the configuration without the MinIO keys.
        siteProperties: configuration.keyFreeSecret,
        logGroup: context.logGroup,
        securityGroup: alluxioSecurityGroup,
        deploymentName: configuration.parameterBaseName,
        runAfter: alluxioCheck,
        logRetention: settings.logRetention,
        mastersUnreachableTimeout: props.rotation?.serviceRestartTimeout,
      }));
      acknowledgeAwsCustomResourceSingleton(this);
    }

    if (props.metrics?.enabled ?? false) {
      this.metrics = withPropErrors(this, () => new AlluxioClusterMetrics(this, 'Metrics', {
        options: props.metrics!,
        cluster: this.cluster,
        masterTaskDefinition: masters.taskDefinitions[0],
        otherMasterTaskDefinitions: masters.taskDefinitions.slice(1),
        workerTaskDefinition: workers.taskDefinition,
        logGroup: context.logGroup,
        rotation: this.rotation,
        alarmsAfter: alluxioServices,
      }));
    }

    this.createOutputs(configuration.parameterBaseName);
  }

  private createWorkers(context: AlluxioServiceContext, workers: WorkerSettings): { readonly service: ecs.BaseService; readonly taskDefinition: ecs.TaskDefinition } {
    if (workers.kind === 'ec2') {
      return new AlluxioEc2WorkerGroup(this, 'Worker', { context, ...workers });
    }
    return new AlluxioWorkerGroup(this, 'Worker', { context, ...workers });
  }

  /** What the site file says besides the keys. */
  private siteSettings(settings: ResolvedSettings, masterHostnames: string[]): RenderSettingsSource {
    return {
      alluxioVersion: settings.alluxioVersion,
      endpoint: this.minioEndpoint,
      bucket: settings.minio.bucket,
      directory: settings.minio.directory,
      region: settings.minio.region,
      ...(settings.quorumSize === undefined ? { masterHostname: masterHostnames[0] } : { masterQuorum: masterHostnames }),
      // In the site file, the one place every process and `bin/alluxio formatJournal` read: the format
      // never sees ALLUXIO_MASTER_JAVA_OPTS, and workers would know a master-only -D only through the
      // master's cluster defaults (they load them at start; seen with 2.9.6 on the local cluster).
      journalType: settings.quorumSize === undefined ? 'UFS' : 'EMBEDDED',
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
    if (!this.s3Endpoint) {
      throw new Error(`AlluxioMinio ${this.node.path}: s3Endpoint: is not enabled, so there is no S3 endpoint to let clients reach. Fix: pass s3Endpoint: { enabled: true }`);
    }
    withPropErrors(this, () => this.s3Endpoint!.allowS3ClientsFrom(client));
  }

  /**
   * Lets `grantee` read (and decrypt) the MinIO access key and secret key.
   */
  public grantReadCredentials(grantee: iam.IGrantable): iam.Grant {
    return this.credentials.grantRead(grantee);
  }

  private createDefaultVpc(logRetention: logs.RetentionDays, highlyAvailableMasters: boolean): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // Highly available masters: one per AZ over three AZs, each AZ with its own NAT gateway, so losing
      // one AZ (or its NAT) leaves a quorum with egress. One master: two AZs and one NAT, as before.
      ...(highlyAvailableMasters ? { availabilityZones: this.threeZones(), natGateways: HA_MASTER_MIN_ZONES } : { maxAzs: 2, natGateways: 1 }),
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

interface ResolvedSettings {
  readonly minio: MinioBackend;
  readonly credentials: MinioCredentials;
  readonly parameterPrefix: string;
  readonly namespace: string;
  readonly alluxioVersion: string;
  readonly image?: ecs.ContainerImage;
  readonly masterCpu: number;
  readonly masterMemoryMiB: number;
  /** ALLUXIO_*_JAVA_OPTS of the master container (master and job master), sized from its task memory. */
  readonly masterJvmOptions: Record<string, string>;
  /** How many masters are on the embedded journal; undefined for the single master. */
  readonly quorumSize?: number;
  readonly workers: WorkerSettings;
  readonly writeType: string;
  readonly metadataSyncInterval: string;
  readonly extraProperties: Record<string, string>;
  readonly enableExecuteCommand: boolean;
  readonly healthCheckTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Every prop checked at synth; each error names the prop and the fix. */
function resolveSettings(scope: Construct, props: AlluxioMinioProps): ResolvedSettings {
  return withPropErrors(scope, () => resolveSettingsOrThrow(scope, props));
}

/** Runs `build`; an InputError from it becomes the construct's synth error, with the construct's path. */
function withPropErrors<T>(scope: Construct, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof InputError) {
      throw new Error(`AlluxioMinio ${scope.node.path}: ${err.message}`);
    }
    throw err;
  }
}

function resolveSettingsOrThrow(scope: Construct, props: AlluxioMinioProps): ResolvedSettings {
  const minio = props.minio;
  if (!minio) {
    throw new InputError('minio', 'is required', 'pass MinioBackend.existing({...}) or MinioBackend.provisioned()');
  }
  let credentials = props.credentials;
  if (!credentials) {
    if (!minio.isProvisioned) {
      throw new InputError(
        'credentials',
        'is required with an existing MinIO, which would not know a generated key pair',
        "pass MinioCredentials.fromParameters('/path/access-key', '/path/secret-key') naming SecureString parameters that hold the server's keys",
      );
    }
    credentials = MinioCredentials.generated();
  }
  if (credentials.isGenerated && !minio.isProvisioned) {
    throw new InputError(
      'credentials',
      'MinioCredentials.generated() cannot work with an existing MinIO: the server does not know the generated pair',
      'use MinioCredentials.fromParameters(...) with the keys your MinIO accepts',
    );
  }

  const alluxio = props.alluxio ?? {};
  const alluxioVersion = alluxio.version ?? DEFAULT_ALLUXIO_VERSION;
  parseDeployableAlluxioVersion(alluxioVersion, 'alluxio.version');
  const masterCpu = alluxio.masterCpu ?? DEFAULTS.masterCpu;
  const masterMemoryMiB = alluxio.masterMemoryMiB ?? DEFAULTS.masterMemoryMiB;
  validateFargateSize('alluxio.master', masterCpu, masterMemoryMiB);
  // Without sizes the image gives the master an 8 GiB heap and the worker 4 GiB of heap and as much
  // direct memory, and each job process a quarter of the container: more than the task has.
  // With metrics on, the agent beside each JVM pair has a hard limit of its own out of the task's memory.
  const sidecarMiB = props.metrics?.enabled ? METRICS_AGENT_MEMORY_MIB : 0;
  const masterJvmOptions = jvmMemoryEnvironment(alluxioJvmMemory('master', masterMemoryMiB, 'alluxio.masterMemoryMiB', sidecarMiB));
  const workers = resolveWorkerSettings(alluxio, sidecarMiB);
  const quorumSize = alluxio.masters?._quorumSize;
  if (quorumSize !== undefined) {
    validateQuorumSize(quorumSize, 'alluxio.masters.count');
  }
  const extraProperties = { ...(alluxio.extraProperties ?? {}) };
  const writeType = alluxio.writeType ?? DEFAULT_CLIENT_DEFAULTS.writeType;
  const metadataSyncInterval = alluxio.metadataSyncInterval ? alluxioInterval(alluxio.metadataSyncInterval) : DEFAULT_CLIENT_DEFAULTS.metadataSyncInterval;

  props.imageMirror?._validate();

  const healthCheckTimeout = props.healthCheckTimeout ?? Duration.minutes(DEFAULTS.healthCheckMinutes);
  validateWholeNumber(
    'healthCheckTimeout',
    healthCheckTimeout.toSeconds(),
    60,
    50 * 60,
    'choose from Duration.minutes(1) to Duration.minutes(50) (CloudFormation waits at most an hour for a custom resource)',
  );

  const parameterPrefix = props.parameterPrefix ?? `/alluxio-minio/${Names.uniqueId(scope)}`;
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(parameterPrefix)) {
    throw new InputError(
      'parameterPrefix',
      `'${parameterPrefix}' is not an SSM parameter path`,
      "start with '/', use letters, digits, '_', '.', '-' between slashes, no trailing '/'",
    );
  }

  if (minio.isProvisioned && minio._existing) {
    throw new InputError('minio', 'is both existing and provisioned', 'use one of MinioBackend.existing or MinioBackend.provisioned');
  }
  // Values only known at deploy time (tokens: a CloudFormation parameter, an imported value) are
  // checked by the render resource then; literal values are checked here, at synth.
  const literalOr = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
  validateSiteSettings({
    alluxioVersion,
    minio: {
      // A provisioned MinIO's endpoint is the construct's own Cloud Map name: valid by construction.
      endpoint: literalOr(minio._existing?.endpoint ?? PROVISIONED_ENDPOINT_SHAPE, PROVISIONED_ENDPOINT_SHAPE),
      bucket: literalOr(minio.bucket, 'deploy-time-bucket'),
      directory: literalOr(minio.directory, ''),
      region: literalOr(minio.region, 'us-east-1'),
    },
    cluster: { clientDefaults: { writeType, metadataSyncInterval } },
    extraProperties,
  });
  validateExtraProperties(extraProperties, MASTER_JVM_PROPERTIES);
  if (minio._provisioned?.dataVolumeSize) {
    validateWholeNumber('minio.dataVolumeSize', minio._provisioned.dataVolumeSize.toGibibytes(), 10, 16384, 'give 10 to 16384 GiB');
  }
  if (minio._provisioned) {
    validateDataVolumePlacement(
      {
        availabilityZone: minio._provisioned.availabilityZone,
        dataVolumeId: minio._provisioned.dataVolumeId,
        dataVolumeSizeGiven: minio._provisioned.dataVolumeSize !== undefined,
        dataVolumeRemovalPolicyGiven: minio._provisioned.dataVolumeRemovalPolicy !== undefined,
      },
      (value) => Token.isUnresolved(value),
    );
  }

  return {
    minio,
    credentials,
    parameterPrefix,
    namespace: `alluxio-${Names.uniqueId(scope).slice(-8).toLowerCase()}.internal`,
    alluxioVersion,
    image: alluxio.image,
    masterCpu,
    masterMemoryMiB,
    masterJvmOptions,
    quorumSize,
    workers,
    writeType,
    metadataSyncInterval,
    extraProperties,
    enableExecuteCommand: alluxio.enableExecuteCommand ?? false,
    healthCheckTimeout,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  };
}

/** A Duration in Alluxio's interval format (whole seconds, `0` for every access). */
function alluxioInterval(interval: Duration): string {
  const seconds = interval.toSeconds({ integral: false });
  if (!Number.isInteger(seconds)) {
    throw new InputError('alluxio.metadataSyncInterval', `${interval.toHumanString()} is not a whole number of seconds`, 'give whole seconds, e.g. Duration.seconds(30)');
  }
  return seconds === 0 ? '0' : `${seconds}sec`;
}
