import {
  DEFAULT_SERVICE_RESTART_SECONDS,
  forwardPathSeconds,
  MAX_ROTATION_HISTORY_EVENTS,
  MAX_ROTATION_WAIT_SECONDS,
  rotationExecutionTimeoutSeconds,
  startExecutionTimeoutSeconds,
  STEP_FUNCTIONS_HISTORY_LIMIT,
  validateRotationWaits,
  worstCaseHistoryEvents,
} from '../../lib/core/rotation-budget';
import { expectInputError } from './expect-input-error';

describe('the rotation waits', () => {
  const defaults = { pairWaitSeconds: 60, serviceRestartSeconds: DEFAULT_SERVICE_RESTART_SECONDS, verificationSeconds: 60 };

  test('every restart keeps the measured estimate whatever the topology: five masters and a provisioned MinIO are seven full restarts', () => {
    // Before, seven restarts shared 720 s of one Lambda run: 102 s each, under the ~4 min a Fargate restart takes.
    expect(() => validateRotationWaits(defaults, 7)).not.toThrow();
    expect(DEFAULT_SERVICE_RESTART_SECONDS).toBeGreaterThanOrEqual(240);
    expect(forwardPathSeconds(defaults, 7)).toBe(60 + 7 * 300 + 60);
  });

  test('a zero, fractional or longer-than-a-day wait is refused by its own name', () => {
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 0, serviceRestartSeconds: 60, verificationSeconds: 60 }, 2), 'pairWait');
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: 60, verificationSeconds: 0.5 }, 2), 'verificationTimeout');
    expectInputError(
      () => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: MAX_ROTATION_WAIT_SECONDS + 1, verificationSeconds: 60 }, 2),
      'serviceRestartTimeout',
    );
  });

  test("the executions' timeouts: every restart twice, both verifications and the pair wait, plus the steps' time", () => {
    // Seven services at the defaults: 2 * (60 + 2100 + 60) + 2 * 60 + 1800.
    expect(rotationExecutionTimeoutSeconds(defaults, 7)).toBe(6360);
    expect(startExecutionTimeoutSeconds(defaults)).toBe(660);
    // Nine events a 5 s poll round (task 5, Choice 2, Wait 2) and 11 outside the rounds.
    expect(worstCaseHistoryEvents(6360)).toBe(1272 * 9 + 11);
    expect(STEP_FUNCTIONS_HISTORY_LIMIT).toBe(25_000);
  });

  test("waits whose rotation could outgrow Step Functions' 25,000-event history are refused, naming the restart bound and the longest that fits", () => {
    // A day per restart was accepted before (the one-year execution limit): 2 * 7 * 86400 s at a 5 s poll is millions of events.
    const error = expectInputError(() => validateRotationWaits({ ...defaults, serviceRestartSeconds: 24 * 3600 }, 7), 'serviceRestartTimeout');
    expect(error.message).toMatch(/7 restarted services/);
    const longest = Number(/at most (\d+) s/.exec(error.fix)![1]);
    // The longest it names is accepted, and one second more is not.
    expect(() => validateRotationWaits({ ...defaults, serviceRestartSeconds: longest }, 7)).not.toThrow();
    expect(worstCaseHistoryEvents(rotationExecutionTimeoutSeconds({ ...defaults, serviceRestartSeconds: longest }, 7))).toBeLessThanOrEqual(
      MAX_ROTATION_HISTORY_EVENTS,
    );
    expectInputError(() => validateRotationWaits({ ...defaults, serviceRestartSeconds: longest + 1 }, 7), 'serviceRestartTimeout');
    // 20 min per restart fits a single master (three services), not seven.
    expect(() => validateRotationWaits({ ...defaults, serviceRestartSeconds: 1200 }, 3)).not.toThrow();
    expectInputError(() => validateRotationWaits({ ...defaults, serviceRestartSeconds: 1200 }, 7), 'serviceRestartTimeout');
  });

  test("a pair wait the executions' history cannot hold is refused by name, with the longest that fits", () => {
    // The start execution alone: six hours of 5 s polls.
    const start = expectInputError(() => validateRotationWaits({ ...defaults, pairWaitSeconds: 6 * 3600 }, 3), 'pairWait');
    expect(start.message).toMatch(/the start execution could write \d+ history events/);
    // Under the start's bound, the rotation, which may wait it again, binds: the fix names what fits.
    const rotation = expectInputError(() => validateRotationWaits({ ...defaults, pairWaitSeconds: 2 * 3600 }, 3), 'pairWait');
    const longest = Number(/at most (\d+) s/.exec(rotation.fix)![1]);
    expect(() => validateRotationWaits({ ...defaults, pairWaitSeconds: longest }, 3)).not.toThrow();
    expectInputError(() => validateRotationWaits({ ...defaults, pairWaitSeconds: longest + 1 }, 3), 'pairWait');
  });
});
