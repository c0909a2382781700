import { diagnose } from '../../lib/core/diagnose';
import { CheckRun, renderHumanReport, toJsonReport } from '../../lib/core/health-report';

const ctx = { endpoint: 'http://127.0.0.1:9000/', bucket: 'datalake', directory: 'alluxio' };
const missing = diagnose({ kind: 's3', operation: 'HeadBucket', httpStatus: 404 }, ctx)!;
const vhost = diagnose({ kind: 'dns', host: 'datalake.minio', purpose: 'virtual-host', errno: 'ENOTFOUND' }, ctx)!;

const failed: CheckRun = {
  checks: [
    { id: 'endpoint', status: 'pass', message: '127.0.0.1 accepts connections on port 9000', ms: 2 },
    { id: 'liveness', status: 'skip', message: 'no MinIO liveness endpoint', ms: 1 },
    { id: 'bucket', status: 'fail', message: missing.cause, finding: missing, ms: 3 },
  ],
  failure: missing,
  notRun: 2,
};

describe('health report', () => {
  test('JSON: ok false, one entry per check run, code and fix only where a finding is', () => {
    const report = toJsonReport(failed);
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      { id: 'endpoint', ok: true, code: null, message: '127.0.0.1 accepts connections on port 9000', fix: null, ms: 2 },
      { id: 'liveness', ok: true, code: null, message: 'no MinIO liveness endpoint', fix: null, ms: 1 },
      { id: 'bucket', ok: false, code: 'NO_SUCH_BUCKET', message: missing.cause, fix: missing.fix, ms: 3 },
    ]);
  });

  test('human: one line per check with ✓ or ✗, the failure carries code and fix, then the verdict', () => {
    const lines = renderHumanReport(failed);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^✓ endpoint +127\.0\.0\.1 accepts/);
    expect(lines[1]).toMatch(/^✓ liveness +skipped: /);
    expect(lines[2]).toMatch(/^✗ bucket +NO_SUCH_BUCKET: .*\. Fix: create bucket 'datalake'/);
    expect(lines[3]).toBe('unhealthy: NO_SUCH_BUCKET; 2 later checks not run');
  });

  test('an informational finding keeps the run healthy and shows its note', () => {
    const run: CheckRun = { checks: [{ id: 'virtual-host-dns', status: 'info', message: vhost.cause, finding: vhost, ms: 1 }], notRun: 0 };
    expect(toJsonReport(run)).toEqual({
      ok: true,
      checks: [{ id: 'virtual-host-dns', ok: true, code: 'DNS_RESOLUTION', message: vhost.cause, fix: vhost.fix, ms: 1 }],
    });
    const lines = renderHumanReport(run);
    expect(lines[0]).toContain('note DNS_RESOLUTION: set alluxio.underfs.s3.disable.dns.buckets=true');
    expect(lines[1]).toBe('healthy: 1 checks passed');
  });
});
