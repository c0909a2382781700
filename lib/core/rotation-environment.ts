import type { RenderResourceProperties } from './custom-resource-props';
import { parseRenderProperties, RenderRequest } from './custom-resource-props';
import { InputError } from './input-error';
import { DEFAULT_LAST_KNOWN_GOOD_LABEL, validateLabelName } from './rotation-plan';

/*
 * The rotation Lambda's configuration travels in environment variables (no secret among them):
 * the construct writes them with these names, the handler reads them back here.
 */
export const ROTATION_ENV = {
  renderProperties: 'RENDER_PROPERTIES',
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
} as const;

export interface RotationEnvironment {
  readonly render: RenderRequest;
  readonly services: { readonly cluster: string; readonly masterService: string; readonly workerService: string; readonly minioService?: string };
  readonly label: string;
  readonly alluxioMaster?: string;
  readonly topicArn?: string;
  readonly metricNamespace?: string;
  readonly pairWaitMs?: number;
  readonly serviceStableTimeoutMs?: number;
  readonly healthTimeoutMs?: number;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new InputError(name, 'is not set', `set ${name} on the rotation function (the CredentialRotation construct does)`);
  return value;
}

function seconds(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new InputError(name, `${JSON.stringify(text)} is not a whole number of seconds`, `set ${name} to seconds, e.g. "60"`);
  return Number(text) * 1000;
}

/** The handler's configuration from its environment; every error names the variable. */
export function parseRotationEnvironment(env: Record<string, string | undefined>): RotationEnvironment {
  let renderProperties: RenderResourceProperties;
  try {
    renderProperties = JSON.parse(required(env, ROTATION_ENV.renderProperties));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(ROTATION_ENV.renderProperties, 'is not valid JSON', 'set it to the render resource properties as JSON');
  }
  const optional = (name: string) => (env[name] === '' ? undefined : env[name]);
  return {
    render: parseRenderProperties(renderProperties as unknown as Record<string, unknown>),
    services: {
      cluster: required(env, ROTATION_ENV.cluster),
      masterService: required(env, ROTATION_ENV.masterService),
      workerService: required(env, ROTATION_ENV.workerService),
      minioService: optional(ROTATION_ENV.minioService),
    },
    label: validateLabelName(optional(ROTATION_ENV.label) ?? DEFAULT_LAST_KNOWN_GOOD_LABEL, ROTATION_ENV.label),
    alluxioMaster: optional(ROTATION_ENV.alluxioMaster),
    topicArn: optional(ROTATION_ENV.topicArn),
    metricNamespace: optional(ROTATION_ENV.metricNamespace),
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
