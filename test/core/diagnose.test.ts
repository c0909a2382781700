import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  diagnose,
  DiagnosisContext,
  FINDING_CODE_INFO,
  FindingCodes,
  formatFinding,
  livenessApplies,
  normaliseUfsUri,
  Observation,
} from '../../lib/core/diagnose';

const ctx: DiagnosisContext = { endpoint: 'http://minio.internal:9000/', bucket: 'datalake', directory: 'alluxio' };

function codeOf(observation: Observation): string | undefined {
  return diagnose(observation, ctx)?.code;
}

describe("diagnose: the seed guide's four failure modes", () => {
  test('a 404 NoSuchBucket names the bucket and the root UFS key', () => {
    const f = diagnose({ kind: 's3', operation: 'PutObject', httpStatus: 404, code: 'NoSuchBucket' }, ctx)!;
    expect(f.code).toBe('NO_SUCH_BUCKET');
    expect(f.cause).toContain("'datalake'");
    expect(f.property).toBe('alluxio.master.mount.table.root.ufs (bucket part)');
    expect(f.fix).toContain('s3://datalake/alluxio');
    expect(f.seedHeading).toBe('The Specified Bucket Does Not Exist');
    expect(f.transient).toBe(false);
  });

  test('a body-less 404 from HeadBucket is a missing bucket too', () => {
    expect(codeOf({ kind: 's3', operation: 'HeadBucket', httpStatus: 404, code: 'NotFound' })).toBe('NO_SUCH_BUCKET');
  });

  test('the dora root key is named when the deployment renders it', () => {
    const f = diagnose({ kind: 's3', operation: 'HeadBucket', httpStatus: 404 }, { ...ctx, rootUfsProperty: 'alluxio.dora.client.ufs.root' })!;
    expect(f.property).toBe('alluxio.dora.client.ufs.root (bucket part)');
  });

  test('an endpoint host that does not resolve names alluxio.underfs.s3.endpoint', () => {
    const f = diagnose({ kind: 'dns', host: 'minio.internal', purpose: 'endpoint', errno: 'ENOTFOUND' }, ctx)!;
    expect(f.code).toBe('DNS_RESOLUTION');
    expect(f.property).toBe('alluxio.underfs.s3.endpoint');
    expect(f.transient).toBe(true);
  });

  test('an unresolvable <bucket>.<host> explains disable.dns.buckets', () => {
    const f = diagnose({ kind: 'dns', host: 'datalake.minio.internal', purpose: 'virtual-host', errno: 'ENOTFOUND' }, ctx)!;
    expect(f.code).toBe('DNS_RESOLUTION');
    expect(f.property).toBe('alluxio.underfs.s3.disable.dns.buckets');
    expect(f.fix).toContain('alluxio.underfs.s3.disable.dns.buckets=true');
    expect(f.seedHeading).toBe('DNS Resolution - Unable to execute HTTP request');
  });

  test('a resolved lookup is no finding', () => {
    expect(diagnose({ kind: 'dns', host: 'minio.internal', purpose: 'endpoint' }, ctx)).toBeUndefined();
  });

  test.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'])('%s on connect is CONNECTION_REFUSED', (errno) => {
    const f = diagnose({ kind: 'tcp', host: 'minio.internal', port: 9000, errno }, ctx)!;
    expect(f.code).toBe('CONNECTION_REFUSED');
    expect(f.property).toBe('alluxio.underfs.s3.endpoint');
    expect(f.fix).toContain('80 for http and 443 for https');
    expect(f.seedHeading).toBe('Connection Refused - Unable to execute HTTP request');
  });

  test('a connected socket is no finding', () => {
    expect(diagnose({ kind: 'tcp', host: 'minio.internal', port: 9000 }, ctx)).toBeUndefined();
  });

  test.each([
    ['InvalidAccessKeyId', 'does not know the access key'],
    ['SignatureDoesNotMatch', 'secret key does not match'],
    ['AccessDenied', 'refuses HeadBucket'],
  ])('403 %s is REQUEST_FORBIDDEN with a cause of its own', (code, cause) => {
    const f = diagnose({ kind: 's3', operation: 'HeadBucket', httpStatus: 403, code }, ctx)!;
    expect(f.code).toBe('REQUEST_FORBIDDEN');
    expect(f.cause).toContain(cause);
    expect(f.property).toBe('s3a.accessKeyId, s3a.secretKey');
    expect(f.seedHeading).toBe('Request Forbidden');
    expect(f.transient).toBe(false);
  });

  test("versitygw's 404 XAdminUserNotFound is an unknown access key, not a missing bucket", () => {
    const f = diagnose({ kind: 's3', operation: 'ListObjectsV2', httpStatus: 404, code: 'XAdminUserNotFound' }, ctx)!;
    expect(f.code).toBe('REQUEST_FORBIDDEN');
    expect(f.cause).toContain('does not know the access key');
  });

  test('a wrong signing region points at the region property', () => {
    const f = diagnose({ kind: 's3', operation: 'HeadBucket', httpStatus: 400, code: 'AuthorizationHeaderMalformed' }, ctx)!;
    expect(f.code).toBe('REQUEST_FORBIDDEN');
    expect(f.property).toBe('alluxio.underfs.s3.endpoint.region');
  });
});

