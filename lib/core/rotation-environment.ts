import { InputError } from './input-error';
import { parseMasterAddressList } from './master-leader';
import { DEFAULT_LAST_KNOWN_GOOD_LABEL, validateLabelName } from './rotation-plan';

/*
 * The rotation Lambda's configuration travels in environment variables (no secret among them):
 * the construct writes them with these names, the handler reads them back here.
 */
export const ROTATION_ENV = {
  accessKeyParameter: 'ACCESS_KEY_PARAMETER',
  secretKeyParameter: 'SECRET_KEY_PARAMETER',
  sitePropertiesParameter: 'SITE_PROPERTIES_PARAMETER',
  kmsKeyId: 'KMS_KEY_ID',
  keyOwnership: 'KEY_OWNERSHIP',
  cluster: 'ECS_CLUSTER',
  masterService: 'MASTER_SERVICE',
  workerService: 'WORKER_SERVICE',
  minioService: 'MINIO_SERVICE',
  alluxioMaster: 'ALLUXIO_MASTER',
  topicArn: 'TOPIC_ARN',
  metricNamespace: 'METRIC_NAMESPACE',
  label: 'LAST_KNOWN_GOOD_LABEL',
  pairWaitSeconds: 'PAIR_WAIT_SECONDS',
  serviceStableTimeoutSeconds: 'SERVICE_STABLE_TIMEOUT_SECONDS',
  healthTimeoutSeconds: 'HEALTH_TIMEOUT_SECONDS',
  /** The naming step's only: the rotation state machine whose running executions it looks for. */
  rotationStateMachine: 'ROTATION_STATE_MACHINE',
} as const;

export interface RotationEnvironment {
  readonly parameters: {
    readonly accessKeyParameterName: string;
    readonly secretKeyParameterName: string;
    readonly sitePropertiesBaseName: string;
    readonly kmsKeyId?: string;
  };
  /** Generated keys are the deployment's own (written back on failure); keys the user named are only read. */
  readonly ownsKeys: boolean;
  /** `masterServices` one per master (one entry: a single master), index-aligned with `alluxioMasters`. */
  readonly services: { readonly cluster: string; readonly masterServices: readonly string[]; readonly workerService: string; readonly minioService?: string };
  readonly label: string;
  readonly alluxioMasters?: readonly string[];
  readonly topicArn?: string;
  readonly metricNamespace?: string;
  readonly pairWaitMs?: number;
  readonly serviceStableTimeoutMs?: number;
  readonly healthTimeoutMs?: number;
  readonly rotationStateMachineArn?: string;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new InputError(name, 'is not set', `set ${name} on the rotation function (the CredentialRotation construct does)`);
  return value;
}

function seconds(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new InputError(name, `${JSON.stringify(text)} is not a whole number of seconds`, `set ${name} to seconds, e.g. "60"`);
  return Number(text) * 1000;
}

function stateMachineArn(value: string | undefined): string | undefined {
  if (value !== undefined && !/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(value)) {
    throw new InputError(
      ROTATION_ENV.rotationStateMachine,
      `${JSON.stringify(value)} is not a state machine ARN`,
      `set it to the rotation state machine's ARN (the CredentialRotation construct does), or leave it unset`,
    );
  }
  return value;
}

/** The handler's configuration from its environment; every error names the variable. */
export function parseRotationEnvironment(env: Record<string, string | undefined>): RotationEnvironment {
  const optional = (name: string) => (env[name] === '' ? undefined : env[name]);
  const ownership = required(env, ROTATION_ENV.keyOwnership);
  if (ownership !== 'generated' && ownership !== 'existing') {
    throw new InputError(
      ROTATION_ENV.keyOwnership,
      `${JSON.stringify(ownership)} is not "generated" or "existing"`,
      `set ${ROTATION_ENV.keyOwnership} to generated or existing`,
    );
  }
  // Read in this order so the first missing variable is the one named.
  const parameters = {
    accessKeyParameterName: required(env, ROTATION_ENV.accessKeyParameter),
    secretKeyParameterName: required(env, ROTATION_ENV.secretKeyParameter),
    sitePropertiesBaseName: required(env, ROTATION_ENV.sitePropertiesParameter),
    kmsKeyId: optional(ROTATION_ENV.kmsKeyId),
  };
  const cluster = required(env, ROTATION_ENV.cluster);
  const masterServices = required(env, ROTATION_ENV.masterService)
    .split(',')
    .map((service) => service.trim());
  if (masterServices.some((service) => service === '')) {
    throw new InputError(
      ROTATION_ENV.masterService,
      'has an empty entry',
      `set ${ROTATION_ENV.masterService} to the master services' ARNs separated by commas`,
    );
  }
  const masterAddresses = optional(ROTATION_ENV.alluxioMaster);
  const services = { cluster, masterServices, workerService: required(env, ROTATION_ENV.workerService), minioService: optional(ROTATION_ENV.minioService) };
  const label = validateLabelName(optional(ROTATION_ENV.label) ?? DEFAULT_LAST_KNOWN_GOOD_LABEL, ROTATION_ENV.label);
  const alluxioMasters = masterAddresses === undefined ? undefined : parseMasterAddressList(masterAddresses, ROTATION_ENV.alluxioMaster);
  if (alluxioMasters && alluxioMasters.length !== masterServices.length) {
    throw new InputError(
      ROTATION_ENV.alluxioMaster,
      `names ${alluxioMasters.length} masters but ${ROTATION_ENV.masterService} ${masterServices.length}`,
      `give one web address per master service, in the same order`,
    );
  }
  return {
    parameters,
    ownsKeys: ownership === 'generated',
    services,
    label,
    alluxioMasters,
    topicArn: optional(ROTATION_ENV.topicArn),
    metricNamespace: optional(ROTATION_ENV.metricNamespace),
    rotationStateMachineArn: stateMachineArn(optional(ROTATION_ENV.rotationStateMachine)),
    pairWaitMs: seconds(env, ROTATION_ENV.pairWaitSeconds),
    serviceStableTimeoutMs: seconds(env, ROTATION_ENV.serviceStableTimeoutSeconds),
    healthTimeoutMs: seconds(env, ROTATION_ENV.healthTimeoutSeconds),
  };
}

/** What an EventBridge delivery says started the run: a parameter change (names one parameter) or the schedule. */
export function rotationTriggerOf(event: unknown): { kind: 'parameter-change' | 'schedule'; parameterName?: string } {
  const e = event as { source?: unknown; 'detail-type'?: unknown; detail?: { name?: unknown } } | undefined;
  if (e?.source === 'aws.ssm' && e['detail-type'] === 'Parameter Store Change' && typeof e.detail?.name === 'string') {
    return { kind: 'parameter-change', parameterName: e.detail.name };
  }
  return { kind: 'schedule' };
}
