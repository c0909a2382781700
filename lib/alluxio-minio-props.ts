import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlluxioMasters, JournalMigration } from './choices/alluxio-masters';
import { AlluxioWorkers } from './choices/alluxio-workers';
import { ImageMirror } from './choices/image-mirror';
import { MinioBackend } from './choices/minio-backend';
import { MinioCredentials } from './choices/minio-credentials';
import { PreloadPath } from './features/cache-preload';
import { MetricsOptions } from './features/cluster-metrics';
import { S3EndpointOptions } from './features/s3-endpoint';

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
