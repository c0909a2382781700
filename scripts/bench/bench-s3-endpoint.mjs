// The S3 endpoint's figures: a GET of one object through Alluxio's S3 proxy, cold (the cache freed, so
// the worker reads it from the S3 server) and warm (from the worker's cache), beside GETs of the same
// object straight from the S3 server (versitygw, the MinIO stand-in). One real cluster (master, one
// worker, the proxy) deployed from the example stack with s3Endpoint on. Prints, never asserts.
// Called by scripts/bench/bench.mjs; also runs alone (after npm run build, with the sandbox up): node scripts/bench/bench-s3-endpoint.mjs
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256, timedGet } from './cluster.mjs';
import { median } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { LocalCluster } = require('../../local/alluxio/local-cluster.js');
const { createMinioS3Client } = require('../../lib/runtime/s3-client.js');
const { CreateBucketCommand, PutObjectCommand } = require('@aws-sdk/client-s3');

const OBJECT_MB = 64;
const RUNS = 3;
// Below Linux's ephemeral range (the construct's default 39999 is inside it) and outside Alluxio's ports.
const PROXY_PORT = 31998;
const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

const stateDir = mkdtempSync(join(tmpdir(), 'bench-s3-endpoint-'));
const block = `127.0.${190 + Math.floor(Math.random() * 30)}`;
const id = randomBytes(3).toString('hex');
const minio = { ...sandbox.s3, bucket: `bench-s3-${id}`, directory: 'alluxio', createBucket: true };
let cluster;
try {
  cluster = await LocalCluster.deploy({
    stateDir,
    addressBlock: block,
    jarsDir: join(root, '.tools', 'alluxio-lib'),
    aws: sandbox.aws,
    minio,
    parameters: { accessKey: `/bench-s3-${id}/access-key`, secretKey: `/bench-s3-${id}/secret-key`, prefix: `/bench-s3-${id}/alluxio` },
    alluxio: { workerCount: 1 },
    s3Endpoint: { enabled: true, port: PROXY_PORT },
    healthCheckIntervalMs: 1000,
  });
  // The output's Cloud Map name resolves to the proxy task's address (what DNS does on AWS).
  const url = new URL(Object.entries(cluster.outputs).find(([name]) => name.includes('S3EndpointUrl'))[1]);
  url.hostname = cluster.ecs.tasksOf(cluster.serviceName('s3Endpoint'))[0].address;
  // A user name of its own, never the MinIO keys: the proxy takes the access key id as the Alluxio user.
  const proxy = createMinioS3Client(
    { endpoint: url.toString().replace(/\/$/, ''), region: 'us-east-1', accessKeyId: 'bench', secretAccessKey: 'unused-by-alluxio' },
    { connectTimeoutMs: 2000, requestTimeoutMs: 120_000 },
  );
  const direct = createMinioS3Client(sandbox.s3, { connectTimeoutMs: 2000, requestTimeoutMs: 120_000 });
  const bucket = 'bench';
  const key = `object-${OBJECT_MB}mb.bin`;
  await proxy.send(new CreateBucketCommand({ Bucket: bucket }));
  const content = randomBytes(OBJECT_MB * 1024 * 1024);
  await proxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content }));

  // Cold: the proxy's write cached the object; freeing it makes the worker read it from the S3 server.
  const cold = [];
  const warm = [];
  const client = cluster.client('bench-client');
  for (let i = 0; i < RUNS; i++) {
    await client.fs('free', `/${bucket}/${key}`);
    cold.push(await timedGet(proxy, bucket, key));
    warm.push(await timedGet(proxy, bucket, key));
  }
  const directRuns = [];
  for (let i = 0; i < RUNS; i++) directRuns.push(await timedGet(direct, minio.bucket, `${minio.directory}/${bucket}/${key}`));
  proxy.destroy();
  direct.destroy();
  if (![...cold, ...warm, ...directRuns].every((run) => run.sha256 === sha256(content))) throw new Error(`a GET of ${key} returned other bytes than were put`);

  const row = (label, runs) => {
    const ms = median(runs.map((r) => r.ms));
    console.log(`  ${label.padEnd(52)} ${ms.toFixed(0)} ms, ${mbps(runs[0].bytes, ms)} MB/s`);
  };
  console.log(`## S3 endpoint (real Alluxio 2.9.6 proxy, one worker; GET of a ${OBJECT_MB} MB object, median of ${RUNS})`);
  row('through the proxy, cold (freed; worker reads the S3 server)', cold);
  row('through the proxy, warm (from the worker cache)', warm);
  row('direct GET from the S3 server (versitygw)', directRuns);
} finally {
  await cluster?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
