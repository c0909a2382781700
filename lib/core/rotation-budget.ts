import { InputError } from './input-error';

/*
 * How long a rotation waits, and for what. The forward path is sequential: the pair wait, then each
 * service's restart (MinIO when provisioned, the masters one at a time, the workers), then the
 * verification; a rollback restarts again what was restarted, one at a time. The waits are held by a
 * Step Functions state machine (its Wait state between short Lambda steps, lib/credential-rotation.ts),
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

/** Step Functions ends an execution after one year; no rotation comes near it, the bound is there to refuse typos. */
export const MAX_ROTATION_WAIT_SECONDS = 24 * 3600;

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

/** Refuses waits that are not whole seconds from 1 s to a day, naming the prop. `props` names them as the caller spells them. */
export function validateRotationWaits(waits: RotationWaits, props = { serviceRestart: 'serviceRestartTimeout', verification: 'verificationTimeout', pairWait: 'pairWait' }): void {
  for (const [name, value] of [
    [props.pairWait, waits.pairWaitSeconds],
    [props.serviceRestart, waits.serviceRestartSeconds],
    [props.verification, waits.verificationSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_ROTATION_WAIT_SECONDS) {
      throw new InputError(name, `is ${value} s`, `use a whole number of seconds from 1 to ${MAX_ROTATION_WAIT_SECONDS}`);
    }
  }
}
