import { InputError } from './input-error';

/*
 * How long a rotation waits, and for what. The forward path is sequential: the pair wait, then each
 * service's restart (MinIO when provisioned, the masters one at a time, the workers), then the
 * verification; a rollback restarts again what was restarted, one at a time. The waits are held by a
 * Step Functions state machine (its Wait state between short Lambda steps, lib/features/credential-rotation.ts),
 * not by one Lambda run, so every restart gets the full bound whatever the number of masters: no sum
 * of waits has to fit Lambda's 15 minutes.
 */

/**
 * The rotation step function's timeout. The longest step: the leader lookup (one request per master),
 * a verification (lib/runtime/minio-checks DEFAULT_CHECK_OPTIONS: 20 s in all), a rollback's SSM writes
 * and re-render, an UpdateService and the report, each one bounded call. No step waits for a service.
 */
export const ROTATION_STEP_TIMEOUT_SECONDS = 120;

/**
 * The longest a restart of one service is waited for by default. A Fargate task of a 413 MB image
 * behind a NAT gateway starts in 53 to 62 s (a published measurement, ten launches); the Alluxio
 * 2.9 image is said to be about 1 GB (not pulled here), so about 2.5 min to a running container, plus
 * the old task's stop (ECS's 30 s stopTimeout), the JVM start and journal replay (a replaced master
 * of the local cluster, real 2.9.6 processes, is healthy again 8 to 9 s after its update starts) and
 * the first passing container health check (30 s interval): about 4 min, and 5 min with a margin.
 */
export const DEFAULT_SERVICE_RESTART_SECONDS = 300;

/** After the restarts, the checks (MinIO with the new pair, the master's root mount) until they pass. */
export const DEFAULT_VERIFICATION_SECONDS = 60;

export const DEFAULT_PAIR_WAIT_SECONDS = 60;

/**
 * A typo guard on each wait. Step Functions ends an execution after one year, but the history bound
 * below binds long before this: see validateRotationWaits.
 */
export const MAX_ROTATION_WAIT_SECONDS = 24 * 3600;

/** Step Functions' Wait between two steps of a rotation, and between two looks of the pair wait (lib/runtime DEFAULT_ROTATION_TIMING). */
export const ROTATION_POLL_SECONDS = 5;

/** What a rotation execution may take beyond its waits: its steps, each up to ROTATION_STEP_TIMEOUT_SECONDS, and their retries. */
const ROTATION_STEPS_ALLOWANCE_SECONDS = 30 * 60;

/** What the start execution may take beyond the pair wait: the naming steps and StartExecution. */
const START_STEPS_ALLOWANCE_SECONDS = 10 * 60;

/**
 * A Standard workflow execution fails once its history reaches 25,000 events, a hard quota
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html). One poll round of
 * either machine (lib/features/credential-rotation.ts) writes nine: the Lambda task (TaskStateEntered,
 * LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded, TaskStateExited), the
 * Choice (entered, exited) and the Wait (entered, exited). The rounds are at least a poll apart, so
 * an execution that runs its whole timeout writes at most nine events a poll, plus its first and last
 * states. The waits are held to 20,000 of them: the rest is the margin for retried steps (a retry
 * writes three more, and waits at least 2 s, fewer events a second than a poll round).
 */
export const STEP_FUNCTIONS_HISTORY_LIMIT = 25_000;
export const MAX_ROTATION_HISTORY_EVENTS = 20_000;
const HISTORY_EVENTS_PER_POLL = 9;
/** ExecutionStarted, the first round's task and Choice, the Succeed state, ExecutionSucceeded. */
const HISTORY_EVENTS_OUTSIDE_POLLS = 11;

export interface RotationWaits {
  readonly pairWaitSeconds: number;
  /** Per restarted service, from forceNewDeployment to one stable deployment. */
  readonly serviceRestartSeconds: number;
  readonly verificationSeconds: number;
}

/** The construct's waits when none is given. */
export const DEFAULT_ROTATION_WAITS: RotationWaits = {
  pairWaitSeconds: DEFAULT_PAIR_WAIT_SECONDS,
  serviceRestartSeconds: DEFAULT_SERVICE_RESTART_SECONDS,
  verificationSeconds: DEFAULT_VERIFICATION_SECONDS,
};

/**
 * The longest a rotation can take from the parameter change to its outcome: the start execution
 * (the pair wait), then the rotation execution, each to its timeout.
 */
export function rotationOutcomeSeconds(waits: RotationWaits, restartedServices: number): number {
  return startExecutionTimeoutSeconds(waits) + rotationExecutionTimeoutSeconds(waits, restartedServices);
}

/** The forward path's longest run, in seconds, with `restartedServices` restarts in a row. */
export function forwardPathSeconds(waits: RotationWaits, restartedServices: number): number {
  return waits.pairWaitSeconds + restartedServices * waits.serviceRestartSeconds + waits.verificationSeconds;
}