describe('diagnose: failures beyond the seed', () => {
  test.each([
    [{ kind: 'tcp', host: 'h', port: 1, timedOut: true }],
    [{ kind: 's3', operation: 'HeadBucket', errno: 'ETIMEDOUT' }],
    [{ kind: 's3', operation: 'HeadBucket', timedOut: true }],
    [{ kind: 'liveness', url: 'http://h/minio/health/live', timedOut: true }],
  ] as Array<[Observation]>)('%j is TIMEOUT', (observation) => {
    expect(codeOf(observation)).toBe('TIMEOUT');
  });

  test.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
    'EPROTO',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  ])('%s is TLS_ERROR', (errno) => {
    expect(codeOf({ kind: 's3', operation: 'HeadBucket', errno })).toBe('TLS_ERROR');
  });

  test.each([
    ['PutObject', 'write'],
    ['GetObject', 'read'],
    ['DeleteObject', 'delete'],
  ] as const)('AccessDenied on %s is DIRECTORY_NOT_WRITABLE naming the verb and the key', (operation, verb) => {
    const f = diagnose({ kind: 's3', operation, httpStatus: 403, code: 'AccessDenied', key: 'alluxio/.probe' }, ctx)!;
    expect(f.code).toBe('DIRECTORY_NOT_WRITABLE');
    expect(f.cause).toContain(`may not ${verb} s3://datalake/alluxio/.probe`);
    expect(f.fix).toContain('s3://datalake/alluxio/*');
  });

  test('wrong keys on an object call are still REQUEST_FORBIDDEN, not a directory problem', () => {
    expect(codeOf({ kind: 's3', operation: 'PutObject', httpStatus: 403, code: 'SignatureDoesNotMatch' })).toBe('REQUEST_FORBIDDEN');
  });

  test('an object read back with other content is DIRECTORY_NOT_WRITABLE', () => {
    expect(codeOf({ kind: 's3', operation: 'GetObject', httpStatus: 200, contentMismatch: true })).toBe('DIRECTORY_NOT_WRITABLE');
  });

  test('5xx is SERVER_NOT_READY and transient; unknown 4xx quotes the server', () => {
    const busy = diagnose({ kind: 's3', operation: 'HeadBucket', httpStatus: 503, code: 'SlowDown' }, ctx)!;
    expect(busy.code).toBe('SERVER_NOT_READY');
    expect(busy.transient).toBe(true);
    const odd = diagnose({ kind: 's3', operation: 'PutObject', httpStatus: 400, code: 'InvalidArgument', message: 'bad\n  thing' }, ctx)!;
    expect(odd.code).toBe('UNEXPECTED_RESPONSE');
    expect(odd.cause).toContain('InvalidArgument: bad thing');
  });

  test('MinIO liveness: 200 passes, 503 is not ready, anything else means "not MinIO"', () => {
    const url = 'http://h/minio/health/live';
    expect(diagnose({ kind: 'liveness', url, status: 200 }, ctx)).toBeUndefined();
    expect(codeOf({ kind: 'liveness', url, status: 503 })).toBe('SERVER_NOT_READY');
    expect(livenessApplies({ kind: 'liveness', url, status: 404 })).toBe(false);
    expect(livenessApplies({ kind: 'liveness', url, status: 403 })).toBe(false);
    expect(livenessApplies({ kind: 'liveness', url, status: 503 })).toBe(true);
    expect(livenessApplies({ kind: 'liveness', url, errno: 'ECONNREFUSED' })).toBe(true);
  });

  describe('Alluxio master', () => {
    const base = { kind: 'alluxio-master' as const, address: 'master.alluxio:19999', expectedRootUfs: 's3://datalake/alluxio' };

    test('the expected root mount is no finding, whatever trailing slash or s3a scheme', () => {
      expect(diagnose({ ...base, status: 200, rootUfsUri: 's3a://datalake/alluxio/' }, ctx)).toBeUndefined();
    });

    test('another root mount is ALLUXIO_ROOT_MOUNT_MISMATCH naming both', () => {
      const f = diagnose({ ...base, status: 200, rootUfsUri: 's3://other/alluxio' }, ctx)!;
      expect(f.code).toBe('ALLUXIO_ROOT_MOUNT_MISMATCH');
      expect(f.cause).toContain("'s3://other/alluxio'");
      expect(f.cause).toContain("'s3://datalake/alluxio'");
      expect(f.property).toBe('alluxio.master.mount.table.root.ufs');
      expect(f.transient).toBe(false);
    });

    test.each([[{ errno: 'ECONNREFUSED' }], [{ timedOut: true }], [{ status: 503 }], [{ status: 200, malformed: true }]])(
      '%j is ALLUXIO_MASTER_UNREACHABLE and transient',
      (extra) => {
        const f = diagnose({ ...base, ...extra }, ctx)!;
        expect(f.code).toBe('ALLUXIO_MASTER_UNREACHABLE');
        expect(f.transient).toBe(true);
        expect(f.property).toContain('alluxio.master.hostname');
      },
    );
  });
});

