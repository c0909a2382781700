import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseRotationEnvironment, rotationTriggerOf } from '../../lib/core/rotation-environment';
import { DEFAULT_METRIC_NAMESPACE } from '../../lib/core/rotation-plan';
import { DEFAULT_ROTATION_TIMING, ROTATION_DEADLINE_RESERVE_MS, RotationResult, runCredentialRotation } from '../../lib/runtime/credential-rotation';

/*
 * Credential rotation, started by EventBridge: a "Parameter Store Change" of either key parameter
 * (best effort, carries no value) or the reconcile schedule. Both take the same path; the run is
 * bounded and reports its own outcome, so it returns rather than throws (an async retry would only
 * repeat the rotation). The construct reserves a concurrency of 1, so the event for the second half
 * of a pair runs after the first run and finds the pair in sync.
 *
 * The run's deadline is the invocation's end less a reserve: a run that would outlast the Lambda
 * rolls back and reports instead of being killed half-way (the construct also turns off Lambda's
 * async retries, which would restart a killed run from whatever it left).
 */

// Created once per container; region and endpoint come from the Lambda environment.
const clients = { ssm: new SSMClient({}), ecs: new ECSClient({}), sns: new SNSClient({}), cloudwatch: new CloudWatchClient({}) };

/** The part of the Lambda context the handler reads. */
export interface RotationInvocationContext {
  getRemainingTimeInMillis(): number;
}

export async function handler(event: unknown, context?: RotationInvocationContext): Promise<RotationResult> {
  const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - ROTATION_DEADLINE_RESERVE_MS : Number.POSITIVE_INFINITY;
  const environment = parseRotationEnvironment(process.env);
  const trigger = rotationTriggerOf(event);
  return runCredentialRotation(
    {
      parameters: environment.parameters,
      ownsKeys: environment.ownsKeys,
      services: environment.services,
      label: environment.label,
      alluxioMasters: environment.alluxioMasters,
      topicArn: environment.topicArn,
      metricNamespace: environment.metricNamespace ?? DEFAULT_METRIC_NAMESPACE,
    },
    clients,
    trigger,
    {
      ...DEFAULT_ROTATION_TIMING,
      pairWaitMs: environment.pairWaitMs ?? DEFAULT_ROTATION_TIMING.pairWaitMs,
      serviceStableTimeoutMs: environment.serviceStableTimeoutMs ?? DEFAULT_ROTATION_TIMING.serviceStableTimeoutMs,
      healthTimeoutMs: environment.healthTimeoutMs ?? DEFAULT_ROTATION_TIMING.healthTimeoutMs,
    },
    (progress) => console.log(JSON.stringify({ resource: 'rotation', ...progress })),
    deadline,
  );
}
