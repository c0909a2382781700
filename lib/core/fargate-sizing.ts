import { InputError } from './input-error';

// Fargate's task size table: memory choices (MiB) allowed for each CPU value.
const FARGATE_MEMORY_BY_CPU: ReadonlyArray<{ cpu: number; min: number; max: number; step: number; extra?: number[] }> = [
  { cpu: 256, min: 1024, max: 2048, step: 1024, extra: [512] },
  { cpu: 512, min: 1024, max: 4096, step: 1024 },
  { cpu: 1024, min: 2048, max: 8192, step: 1024 },
  { cpu: 2048, min: 4096, max: 16384, step: 1024 },
  { cpu: 4096, min: 8192, max: 30720, step: 1024 },
  { cpu: 8192, min: 16384, max: 61440, step: 4096 },
  { cpu: 16384, min: 32768, max: 122880, step: 8192 },
];

/** Throws unless (cpu, memoryMiB) is a task size Fargate accepts; `prop` names the props in the message. */
export function validateFargateSize(prop: string, cpu: number, memoryMiB: number): void {
  const row = FARGATE_MEMORY_BY_CPU.find((r) => r.cpu === cpu);
  if (!row) {
    throw new InputError(`${prop}Cpu`, `${cpu} is not a Fargate CPU value`, `use one of ${FARGATE_MEMORY_BY_CPU.map((r) => r.cpu).join(', ')}`);
  }
  const inRange = memoryMiB >= row.min && memoryMiB <= row.max && (memoryMiB - row.min) % row.step === 0;
  if (!inRange && !(row.extra ?? []).includes(memoryMiB)) {
    const choices = [...(row.extra ?? []), `${row.min}..${row.max} in steps of ${row.step}`].join(', ');
    throw new InputError(
      `${prop}MemoryMiB`,
      `${memoryMiB} MiB does not pair with ${cpu} CPU units on Fargate`,
      `with ${cpu} CPU units choose ${choices} MiB, or change ${prop}Cpu`,
    );
  }
}

/** Throws unless `value` is a whole number within [min, max]. */
export function validateWholeNumber(prop: string, value: number, min: number, max: number, fix: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(prop, `${value} is not a whole number from ${min} to ${max}`, fix);
  }
}
