import { mockEcs, RotationSandbox, startRotationSandbox } from './rotation-sandbox';

export type EcsMock = ReturnType<typeof mockEcs>;

/** What a rotation suite works with: one rotation sandbox for the suite, and ECS mocked afresh for each test. */
export interface RotationFixture {
  readonly sandbox: RotationSandbox;
  /** This test's ECS mock (every service stable unless the test replaced it). */
  readonly ecs: EcsMock;
  /** Replaces this test's ECS mock (see mockEcs for the arguments); restored after the test like the default. */
  mockEcs(...args: Parameters<typeof mockEcs>): EcsMock;
}

/**
 * Registers the rotation suites' hooks: the sandbox starts before the suite and stops after it, ECS
 * is mocked before each test and restored after it. Call it at the top level of a test file (kept
 * out of rotation-sandbox.ts, which the bench script also loads, outside jest).
 */
export function useRotationFixture(): RotationFixture {
  let sandbox: RotationSandbox | undefined;
  let ecs: EcsMock | undefined;
  beforeAll(async () => {
    sandbox = await startRotationSandbox();
  }, 30000);
  afterAll(async () => {
    await sandbox?.stop();
  });
  beforeEach(() => {
    ecs = mockEcs();
  });
  afterEach(() => {
    ecs?.restore();
  });
  return {
    get sandbox() {
      if (sandbox === undefined) throw new Error('the rotation sandbox is not started: use it inside a test or hook');
      return sandbox;
    },
    get ecs() {
      if (ecs === undefined) throw new Error('ECS is mocked per test: use it inside a test');
      return ecs;
    },
    mockEcs(...args) {
      ecs?.restore();
      ecs = mockEcs(...args);
      return ecs;
    },
  };
}
