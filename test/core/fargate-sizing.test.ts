import { validateFargateSize, validateWholeNumber } from '../../lib/core/fargate-sizing';
import { expectInputError } from './expect-input-error';

/*
 * Pairs written out from the Fargate task size table in the ECS Developer Guide ("Task CPU and memory"),
 * not from the module's own table: each CPU's first and last memory, one off-step value between, and
 * the values just outside. A wrong row would fail a deploy long after synth said it was fine.
 */
const ACCEPTED: Array<[number, number]> = [
  [256, 512],
  [256, 1024],
  [256, 2048],
  [512, 1024],
  [512, 4096],
  [1024, 2048],
  [1024, 8192],
  [2048, 4096],
  [2048, 16384],
  [4096, 8192],
  [4096, 30720],
  // 8 vCPU: 16-60 GiB in 4 GiB steps; 16 vCPU: 32-120 GiB in 8 GiB steps.
  [8192, 16384],
  [8192, 20480],
  [8192, 61440],
  [16384, 32768],
  [16384, 40960],
  [16384, 122880],
];

const REFUSED: Array<[number, number]> = [
  [256, 3072],
  [256, 1536],
  // 512 MiB is a choice of the smallest CPU only.
  [512, 512],
  [512, 5120],
  [1024, 1024],
  [1024, 2560],
  [2048, 17408],
  [4096, 7168],
  [4096, 31744],
  // 18 GiB sits between two 4 GiB steps; 36 GiB between two 8 GiB steps.
  [8192, 18432],
  [8192, 65536],
  [16384, 36864],
  [16384, 131072],
];

describe('validateFargateSize', () => {
  test.each(ACCEPTED)('%i CPU units with %i MiB is a Fargate size', (cpu, memory) => {
    expect(() => validateFargateSize('alluxio.worker', cpu, memory)).not.toThrow();
  });

  test.each(REFUSED)('%i CPU units with %i MiB is refused, naming the memory prop', (cpu, memory) => {
    expectInputError(() => validateFargateSize('alluxio.worker', cpu, memory), 'alluxio.workerMemoryMiB');
  });

  test('a CPU value Fargate lacks names the CPU prop and lists every value it has', () => {
    const error = expectInputError(() => validateFargateSize('s3Endpoint.proxy', 3072, 8192), 's3Endpoint.proxyCpu');
    expect(error.fix).toBe('use one of 256, 512, 1024, 2048, 4096, 8192, 16384');
  });

  test("a memory that does not pair says what does with that CPU, the smallest CPU's extra choice first", () => {
    const smallest = expectInputError(() => validateFargateSize('alluxio.master', 256, 4096), 'alluxio.masterMemoryMiB');
    expect(smallest.fix).toBe('with 256 CPU units choose 512, 1024..2048 in steps of 1024 MiB, or change alluxio.masterCpu');
    const large = expectInputError(() => validateFargateSize('alluxio.master', 8192, 18432), 'alluxio.masterMemoryMiB');
    expect(large.message).toContain('18432 MiB does not pair with 8192 CPU units on Fargate');
    expect(large.fix).toBe('with 8192 CPU units choose 16384..61440 in steps of 4096 MiB, or change alluxio.masterCpu');
  });
});

describe('validateWholeNumber', () => {
  test('both bounds are inclusive', () => {
    expect(() => validateWholeNumber('s3Endpoint.port', 1024, 1024, 65535, 'fix')).not.toThrow();
    expect(() => validateWholeNumber('s3Endpoint.port', 65535, 1024, 65535, 'fix')).not.toThrow();
  });

  test.each([1023, 65536, 8080.5, Number.NaN, Number.POSITIVE_INFINITY])('%d is refused under the prop, with the fix the caller gave', (value) => {
    const error = expectInputError(() => validateWholeNumber('s3Endpoint.port', value, 1024, 65535, 'choose an unprivileged port'), 's3Endpoint.port');
    expect(error.message).toContain(`${value} is not a whole number from 1024 to 65535`);
    expect(error.fix).toBe('choose an unprivileged port');
  });
});
