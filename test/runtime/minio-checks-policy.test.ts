import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { runMinioChecks } from '../../lib/runtime/minio-checks';
import { createMinioS3Client, MinioConnection } from '../../lib/runtime/s3-client';

/*
 * DIRECTORY_NOT_WRITABLE needs an identity that may list the bucket but not write the directory.
 * The shared sandbox's versitygw has only its root account, which no policy restricts, so this suite
 * starts its own versitygw (the same binary the sandbox installs) with internal IAM on a free loopback
 * port, creates a "user" account through versitygw's admin API, and grants it, by bucket policy,
 * listing plus object access under `writable/` only. It stops that process (by pid) afterwards.
 */
const VERSITYGW = join(__dirname, '..', '..', '.tools', 'bin', 'versitygw');
const root = { accessKeyId: `root${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(16).toString('hex') };
const user = { accessKeyId: `user${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(16).toString('hex') };
const bucket = 'policy-checks';
let server: ChildProcess | undefined;
let workDir: string;
let endpoint: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true)).once('error', () => done(false));
      socket.connect(port, '127.0.0.1');
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`versitygw did not listen on 127.0.0.1:${port} within the start timeout`);
}

beforeAll(async () => {
  if (!existsSync(VERSITYGW)) {
    throw new Error(`versitygw binary missing at ${VERSITYGW}: run npm run sandbox:up first (it installs it)`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'vgw-policy-'));
  for (const dir of ['iam', 'meta', 'data']) mkdirSync(join(workDir, dir));
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(
    VERSITYGW,
    [
      '--port', `127.0.0.1:${port}`, '--access', root.accessKeyId, '--secret', root.secretAccessKey,
      '--iam-dir', join(workDir, 'iam'), '--quiet',
      'posix', '--sidecar', join(workDir, 'meta'), join(workDir, 'data'),
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port, Date.now() + 15000);
  await promisify(execFile)(VERSITYGW, [
    'admin', '--access', root.accessKeyId, '--secret', root.secretAccessKey, '--endpoint-url', endpoint,
    'create-user', '--access', user.accessKeyId, '--secret', user.secretAccessKey, '--role', 'user',
  ]);
  const admin = createMinioS3Client({ endpoint, region: 'us-east-1', ...root });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const grantee = { AWS: [user.accessKeyId] };
  await admin.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: grantee, Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
          {
            Effect: 'Allow',
            Principal: grantee,
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: [`arn:aws:s3:::${bucket}/writable/*`],
          },
        ],
      }),
    }),
  );
  admin.destroy();
}, 30000);

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function userConnection(): MinioConnection {
  return { endpoint, region: 'us-east-1', ...user };
}

describe('a directory the keys may not write (bucket policy on a versitygw with IAM)', () => {
  test('the granted directory is healthy: the policy really grants, so the denial below is about the directory', async () => {
    const run = await runMinioChecks({ connection: userConnection(), bucket, directory: 'writable' });
    expect(run.failure).toBeUndefined();
  });

  test('another directory: the bucket check passes and the probe write fails with DIRECTORY_NOT_WRITABLE', async () => {
    const run = await runMinioChecks({ connection: userConnection(), bucket, directory: 'alluxio' });
    expect(run.checks.map((c) => [c.id, c.status])).toEqual([
      ['endpoint', 'pass'],
      ['liveness', 'skip'],
      ['bucket', 'pass'],
      ['directory', 'fail'],
    ]);
    expect(run.failure?.code).toBe('DIRECTORY_NOT_WRITABLE');
    expect(run.failure?.cause).toMatch(/may not write s3:\/\/policy-checks\/alluxio\//);
    expect(JSON.stringify(run)).not.toContain(user.secretAccessKey);
  });
});