describe('findings as text', () => {
  test('formatFinding is "<CODE>: <cause>. Fix: <fix>"', () => {
    const f = diagnose({ kind: 'tcp', host: 'h', port: 9, errno: 'ECONNREFUSED' }, ctx)!;
    expect(formatFinding(f)).toBe(`CONNECTION_REFUSED: ${f.cause}. Fix: ${f.fix}`);
  });

  test('every code has catalogue information, and the four seed codes carry their seed heading', () => {
    for (const code of Object.values(FindingCodes)) {
      expect(FINDING_CODE_INFO[code].typicalCause.length).toBeGreaterThan(10);
    }
    const seeded = Object.values(FindingCodes).filter((code) => FINDING_CODE_INFO[code].seedHeading);
    expect(seeded.sort()).toEqual(['CONNECTION_REFUSED', 'DNS_RESOLUTION', 'NO_SUCH_BUCKET', 'REQUEST_FORBIDDEN']);
  });

  test("the README troubleshooting table has a row for every code, with the code's seed heading", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const code of Object.values(FindingCodes)) {
      const heading = FINDING_CODE_INFO[code].seedHeading ?? '—';
      expect(readme).toContain(`| \`${code}\` | ${heading} |`);
    }
  });

  test('normaliseUfsUri treats s3a and trailing slashes as the same root', () => {
    expect(normaliseUfsUri(' s3a://b/dir// ')).toBe('s3://b/dir');
  });
});
