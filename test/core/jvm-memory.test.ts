import {
  alluxioJvmMemory,
  AlluxioContainerRole,
  CONTAINER_RESERVE_MIB,
  JAVA_OPTS_VARIABLES,
  JVM_NON_HEAP_RESERVE_MIB,
  jvmMemoryEnvironment,
  MASTER_LOCK_POOL_KEYS,
  masterLockPoolWatermarks,
  minimumTaskMemoryMiB,
} from '../../lib/core/jvm-memory';
import { expectInputError } from './expect-input-error';

// Fargate task sizes from 2 GiB to 30 GiB, the range an Alluxio container with two JVMs runs in.
const TASK_SIZES = [2048, 3072, 4096, 6144, 8192, 16384, 30720];
const ROLES: AlluxioContainerRole[] = ['master', 'worker'];

describe.each(ROLES)('the %s container', (role) => {
  const processes = role === 'master' ? ['master', 'jobMaster'] : ['worker', 'jobWorker'];

  test.each(TASK_SIZES)('with %i MiB: both JVMs get a heap and a direct-memory limit, and all limits with the reserves fit in the task', (memory) => {
    const sized = alluxioJvmMemory(role, memory, 'alluxio.x');
    expect(Object.keys(sized).sort()).toEqual([...processes].sort());
    const limits = Object.values(sized).reduce((sum, jvm) => sum + jvm!.heapMiB + jvm!.directMiB, 0);
    expect(limits + CONTAINER_RESERVE_MIB + processes.length * JVM_NON_HEAP_RESERVE_MIB).toBeLessThanOrEqual(memory);
    // Nothing sizable is left unassigned either (rounding down to whole MiB only).
    expect(memory - limits - CONTAINER_RESERVE_MIB - processes.length * JVM_NON_HEAP_RESERVE_MIB).toBeLessThan(processes.length * 2);
  });

  test('a larger task never gives any JVM less', () => {
    for (let i = 1; i < TASK_SIZES.length; i++) {
      const smaller = alluxioJvmMemory(role, TASK_SIZES[i - 1], 'alluxio.x');
      const larger = alluxioJvmMemory(role, TASK_SIZES[i], 'alluxio.x');
      for (const process of processes as Array<keyof typeof smaller>) {
        expect(larger[process]!.heapMiB).toBeGreaterThan(smaller[process]!.heapMiB);
        expect(larger[process]!.directMiB).toBeGreaterThan(smaller[process]!.directMiB);
      }
    }
  });

  test('a task too small for two JVMs is refused, naming the prop and the smallest size that works', () => {
    const error = expectInputError(() => alluxioJvmMemory(role, 1024, `alluxio.${role}MemoryMiB`), `alluxio.${role}MemoryMiB`);
    expect(error.fix).toBe('give at least 2048 MiB');
    expect(minimumTaskMemoryMiB(role)).toBeGreaterThan(1024);
    expect(minimumTaskMemoryMiB(role)).toBeLessThanOrEqual(2048);
    expect(() => alluxioJvmMemory(role, minimumTaskMemoryMiB(role), 'alluxio.x')).not.toThrow();
    expect(() => alluxioJvmMemory(role, minimumTaskMemoryMiB(role) - 1, 'alluxio.x')).toThrow();
  });
});

test('the default 4 GiB tasks: the master keeps most for its heap (metadata), the worker most for direct buffers (block data)', () => {
  expect(alluxioJvmMemory('master', 4096, 'm')).toEqual({ master: { heapMiB: 2150, directMiB: 307 }, jobMaster: { heapMiB: 460, directMiB: 153 } });
  expect(alluxioJvmMemory('worker', 4096, 'w')).toEqual({ worker: { heapMiB: 1075, directMiB: 1228 }, jobWorker: { heapMiB: 614, directMiB: 153 } });
});

test("the options are set in exactly the variables the image's entrypoint copies into conf/alluxio-env.sh, one per process", () => {
  const environment = jvmMemoryEnvironment(alluxioJvmMemory('worker', 4096, 'w'));
  expect(environment).toEqual({
    ALLUXIO_WORKER_JAVA_OPTS: '-Xmx1075m -XX:MaxDirectMemorySize=1228m',
    ALLUXIO_JOB_WORKER_JAVA_OPTS: '-Xmx614m -XX:MaxDirectMemorySize=153m',
  });
  expect(Object.values(JAVA_OPTS_VARIABLES).sort()).toEqual([
    'ALLUXIO_JOB_MASTER_JAVA_OPTS',
    'ALLUXIO_JOB_WORKER_JAVA_OPTS',
    'ALLUXIO_MASTER_JAVA_OPTS',
    'ALLUXIO_PROXY_JAVA_OPTS',
    'ALLUXIO_WORKER_JAVA_OPTS',
  ]);
});