/** The rotation state machine's TimeoutSeconds: every restart twice (forward and rollback), both verifications, the pair wait, and the steps' own time. */
export function rotationExecutionTimeoutSeconds(waits: RotationWaits, restartedServices: number): number {
  return 2 * forwardPathSeconds(waits, restartedServices) + 2 * waits.verificationSeconds + ROTATION_STEPS_ALLOWANCE_SECONDS;
}

/** The start state machine's TimeoutSeconds: the pair wait and the naming steps. */
export function startExecutionTimeoutSeconds(waits: RotationWaits): number {
  return waits.pairWaitSeconds + START_STEPS_ALLOWANCE_SECONDS;
}

/** The most history events an execution polling every `pollSeconds` writes before its timeout (see STEP_FUNCTIONS_HISTORY_LIMIT). */
export function worstCaseHistoryEvents(timeoutSeconds: number, pollSeconds = ROTATION_POLL_SECONDS): number {
  return Math.floor(timeoutSeconds / pollSeconds) * HISTORY_EVENTS_PER_POLL + HISTORY_EVENTS_OUTSIDE_POLLS;
}

/** The longest execution timeout whose worst case stays within MAX_ROTATION_HISTORY_EVENTS. */
const MAX_EXECUTION_SECONDS =
  (Math.floor((MAX_ROTATION_HISTORY_EVENTS - HISTORY_EVENTS_OUTSIDE_POLLS) / HISTORY_EVENTS_PER_POLL) + 1) * ROTATION_POLL_SECONDS - 1;

/**
 * Refuses waits that are not whole seconds from 1 s to a day, and waits whose executions could
 * outgrow Step Functions' history (STEP_FUNCTIONS_HISTORY_LIMIT), naming the prop. The poll stays at
 * 5 s rather than lengthening with the waits: a longer poll would notice every restart and check
 * later, for every deployment, while the defaults fit with room (seven restarts: about 11,500
 * events). `props` names the waits as the caller spells them.
 */
export function validateRotationWaits(
  waits: RotationWaits,
  restartedServices: number,
  props = { serviceRestart: 'serviceRestartTimeout', verification: 'verificationTimeout', pairWait: 'pairWait' },
): void {
  for (const [name, value] of [
    [props.pairWait, waits.pairWaitSeconds],
    [props.serviceRestart, waits.serviceRestartSeconds],
    [props.verification, waits.verificationSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_ROTATION_WAIT_SECONDS) {
      throw new InputError(name, `is ${value} s`, `use a whole number of seconds from 1 to ${MAX_ROTATION_WAIT_SECONDS}`);
    }
  }
  const history = (seconds: number) =>
    `${worstCaseHistoryEvents(seconds)} history events, ` +
    `over the ${MAX_ROTATION_HISTORY_EVENTS} kept under Step Functions' limit of ${STEP_FUNCTIONS_HISTORY_LIMIT}`;
  const startSeconds = startExecutionTimeoutSeconds(waits);
  if (worstCaseHistoryEvents(startSeconds) > MAX_ROTATION_HISTORY_EVENTS) {
    throw new InputError(
      props.pairWait,
      `is ${waits.pairWaitSeconds} s: polled every ${ROTATION_POLL_SECONDS} s, the start execution could write ${history(startSeconds)}`,
      `use at most ${MAX_EXECUTION_SECONDS - START_STEPS_ALLOWANCE_SECONDS} s`,
    );
  }
  const rotationSeconds = rotationExecutionTimeoutSeconds(waits, restartedServices);
  if (worstCaseHistoryEvents(rotationSeconds) > MAX_ROTATION_HISTORY_EVENTS) {
    // The rotation holds the pair wait too (twice, when it had to gather its state again) and every
    // restart twice: the larger share is named, with the longest that fits the other waits as given
    // (rotationExecutionTimeoutSeconds solved for it).
    const pairsShare = waits.pairWaitSeconds >= restartedServices * waits.serviceRestartSeconds;
    const [name, value, per] = pairsShare
      ? [props.pairWait, waits.pairWaitSeconds, 2]
      : [props.serviceRestart, waits.serviceRestartSeconds, 2 * restartedServices];
    const others = rotationExecutionTimeoutSeconds(pairsShare ? { ...waits, pairWaitSeconds: 0 } : { ...waits, serviceRestartSeconds: 0 }, restartedServices);
    const longest = Math.floor((MAX_EXECUTION_SECONDS - others) / per);
    throw new InputError(
      name,
      `is ${value} s: with ${restartedServices} restarted services (each twice when rolled back) and a ${ROTATION_POLL_SECONDS} s poll, ` +
        `a rotation execution could write ${history(rotationSeconds)}`,
      longest >= 1
        ? `use at most ${longest} s with these services and the other waits given`
        : `shorten ${props.pairWait}, ${props.serviceRestart} and ${props.verification} together`,
    );
  }
}
