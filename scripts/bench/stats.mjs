// Shared by every bench script: how many samples to take and how to summarise them.
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The middle sample (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
