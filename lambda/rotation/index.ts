import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseRotationEnvironment, rotationTriggerOf } from '../../lib/core/rotation-environment';
import { DEFAULT_METRIC_NAMESPACE } from '../../lib/core/rotation-plan';
import {
  DEFAULT_ROTATION_TIMING,
  nameRotation,
  newRotationExecution,
  RotationConfig,
  RotationExecution,
  RotationStart,
  RotationTiming,
  runRotationStep,
} from '../../lib/runtime/credential-rotation';

/*
 * Credential rotation as short steps of two Step Functions state machines (lib/features/credential-rotation.ts):
 * - `name`, in the start machine that EventBridge starts (a "Parameter Store Change" of either key
 *   parameter, best effort and value-free, or the reconcile schedule): waits out the pair and names
 *   the rotation, which the start machine passes to StartExecution (a name seen before is refused);
 * - `step`, in the rotation machine: one step of the rotation, up to the next wait, which the
 *   machine's Wait state holds. A step reports a failed rotation rather than throw.
 * Neither ever returns a value: Step Functions keeps every state's input and output.
 */

// Created once per container; region and endpoint come from the Lambda environment. The look for a
// running rotation (Step Functions) is best effort: in subnets without a route to Step Functions it
// times out in seconds and the rotation goes on, instead of the naming step running into its timeout.
const clients = {
  ssm: new SSMClient({}),
  ecs: new ECSClient({}),
  sns: new SNSClient({}),
  cloudwatch: new CloudWatchClient({}),
  sfn: new SFNClient({ requestHandler: { connectionTimeout: 5000, requestTimeout: 10_000 } }),
};

function configured(): { config: RotationConfig; timing: RotationTiming } {
  const environment = parseRotationEnvironment(process.env);
  return {
    config: {
      parameters: environment.parameters,
      ownsKeys: environment.ownsKeys,
      services: environment.services,
      label: environment.label,
      alluxioMasters: environment.alluxioMasters,
      topicArn: environment.topicArn,
      metricNamespace: environment.metricNamespace ?? DEFAULT_METRIC_NAMESPACE,
      rotationStateMachineArn: environment.rotationStateMachineArn,
    },
    timing: {
      ...DEFAULT_ROTATION_TIMING,
      pairWaitMs: environment.pairWaitMs ?? DEFAULT_ROTATION_TIMING.pairWaitMs,
      serviceStableTimeoutMs: environment.serviceStableTimeoutMs ?? DEFAULT_ROTATION_TIMING.serviceStableTimeoutMs,
      healthTimeoutMs: environment.healthTimeoutMs ?? DEFAULT_ROTATION_TIMING.healthTimeoutMs,
    },
  };
}

const log = (progress: object) => console.log(JSON.stringify({ resource: 'rotation', ...progress }));

/** The start machine's input is the EventBridge event; later rounds pass back what `name` returned. */
export async function name(input: { event?: unknown } & Partial<RotationStart>): Promise<RotationStart> {
  const { config, timing } = configured();
  const trigger = input.trigger ?? rotationTriggerOf(input.event);
  const start = await nameRotation(config, clients, { trigger, pairWaitUntil: input.pairWaitUntil }, timing, log);
  log({ step: 'named', ready: start.ready, name: start.name, deferred: start.deferred });
  return start;
}

/**
 * The rotation machine's input is what `name` returned last (the start machine passes it whole), with
 * the end of the pair wait it waited; every later step passes back what the last one returned.
 */
export async function step(
  input: RotationExecution | Pick<RotationStart, 'trigger' | 'pairWaitUntil' | 'name' | 'configurationParameter'>,
): Promise<RotationExecution> {
  const { config, timing } = configured();
  const named =
    'stage' in input || !input.name || !input.configurationParameter ? undefined : { name: input.name, configurationParameter: input.configurationParameter };
  const execution = 'stage' in input ? input : newRotationExecution(input.trigger, Date.now(), input.pairWaitUntil, named);
  return runRotationStep(config, clients, execution, timing, log);
}
