import { DEFAULT_SERVICE_RESTART_SECONDS, forwardPathSeconds, MAX_ROTATION_WAIT_SECONDS, validateRotationWaits } from '../../lib/core/rotation-budget';
import { expectInputError } from './expect-input-error';

describe('the rotation waits', () => {
  test('every restart keeps the measured estimate whatever the topology: five masters and a provisioned MinIO are seven full restarts', () => {
    // Before, seven restarts shared 720 s of one Lambda run: 102 s each, under the ~4 min a Fargate restart takes.
    const waits = { pairWaitSeconds: 60, serviceRestartSeconds: DEFAULT_SERVICE_RESTART_SECONDS, verificationSeconds: 60 };
    expect(() => validateRotationWaits(waits)).not.toThrow();
    expect(DEFAULT_SERVICE_RESTART_SECONDS).toBeGreaterThanOrEqual(240);
    expect(forwardPathSeconds(waits, 7)).toBe(60 + 7 * 300 + 60);
  });

  test('a zero, fractional or longer-than-a-day wait is refused by its own name', () => {
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 0, serviceRestartSeconds: 60, verificationSeconds: 60 }), 'pairWait');
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: 60, verificationSeconds: 0.5 }), 'verificationTimeout');
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: MAX_ROTATION_WAIT_SECONDS + 1, verificationSeconds: 60 }), 'serviceRestartTimeout');
  });
});
