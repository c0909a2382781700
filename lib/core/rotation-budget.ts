import { InputError } from './input-error';

/*
 * How long one rotation run may wait, and why it fits in one Lambda invocation. The forward path is
 * sequential: the pair wait, then each service's restart (MinIO when provisioned, the master, the
 * workers), then the verification. Every wait is bounded, and the sum of the bounds plus the reserve
 * the run keeps for a rollback's writes and report must fit the function's timeout, so that a run is
 * never killed half-way by Lambda.
 */

/** The rotation function's timeout: Lambda's maximum. */
export const ROTATION_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * What the run keeps after its deadline: a rollback's SSM writes, its re-render, its UpdateService
 * calls and the report, each one bounded call.
 */
export const ROTATION_DEADLINE_RESERVE_SECONDS = 60;

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

export interface RotationWaits {
  readonly pairWaitSeconds: number;
  /** Per restarted service, from forceNewDeployment to one stable deployment. */
  readonly serviceRestartSeconds: number;
  readonly verificationSeconds: number;
}

/** The forward path's longest run, in seconds, with `restartedServices` restarts in a row. */
export function forwardPathSeconds(waits: RotationWaits, restartedServices: number): number {
  return waits.pairWaitSeconds + restartedServices * waits.serviceRestartSeconds + waits.verificationSeconds;
}

/**
 * The default restart bound for `restartedServices` services: DEFAULT_SERVICE_RESTART_SECONDS, or
 * less when that many restarts would not fit (three services: MinIO's restart on its EC2 host, with
 * the image cached, takes seconds, and leaves its share to the master and the workers).
 */
export function defaultServiceRestartSeconds(restartedServices: number, pairWaitSeconds: number, verificationSeconds: number): number {
  return Math.min(DEFAULT_SERVICE_RESTART_SECONDS, longestServiceRestartSeconds(restartedServices, pairWaitSeconds, verificationSeconds));
}

/** The longest restart bound that still fits with these other waits. */
function longestServiceRestartSeconds(restartedServices: number, pairWaitSeconds: number, verificationSeconds: number): number {
  const available = ROTATION_FUNCTION_TIMEOUT_SECONDS - ROTATION_DEADLINE_RESERVE_SECONDS - pairWaitSeconds - verificationSeconds;
  return Math.floor(available / restartedServices);
}

/**
 * Refuses waits whose forward path cannot finish inside one invocation, naming the props and what
 * would fit. `props` names the props as the caller spells them.
 */
export function validateRotationWaits(waits: RotationWaits, restartedServices: number, props = { serviceRestart: 'serviceRestartTimeout', verification: 'verificationTimeout', pairWait: 'pairWait' }): void {
  for (const [name, value] of [
    [props.pairWait, waits.pairWaitSeconds],
    [props.serviceRestart, waits.serviceRestartSeconds],
    [props.verification, waits.verificationSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InputError(name, `is ${value} s`, 'use a whole number of seconds, at least 1');
  }
  const total = forwardPathSeconds(waits, restartedServices);
  const budget = ROTATION_FUNCTION_TIMEOUT_SECONDS - ROTATION_DEADLINE_RESERVE_SECONDS;
  if (total > budget) {
    const fitting = longestServiceRestartSeconds(restartedServices, waits.pairWaitSeconds, waits.verificationSeconds);
    throw new InputError(
      props.serviceRestart,
      `${props.pairWait} (${waits.pairWaitSeconds} s) + ${restartedServices} restarts x ${waits.serviceRestartSeconds} s + ${props.verification} (${waits.verificationSeconds} s) is ${total} s, more than the ${budget} s one rotation run has (Lambda's ${ROTATION_FUNCTION_TIMEOUT_SECONDS} s less ${ROTATION_DEADLINE_RESERVE_SECONDS} s kept for a rollback)`,
      fitting >= 1 ? `use at most ${fitting} s per restart with these waits, or shorten ${props.pairWait} or ${props.verification}` : `shorten ${props.pairWait} or ${props.verification}`,
    );
  }
}
