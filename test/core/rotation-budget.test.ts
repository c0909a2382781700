import {
  defaultServiceRestartSeconds,
  forwardPathSeconds,
  ROTATION_DEADLINE_RESERVE_SECONDS,
  ROTATION_FUNCTION_TIMEOUT_SECONDS,
  validateRotationWaits,
} from '../../lib/core/rotation-budget';
import { expectInputError } from './expect-input-error';

describe('the rotation time budget', () => {
  test('the defaults fit one invocation with the rollback reserve, for two and for three restarted services', () => {
    for (const services of [2, 3]) {
      const waits = { pairWaitSeconds: 60, serviceRestartSeconds: defaultServiceRestartSeconds(services, 60, 60), verificationSeconds: 60 };
      expect(forwardPathSeconds(waits, services)).toBeLessThanOrEqual(ROTATION_FUNCTION_TIMEOUT_SECONDS - ROTATION_DEADLINE_RESERVE_SECONDS);
      expect(() => validateRotationWaits(waits, services)).not.toThrow();
    }
    expect([defaultServiceRestartSeconds(2, 60, 60), defaultServiceRestartSeconds(3, 60, 60)]).toEqual([300, 240]);
  });

  test('one second past the budget is refused; exactly the budget passes', () => {
    // 840 s = 60 + 2 x 360 + 60.
    expect(() => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: 360, verificationSeconds: 60 }, 2)).not.toThrow();
    const error = expectInputError(() => validateRotationWaits({ pairWaitSeconds: 61, serviceRestartSeconds: 360, verificationSeconds: 60 }, 2), 'serviceRestartTimeout');
    expect(error.message).toContain('is 841 s, more than the 840 s');
    expect(error.fix).toContain('at most 359 s per restart');
  });

  test('a zero or fractional wait is refused by its own name', () => {
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 0, serviceRestartSeconds: 60, verificationSeconds: 60 }, 2), 'pairWait');
    expectInputError(() => validateRotationWaits({ pairWaitSeconds: 60, serviceRestartSeconds: 60, verificationSeconds: 0.5 }, 2), 'verificationTimeout');
  });
});
