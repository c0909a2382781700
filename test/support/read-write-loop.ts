import { createHash } from 'node:crypto';
import type { LoopPhase, ReadWriteSummary } from '../../local/alluxio/alluxio-client';

/*
 * Sums and times over the read-write loop's summary (local/alluxio/java/ReadLoop.java), for the
 * suites that report what an application saw during a rotation.
 */

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export type LoopCounts = Omit<LoopPhase, 'phase' | 'firstAt' | 'lastAt'>;

/** The counts over `phases` (all of them when absent). */
export function loopCounts(summary: ReadWriteSummary, phases?: readonly string[]): LoopCounts {
  const zero: LoopCounts = { reads: 0, readsOk: 0, wrongBytes: 0, readsFailed: 0, writes: 0, writesOk: 0, writesFailed: 0 };
  return summary.phases
    .filter((p) => phases === undefined || phases.includes(p.phase))
    .reduce<LoopCounts>(
      (sum, p) => ({
        reads: sum.reads + p.reads,
        readsOk: sum.readsOk + p.readsOk,
        wrongBytes: sum.wrongBytes + p.wrongBytes,
        readsFailed: sum.readsFailed + p.readsFailed,
        writes: sum.writes + p.writes,
        writesOk: sum.writesOk + p.writesOk,
        writesFailed: sum.writesFailed + p.writesFailed,
      }),
      zero,
    );
}

/**
 * Milliseconds from `since` (epoch ms) until the loop's operations (of one kind, or both) were all ok
 * again for good: the end of the last operation that was not ok, 0 when none after `since` was;
 * undefined when the loop's last such operation was not ok (it never recovered).
 */
export function timeToRecovery(summary: ReadWriteSummary, since: number, kind?: 'read' | 'write'): number | undefined {
  const after = summary.ops.filter((op) => op.at >= since && (kind === undefined || op.kind === kind));
  if (after.length && after[after.length - 1].result !== 'ok') return undefined;
  const bad = after.filter((op) => op.result !== 'ok');
  if (!bad.length) return 0;
  const last = bad[bad.length - 1];
  return last.at + last.ms - since;
}

/** The first few operations that were not ok (of one kind, or both; in `phases`, or all), for a failure message or the report. */
export function notOk(summary: ReadWriteSummary, limit = 5, kind?: 'read' | 'write', phases?: readonly string[]): string[] {
  return summary.ops
    .filter((op) => op.result !== 'ok' && (kind === undefined || op.kind === kind) && (phases === undefined || phases.includes(op.phase)))
    .slice(0, limit)
    .map((op) => `${new Date(op.at).toISOString()} ${op.phase} ${op.kind} ${op.path}: ${op.result} ${op.error ?? ''}`);
}
