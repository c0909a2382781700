import { Finding, formatFinding } from './diagnose';

/**
 * How a check ended. `skip`: it does not apply to this server (a non-MinIO server has no liveness
 * endpoint). `info`: it passed but found something worth saying (why path-style addressing is needed).
 */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'info';

/** The outcome of one check of a run. */
export interface CheckResult {
  /** Stable id: `endpoint`, `liveness`, `bucket`, `virtual-host-dns`, `directory`, `alluxio-master`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** One line; for a failure or a note, the finding's cause. */
  readonly message: string;
  /** Present for `fail` and `info`. */
  readonly finding?: Finding;
  readonly ms: number;
}

/** A whole run: the checks in order, ending at the first failure. */
export interface CheckRun {
  readonly checks: readonly CheckResult[];
  /** The failed check's finding; undefined when healthy. */
  readonly failure?: Finding;
  /** How many checks were not run because an earlier one failed. */
  readonly notRun: number;
}

export function isHealthy(run: CheckRun): boolean {
  return run.failure === undefined;
}

/** The `--json` document; its shape is part of the CLI's contract. */
export interface JsonReport {
  readonly ok: boolean;
  readonly checks: ReadonlyArray<{
    readonly id: string;
    readonly ok: boolean;
    readonly code: string | null;
    readonly message: string;
    readonly fix: string | null;
    readonly ms: number;
  }>;
}

export function toJsonReport(run: CheckRun): JsonReport {
  return {
    ok: isHealthy(run),
    checks: run.checks.map((c) => ({
      id: c.id,
      ok: c.status !== 'fail',
      code: c.finding?.code ?? null,
      message: c.message,
      fix: c.finding?.fix ?? null,
      ms: c.ms,
    })),
  };
}

const MARK: Record<CheckStatus, string> = { pass: '✓', info: '✓', skip: '✓', fail: '✗' };

/** One line per check (✓ or ✗, then what it found and, on failure, the fix), then a verdict line. */
export function renderHumanReport(run: CheckRun): string[] {
  const width = Math.max(...run.checks.map((c) => c.id.length), 0);
  const lines = run.checks.map((c) => {
    const id = c.id.padEnd(width);
    const ms = `(${c.ms} ms)`;
    switch (c.status) {
      case 'fail':
        return `${MARK.fail} ${id}  ${formatFinding(c.finding!)} ${ms}`;
      case 'info':
        return `${MARK.info} ${id}  ${c.message}; note ${c.finding!.code}: ${c.finding!.fix} ${ms}`;
      case 'skip':
        return `${MARK.skip} ${id}  skipped: ${c.message} ${ms}`;
      default:
        return `${MARK.pass} ${id}  ${c.message} ${ms}`;
    }
  });
  if (run.failure) {
    const tail = run.notRun > 0 ? `; ${run.notRun} later check${run.notRun === 1 ? '' : 's'} not run` : '';
    lines.push(`unhealthy: ${run.failure.code}${tail}`);
  } else {
    lines.push(`healthy: ${run.checks.length} checks passed`);
  }
  return lines;
}
