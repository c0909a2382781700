// Time to a health verdict, per failure mode and for the healthy case (median of BENCH_RUNS runs), against
// the sandbox (npm run sandbox:up) on loopback, beside the anchors this check replaces. Prints, never asserts.
// Called by scripts/bench/bench.mjs; also runs alone: node scripts/bench/bench-health.mjs
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { median, RUNS } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOAL_MS = 5000;
const ANCHORS = [
  ['CloudFormation custom resource that never answers', 3600_000],
  ['Alluxio S3 UFS socket timeout (default)', 50_000],
  ["Alluxio CloudFormation template's curl wait on :19999", 800_000],
];

// The checks as the CLI and the Lambda run them, bundled from the TypeScript sources (no tsc output needed).
const work = mkdtempSync(join(tmpdir(), 'bench-health-'));
const entry = `
  export { runMinioChecks, DEFAULT_CHECK_OPTIONS } from './lib/runtime/minio-checks';
  export { ensureBucketAndDirectory } from './lib/runtime/minio-bucket';
  export { createMinioS3Client } from './lib/runtime/s3-client';
  export { startFakeAlluxioMaster } from './test/support/fake-alluxio-master';
  export { CreateBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
`;
buildSync({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: join(work, 'checks.cjs'),
  logLevel: 'error',
});
const lib = createRequire(import.meta.url)(join(work, 'checks.cjs'));

const endpointsFile = join(root, '.sandbox', 'endpoints.json');
if (!existsSync(endpointsFile)) {
  console.log('## Health verdicts: skipped (sandbox down: run npm run sandbox:up)');
  process.exit(0);
}
const { s3 } = JSON.parse(readFileSync(endpointsFile, 'utf8'));
const connection = { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
const bucket = `bench-${randomBytes(4).toString('hex')}`;
const directory = 'alluxio';

async function unusedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function silentListener() {
  const sockets = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A versitygw with internal IAM and a user granted only `writable/` (the shared sandbox has root only). */
async function policyServer() {
  const binary = join(root, '.tools', 'bin', 'versitygw');
  if (!existsSync(binary)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-vgw-'));
  for (const d of ['iam', 'meta', 'data']) mkdirSync(join(dir, d));
  const port = await unusedPort();
  const rootKeys = { accessKeyId: `root${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(16).toString('hex') };
  const user = { accessKeyId: `user${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(16).toString('hex') };
  const child = spawn(
    binary,
    [
      '--port',
      `127.0.0.1:${port}`,
      '--access',
      rootKeys.accessKeyId,
      '--secret',
      rootKeys.secretAccessKey,
      '--iam-dir',
      join(dir, 'iam'),
      '--quiet',
      'posix',
      '--sidecar',
      join(dir, 'meta'),
      join(dir, 'data'),
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = new Socket();
      const done = (ok) => {
        s.destroy();
        resolve(ok);
      };
      s.once('connect', () => done(true))
        .once('error', () => done(false))
        .connect(port, '127.0.0.1');
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  execFileSync(binary, [
    'admin',
    '--access',
    rootKeys.accessKeyId,
    '--secret',
    rootKeys.secretAccessKey,
    '--endpoint-url',
    endpoint,
    'create-user',
    '--access',
    user.accessKeyId,
    '--secret',
    user.secretAccessKey,
    '--role',
    'user',
  ]);
  const admin = lib.createMinioS3Client({ endpoint, region: 'us-east-1', ...rootKeys });
  await admin.send(new lib.CreateBucketCommand({ Bucket: 'bench-policy' }));
  const principal = { AWS: [user.accessKeyId] };
  await admin.send(
    new lib.PutBucketPolicyCommand({
      Bucket: 'bench-policy',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: principal, Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::bench-policy'] },
          {
            Effect: 'Allow',
            Principal: principal,
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: ['arn:aws:s3:::bench-policy/writable/*'],
          },
        ],
      }),
    }),
  );
  admin.destroy();
  return {
    connection: { endpoint, region: 'us-east-1', ...user },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

await lib.ensureBucketAndDirectory(connection, bucket, directory);
const silent = await silentListener();
const refusedPort = await unusedPort();
const masterOk = await lib.startFakeAlluxioMaster({ rootUfsUri: `s3://${bucket}/${directory}` });
const masterOther = await lib.startFakeAlluxioMaster({ rootUfsUri: 's3://elsewhere/old-root' });
const policy = await policyServer();
const base = { connection, bucket, directory };

const cases = [
  ['healthy (MinIO checks)', base],
  ['healthy (+ Alluxio master root mount)', { ...base, alluxioMaster: masterOk.address }],
  ['NO_SUCH_BUCKET', { ...base, bucket: 'bench-no-such-bucket' }],
  ['CONNECTION_REFUSED', { ...base, connection: { ...connection, endpoint: `http://127.0.0.1:${refusedPort}` } }],
  ['REQUEST_FORBIDDEN (wrong secret)', { ...base, connection: { ...connection, secretAccessKey: 'wrong-secret-0123456789' } }],
  ['REQUEST_FORBIDDEN (unknown access key)', { ...base, connection: { ...connection, accessKeyId: 'NOSUCHKEY0123456789' } }],
  ['DNS_RESOLUTION (.invalid host)', { ...base, connection: { ...connection, endpoint: 'http://minio.bench.invalid:9000' } }],
  ['TIMEOUT (accepts, never answers)', { ...base, connection: { ...connection, endpoint: `http://127.0.0.1:${silent.port}` } }],
  ['TLS_ERROR (https to an http port)', { ...base, connection: { ...connection, endpoint: connection.endpoint.replace('http:', 'https:') } }],
  ...(policy ? [['DIRECTORY_NOT_WRITABLE (bucket policy)', { connection: policy.connection, bucket: 'bench-policy', directory: 'alluxio' }]] : []),
  ['ALLUXIO_ROOT_MOUNT_MISMATCH', { ...base, alluxioMaster: masterOther.address }],
  ['ALLUXIO_MASTER_UNREACHABLE', { ...base, alluxioMaster: `127.0.0.1:${refusedPort}` }],
];

const opts = lib.DEFAULT_CHECK_OPTIONS;
console.log(
  `## Time to a health verdict (loopback, ${RUNS} runs each, median; bounds: connect ${opts.connectTimeoutMs} ms, request ${opts.requestTimeoutMs} ms, run ${opts.totalTimeoutMs} ms)`,
);
const rows = [];
try {
  for (const [name, target] of cases) {
    const samples = [];
    let verdict;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const run = await lib.runMinioChecks(target);
      samples.push(performance.now() - t0);
      verdict = run.failure ? run.failure.code : 'healthy';
    }
    const ms = median(samples);
    rows.push(ms);
    console.log(`${name.padEnd(42)} ${String(Math.round(ms)).padStart(5)} ms  -> ${verdict}${ms > GOAL_MS ? '  (over the 5 s goal)' : ''}`);
  }
} finally {
  await Promise.all([silent.close(), masterOk.close(), masterOther.close(), policy?.close()]);
  rmSync(work, { recursive: true, force: true });
}
if (!policy) console.log('DIRECTORY_NOT_WRITABLE: skipped (.tools/bin/versitygw missing)');
const slowest = Math.max(...rows);
console.log(`slowest verdict: ${Math.round(slowest)} ms (goal <= ${GOAL_MS} ms)`);
console.log('anchors (time until the same failure is named, or a deploy gives up):');
for (const [name, ms] of ANCHORS) {
  console.log(`  ${name.padEnd(55)} ${String(ms / 1000).padStart(5)} s  (${Math.round(ms / slowest)}x the slowest verdict here)`);
}
