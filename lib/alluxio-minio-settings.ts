/*
 * AlluxioMinio's props resolved once: every default applied and every prop checked at synth, each error
 * naming the prop and the fix. The construct and its parts receive these settings, never raw props.
 */
import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AlluxioMinioProps } from './alluxio-minio-props';
import { AlluxioMasters } from './choices/alluxio-masters';
import { AlluxioWorkers } from './choices/alluxio-workers';
import { MinioBackend } from './choices/minio-backend';
import { MinioCredentials } from './choices/minio-credentials';
import { METRICS_AGENT_MEMORY_MIB } from './core/alluxio-metrics';
import { DEFAULT_ALLUXIO_VERSION, parseDeployableAlluxioVersion } from './core/alluxio-version';
import { validateFargateSize, validateWholeNumber } from './core/fargate-sizing';
import { InputError } from './core/input-error';
import { alluxioJvmMemory, jvmMemoryEnvironment, MASTER_JVM_PROPERTIES } from './core/jvm-memory';
import { validateMastersUnreachableSeconds } from './core/preload';
import { DEFAULT_CLIENT_DEFAULTS, validateSiteSettings } from './core/site-properties';
import { validateExtraProperties } from './core/validate';
import { MasterTopology } from './parts/master-topology';
import { WorkerSettings } from './parts/worker-settings';

const DEFAULTS = {
  masterCpu: 1024,
  masterMemoryMiB: 4096,
  healthCheckMinutes: 10,
};

/** A worker silent this long (it heartbeats every second) has left: its task was replaced or died. */
export const LOST_WORKER_TIMEOUT = '30sec';

export interface ResolvedSettings {
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
  /** One master on the UFS journal, or a quorum on the embedded journal. */
  readonly masters: MasterTopology;
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
export function resolveSettings(scope: Construct, props: AlluxioMinioProps): ResolvedSettings {
  return withPropErrors(scope, () => resolveSettingsOrThrow(scope, props));
}

/**
 * Runs `build`; an InputError from it becomes the construct's synth error, with the construct's path.
 * `inputPrefix` is the facade prop a feature's own props sit under (`rotation.`), so the error names
 * the prop as the user wrote it.
 */
export function withPropErrors<T>(scope: Construct, build: () => T, inputPrefix = ''): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof InputError) {
      throw new Error(`AlluxioMinio ${scope.node.path}: ${inputPrefix}${err.message}`, { cause: err });
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
  const workers = (alluxio.workers ?? AlluxioWorkers.fargate())._bind(alluxio, sidecarMiB);
  const masters = (alluxio.masters ?? AlluxioMasters.single())._bind();
  const extraProperties = { ...(alluxio.extraProperties ?? {}) };
  const writeType = alluxio.writeType ?? DEFAULT_CLIENT_DEFAULTS.writeType;
  const metadataSyncInterval = alluxio.metadataSyncInterval ? alluxioInterval(alluxio.metadataSyncInterval) : DEFAULT_CLIENT_DEFAULTS.metadataSyncInterval;

  props.imageMirror?._validate();
  // The preload task takes its bound on silent masters from it, with or without a rotation.
  validateMastersUnreachableSeconds(props.rotation?.serviceRestartTimeout?.toSeconds({ integral: false }), 'rotation.serviceRestartTimeout');

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

  const backend = minio._bind();
  // Values only known at deploy time (tokens: a CloudFormation parameter, an imported value) are
  // checked by the render resource then; literal values are checked here, at synth.
  const literalOr = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
  validateSiteSettings({
    alluxioVersion,
    minio: {
      endpoint: literalOr(backend.endpoint, 'http://deploy-time-endpoint'),
      bucket: literalOr(minio.bucket, 'deploy-time-bucket'),
      directory: literalOr(minio.directory, ''),
      region: literalOr(minio.region, 'us-east-1'),
    },
    cluster: { clientDefaults: { writeType, metadataSyncInterval } },
    extraProperties,
  });
  validateExtraProperties(extraProperties, MASTER_JVM_PROPERTIES);
  backend.validate((value) => Token.isUnresolved(value));

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
    masters,
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
    throw new InputError(
      'alluxio.metadataSyncInterval',
      `${interval.toHumanString()} is not a whole number of seconds`,
      'give whole seconds, e.g. Duration.seconds(30)',
    );
  }
  return seconds === 0 ? '0' : `${seconds}sec`;
}
