import { Finding } from '../../lib/core/diagnose';
import { CheckRun, isHealthy, renderHumanReport, toJsonReport } from '../../lib/core/health-report';

/*
 * The report's own rules, on runs written by hand (test/core/diagnose.report.test.ts covers a run
 * whose findings come from diagnose()): the columns, the verdict's wording, and what decides health.
 */
const timeout: Finding = {
  code: 'TIMEOUT',
  cause: 'master-0.ns:19999 did not answer within 5 s',
  property: 'alluxio.master.hostname',
  fix: 'check the security group',
  transient: true,
};
const pathStyle: Finding = { code: 'DNS_RESOLUTION', cause: 'no virtual-host name', property: 'p', fix: 'use path style', transient: false };

describe('renderHumanReport', () => {
  test('every id is padded to the longest, so the findings start in one column', () => {
    const run: CheckRun = {
      checks: [
        { id: 'bucket', status: 'pass', message: 'datalake exists', ms: 4 },
        { id: 'virtual-host-dns', status: 'info', message: 'no DNS name', finding: pathStyle, ms: 0 },
        { id: 'liveness', status: 'skip', message: 'not MinIO', ms: 1 },
      ],
      notRun: 0,
    };
    // 'virtual-host-dns' is 16 characters: 'bucket' gets 10 spaces of padding, 'liveness' 8, then the two-space gap.
    expect(renderHumanReport(run)).toEqual([
      '✓ bucket            datalake exists (4 ms)',
      '✓ virtual-host-dns  no DNS name; note DNS_RESOLUTION: use path style (0 ms)',
      '✓ liveness          skipped: not MinIO (1 ms)',
      'healthy: 3 checks passed',
    ]);
  });

  test('the failed line is the finding as formatted everywhere, with its time', () => {
    const run: CheckRun = {
      checks: [{ id: 'alluxio-master', status: 'fail', message: timeout.cause, finding: timeout, ms: 5003 }],
      failure: timeout,
      notRun: 0,
    };
    const lines = renderHumanReport(run);
    expect(lines[0]).toBe('✗ alluxio-master  TIMEOUT: master-0.ns:19999 did not answer within 5 s. Fix: check the security group (5003 ms)');
    // The last check failed: nothing was left out, so the verdict says only the code.
    expect(lines[1]).toBe('unhealthy: TIMEOUT');
  });

  test('one check left out is counted in the singular', () => {
    const run: CheckRun = { checks: [{ id: 'endpoint', status: 'fail', message: timeout.cause, finding: timeout, ms: 1 }], failure: timeout, notRun: 1 };
    expect(renderHumanReport(run).at(-1)).toBe('unhealthy: TIMEOUT; 1 later check not run');
  });
});

describe('isHealthy and the JSON report', () => {
  test('notes and skipped checks keep a run healthy: only a failure makes it unhealthy', () => {
    const run: CheckRun = {
      checks: [
        { id: 'liveness', status: 'skip', message: 'not MinIO', ms: 1 },
        { id: 'virtual-host-dns', status: 'info', message: 'no DNS name', finding: pathStyle, ms: 2 },
      ],
      notRun: 0,
    };
    expect(isHealthy(run)).toBe(true);
    expect(toJsonReport(run).checks.map((c) => c.ok)).toEqual([true, true]);
    expect(isHealthy({ ...run, failure: timeout })).toBe(false);
  });

  test("a failed check's entry keeps the check's own message and time beside the finding's code and fix", () => {
    const run: CheckRun = { checks: [{ id: 'alluxio-master', status: 'fail', message: 'no answer', finding: timeout, ms: 5003 }], failure: timeout, notRun: 2 };
    expect(toJsonReport(run)).toEqual({
      ok: false,
      checks: [{ id: 'alluxio-master', ok: false, code: 'TIMEOUT', message: 'no answer', fix: 'check the security group', ms: 5003 }],
    });
  });
});
