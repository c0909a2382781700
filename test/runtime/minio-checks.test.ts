import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { toJsonReport } from '../../lib/core/health-report';
import { ensureBucketAndDirectory } from '../../lib/runtime/minio-bucket';
import { FindingError, MinioCheckOptions, MinioCheckTarget, observeS3Error, PROBE_OBJECT_PREFIX, runMinioChecks } from '../../lib/runtime/minio-checks';
import { diagnose } from '../../lib/core/diagnose';
import { connectionSecrets, createMinioS3Client, MinioConnection } from '../../lib/runtime/s3-client';
import { startFakeAlluxioMaster } from '../support/fake-alluxio-master';
import { unusedLoopbackPort } from '../support/loopback';
import { sandboxMinioConnection } from '../support/sandbox';

// Every failure below is caused for real against the sandbox's versitygw (SigV4 enforced) or a
// loopback socket; nothing is mocked.
const connection: MinioConnection = sandboxMinioConnection();
const options: MinioCheckOptions = { connectTimeoutMs: 1000, requestTimeoutMs: 1000, totalTimeoutMs: 8000 };
const bucket = `checks-${randomBytes(4).toString('hex')}`;
const directory = 'alluxio/root';

function target(overrides: Partial<MinioCheckTarget> = {}): MinioCheckTarget {
  return { connection, bucket, directory, ...overrides };
}

/** Accepts connections and never answers. */
async function silentListener(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  await ensureBucketAndDirectory(connection, bucket, directory);
});

describe('ensureBucketAndDirectory', () => {
  test('is idempotent: a second call creates nothing and succeeds', async () => {
    const fresh = `ensure-${randomBytes(4).toString('hex')}`;
    expect(await ensureBucketAndDirectory(connection, fresh, 'a/b')).toEqual({ bucketCreated: true, directoryCreated: true });
    expect(await ensureBucketAndDirectory(connection, fresh, 'a/b')).toEqual({ bucketCreated: false, directoryCreated: false });
    const listed = await createMinioS3Client(connection).send(new ListObjectsV2Command({ Bucket: fresh }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['a/b/']);
  });

  test('a wrong secret fails with the REQUEST_FORBIDDEN sentence and no secret in it', async () => {
    const wrong = { ...connection, secretAccessKey: 'not-the-secret-0123456789' };
    const error = await ensureBucketAndDirectory(wrong, `x-${randomBytes(4).toString('hex')}`, 'd').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FindingError);
    expect((error as FindingError).message).toMatch(/^REQUEST_FORBIDDEN: .*\. Fix: /);
    expect((error as FindingError).message).not.toContain(wrong.secretAccessKey);
    expect((error as FindingError).message).not.toContain(connection.accessKeyId);
  });
});

describe('observeS3Error', () => {
  test('cuts the secret out of a server message before a finding can quote it', () => {
    // No real server echoes a secret; the shape is what the SDK throws for an unrecognised 400.
    const error = Object.assign(new Error(`rejected header carrying ${connection.secretAccessKey} as given`), {
      name: 'WeirdError',
      $metadata: { httpStatusCode: 400 },
    });
    const observation = observeS3Error('PutObject', error, [connection.secretAccessKey]);
    const finding = diagnose(observation, { endpoint: connection.endpoint, bucket, directory });
    expect(finding?.code).toBe('UNEXPECTED_RESPONSE');
    expect(finding?.cause).toContain('rejected header carrying *** as given');
    expect(JSON.stringify(finding)).not.toContain(connection.secretAccessKey);
  });

  test('cuts both the access key and the secret key out of an unrecognised reply quoted in UNEXPECTED_RESPONSE', () => {
    const error = Object.assign(new Error(`credential ${connection.accessKeyId}/${connection.secretAccessKey} not understood`), {
      name: 'OddServerError',
      $metadata: { httpStatusCode: 400 },
    });
    const observation = observeS3Error('HeadBucket', error, connectionSecrets(connection));
    const finding = diagnose(observation, { endpoint: connection.endpoint, bucket, directory });
    expect(finding?.code).toBe('UNEXPECTED_RESPONSE');
    expect(finding?.cause).toContain('credential ***/*** not understood');
    const text = JSON.stringify(finding);
    expect(text).not.toContain(connection.accessKeyId);
    expect(text).not.toContain(connection.secretAccessKey);
  });
});