describe('a sidecar beside the JVMs (the metrics agent)', () => {
  test.each(ROLES)("the %s's JVMs share only what the sidecar's hard limit leaves, and every limit still fits", (role) => {
    const processes = 2;
    const sized = alluxioJvmMemory(role, 4096, 'alluxio.x', 256);
    const limits = Object.values(sized).reduce((sum, jvm) => sum + jvm!.heapMiB + jvm!.directMiB, 0);
    expect(limits + 256 + CONTAINER_RESERVE_MIB + processes * JVM_NON_HEAP_RESERVE_MIB).toBeLessThanOrEqual(4096);
    // By hand: 4096 - 256 (sidecar) - 256 - 2 x 384 = 2816 MiB shared, rounded down.
    const byHand = {
      master: { master: { heapMiB: 1971, directMiB: 281 }, jobMaster: { heapMiB: 422, directMiB: 140 } },
      worker: { worker: { heapMiB: 985, directMiB: 1126 }, jobWorker: { heapMiB: 563, directMiB: 140 } },
    };
    expect(sized).toEqual(byHand[role as 'master' | 'worker']);
  });

  test('a task the sidecar leaves too small is refused, naming the sidecar and a size that works', () => {
    const error = expectInputError(() => alluxioJvmMemory('master', 2048, 'alluxio.masterMemoryMiB', 256), 'alluxio.masterMemoryMiB');
    expect(error.message).toContain('256 MiB for the metrics agent');
    expect(error.fix).toBe('give at least 3072 MiB');
    expect(() => alluxioJvmMemory('master', 3072, 'alluxio.masterMemoryMiB', 256)).not.toThrow();
    expect(minimumTaskMemoryMiB('master', 256)).toBe(minimumTaskMemoryMiB('master') + 256);
  });
});

describe("the master's lock pools follow its heap", () => {
  // Worked by hand: a tenth of the heap for both pools, 224 bytes a lock, the low watermark half the high.
  //   2150 MiB: 2150 x 1048576 x 0.1 / 2 / 224 = 503222.8 -> 503222, 251611
  //    256 MiB:  256 x 1048576 x 0.1 / 2 / 224 =  59918.6 ->  59918,  29959
  test.each([
    [2150, 503222, 251611],
    [256, 59918, 29959],
  ])('with a %i MiB heap a pool evicts above %i locks, down to %i', (heapMiB, high, low) => {
    expect(masterLockPoolWatermarks(heapMiB)).toEqual({ low, high });
  });

  test("below Alluxio's fixed 1 M / 500 k at the default heap, and at every task size both full pools take at most a tenth of the heap", () => {
    expect(masterLockPoolWatermarks(2150).high).toBeLessThan(1_000_000);
    for (const memory of TASK_SIZES) {
      const { heapMiB } = alluxioJvmMemory('master', memory, 'm').master!;
      const { low, high } = masterLockPoolWatermarks(heapMiB);
      expect(2 * high * 224).toBeLessThanOrEqual(heapMiB * 1024 * 1024 * 0.1);
      expect(low).toBeLessThan(high);
    }
  });

  test('the master JVM (and only the master, not its job master or any worker JVM) gets them as system properties after its memory limits', () => {
    const master = jvmMemoryEnvironment(alluxioJvmMemory('master', 4096, 'm'));
    expect(master).toEqual({
      ALLUXIO_MASTER_JAVA_OPTS:
        '-Xmx2150m -XX:MaxDirectMemorySize=307m -Dalluxio.master.lock.pool.high.watermark=503222 -Dalluxio.master.lock.pool.low.watermark=251611',
      ALLUXIO_JOB_MASTER_JAVA_OPTS: '-Xmx460m -XX:MaxDirectMemorySize=153m',
    });
    expect(Object.values(MASTER_LOCK_POOL_KEYS).sort()).toEqual(['alluxio.master.lock.pool.high.watermark', 'alluxio.master.lock.pool.low.watermark']);
    for (const role of ['worker', 'proxy'] as const) {
      expect(Object.values(jvmMemoryEnvironment(alluxioJvmMemory(role, 4096, 'x'))).join(' ')).not.toContain('lock.pool');
    }
  });
});