describe('runMinioChecks against the sandbox', () => {
  test('healthy: every check passes in order and the probe object is gone afterwards', async () => {
    const run = await runMinioChecks(target(), options);
    expect(run.failure).toBeUndefined();
    expect(run.checks.map((c) => [c.id, c.status])).toEqual([
      ['endpoint', 'pass'],
      // versitygw is not MinIO: no liveness endpoint, so the check is skipped rather than failed.
      ['liveness', 'skip'],
      ['bucket', 'pass'],
      ['directory', 'pass'],
    ]);
    const listed = await createMinioS3Client(connection).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${directory}/` }));
    expect((listed.Contents ?? []).filter((o) => o.Key?.includes(PROBE_OBJECT_PREFIX))).toEqual([]);
  });

  test('a DNS-named endpoint adds the virtual-host check, which never fails the run', async () => {
    const named = { ...connection, endpoint: connection.endpoint.replace('127.0.0.1', 'localhost') };
    const run = await runMinioChecks(target({ connection: named }), options);
    expect(run.failure).toBeUndefined();
    const vhost = run.checks.find((c) => c.id === 'virtual-host-dns')!;
    expect(['pass', 'info']).toContain(vhost.status);
    if (vhost.status === 'info') expect(vhost.finding?.property).toBe('alluxio.underfs.s3.disable.dns.buckets');
  });

  test('a bucket that does not exist: NO_SUCH_BUCKET at the bucket check, later checks not run', async () => {
    const run = await runMinioChecks(target({ bucket: `missing-${randomBytes(4).toString('hex')}` }), options);
    expect(run.failure?.code).toBe('NO_SUCH_BUCKET');
    expect(run.checks.map((c) => c.id)).toEqual(['endpoint', 'liveness', 'bucket']);
    expect(run.notRun).toBe(1);
  });

  test('a port nothing listens on: CONNECTION_REFUSED at the first check', async () => {
    const port = await unusedLoopbackPort();
    const run = await runMinioChecks(target({ connection: { ...connection, endpoint: `http://127.0.0.1:${port}` } }), options);
    expect(run.failure?.code).toBe('CONNECTION_REFUSED');
    expect(run.checks.map((c) => c.id)).toEqual(['endpoint']);
    expect(run.failure?.cause).toContain(`127.0.0.1:${port}`);
  });

  test('a wrong secret key: REQUEST_FORBIDDEN naming SignatureDoesNotMatch, no secret anywhere in the report', async () => {
    const wrongSecret = `wrong-${randomBytes(12).toString('hex')}`;
    const run = await runMinioChecks(target({ connection: { ...connection, secretAccessKey: wrongSecret } }), options);
    expect(run.failure?.code).toBe('REQUEST_FORBIDDEN');
    expect(run.failure?.cause).toContain('SignatureDoesNotMatch');
    const text = JSON.stringify({ run, report: toJsonReport(run) });
    expect(text).not.toContain(wrongSecret);
    expect(text).not.toContain(connection.accessKeyId);
  });

  test('an unknown access key: REQUEST_FORBIDDEN (versitygw says 404 XAdminUserNotFound, MinIO 403 InvalidAccessKeyId)', async () => {
    const run = await runMinioChecks(target({ connection: { ...connection, accessKeyId: 'NOSUCHKEY0123456789' } }), options);
    expect(run.failure?.code).toBe('REQUEST_FORBIDDEN');
    expect(run.failure?.cause).toContain('does not know the access key');
  });

  test('a server that echoes both keys in an unrecognised error: UNEXPECTED_RESPONSE quotes it with both keys cut out', async () => {
    // No real server echoes keys; this one quotes the access key from the Authorization header it was sent,
    // and the secret too, in the XML error body the SDK turns into the error's message.
    const odd = createHttpServer((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(403).end();
        return;
      }
      const credential = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'none';
      res.writeHead(400, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>OddServerError</Code><Message>key ${credential} secret ${connection.secretAccessKey}</Message></Error>`);
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
      const run = await runMinioChecks(target({ connection: { ...connection, endpoint } }), options);
      expect(run.failure?.code).toBe('UNEXPECTED_RESPONSE');
      expect(run.failure?.cause).toContain('OddServerError: key *** secret ***');
      const text = JSON.stringify({ run, report: toJsonReport(run) });
      expect(text).not.toContain(connection.accessKeyId);
      expect(text).not.toContain(connection.secretAccessKey);
    } finally {
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  test('a host that cannot resolve (.invalid): DNS_RESOLUTION naming the endpoint property', async () => {
    const run = await runMinioChecks(target({ connection: { ...connection, endpoint: 'http://minio.does-not-exist.invalid:9000' } }), options);
    expect(run.failure?.code).toBe('DNS_RESOLUTION');
    expect(run.failure?.property).toBe('alluxio.underfs.s3.endpoint');
    expect(run.checks.map((c) => c.id)).toEqual(['endpoint']);
  });

  test('a listener that accepts and never answers: TIMEOUT, and the run ends', async () => {
    const silent = await silentListener();
    try {
      const run = await runMinioChecks(target({ connection: { ...connection, endpoint: `http://127.0.0.1:${silent.port}` } }), {
        connectTimeoutMs: 300,
        requestTimeoutMs: 300,
        totalTimeoutMs: 3000,
      });
      expect(run.failure?.code).toBe('TIMEOUT');
      expect(run.checks.map((c) => [c.id, c.status])).toEqual([
        ['endpoint', 'pass'],
        ['liveness', 'fail'],
      ]);
    } finally {
      await silent.close();
    }
  });

  test('https spoken to a plain-http port: TLS_ERROR', async () => {
    const run = await runMinioChecks(target({ connection: { ...connection, endpoint: connection.endpoint.replace('http:', 'https:') } }), options);
    expect(run.failure?.code).toBe('TLS_ERROR');
  });
});

// A real Alluxio master answers the healthy, mismatched and unreachable cases in test/local/cluster.test.ts;
// the fake master stays for answers a real one does not give on demand (a 503 while starting).
describe('Alluxio master faults (fake master with Alluxio 2.9 MasterInfo shape)', () => {
  test('nothing on the master port, or a 503: ALLUXIO_MASTER_UNREACHABLE (transient)', async () => {
    const port = await unusedLoopbackPort();
    const refused = await runMinioChecks(target({ alluxioMasters: [`127.0.0.1:${port}`] }), options);
    expect(refused.failure).toMatchObject({ code: 'ALLUXIO_MASTER_UNREACHABLE', transient: true });
    const starting = await startFakeAlluxioMaster({ rootUfsUri: 'unused', failWithStatus: 503 });
    try {
      const run = await runMinioChecks(target({ alluxioMasters: [starting.address] }), options);
      expect(run.failure?.code).toBe('ALLUXIO_MASTER_UNREACHABLE');
    } finally {
      await starting.close();
    }
  });
});
