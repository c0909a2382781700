// The local cluster's figures: time from the deploy command to a healthy cluster, read throughput of a
// 256 MB file through Alluxio cold (from the S3 server) and warm (from a worker's cache) beside a direct
// GET from the S3 server and a raw read of the cached blocks, and the memory of each Alluxio process.
// Prints, never asserts. The same paths behind a slow link, with their goals: npm run bench:cache.
// Called by scripts/bench/bench.mjs; also runs alone (after npm run build, with the sandbox up): node scripts/bench/bench-cluster.mjs
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processMemory, rawCacheRead, sha256, timedGet } from './cluster.mjs';
import { scrapeFigures } from './metrics-scrape.mjs';
import { median } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Before the SDK loads: its Node.js 20 support warning would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { AlluxioClient } = require('../../local/alluxio/alluxio-client.js');
const { freePort } = require('../../local/network/ports.js');
const { createMinioS3Client } = require('../../lib/runtime/s3-client.js');

const FILE_MB = 256;
const WARM_RUNS = 3;
const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

function cli(args, env, timeoutMs = 600_000) {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'local', 'cli.js'), ...args], { env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr }),
    );
  });
}

/** A deployment of its own (state folder, address block, ECS port, parameter names), like the npm start test. */
async function deployment(name, extraArgs = [], extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const block = `127.0.${150 + Math.floor(Math.random() * 40)}`;
  copyFileSync(join(root, '.sandbox', 'endpoints.json'), join(dir, 'endpoints.json'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOCAL_STATE_DIR: join(dir, 'local'),
    LOCAL_ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    LOCAL_ADDRESS_BLOCK: block,
    LOCAL_ECS_PORT: String(await freePort()),
    LOCAL_PARAMETER_ROOT: `/bench-${name}-${block.replace(/\./g, '-')}`,
    ...extraEnv,
  };
  const started = Date.now();
  const up = await cli(['up', ...extraArgs], env);
  const wallSeconds = (Date.now() - started) / 1000;
  if (!up.ok) throw new Error(`the ${name} deployment failed:\n${(up.stdout + up.stderr).slice(-3000)}`);
  const firstRun = JSON.parse(readFileSync(join(dir, 'local', 'first-run.json'), 'utf8'));
  return {
    dir,
    master: `${block}.1`,
    firstWorker: `${block}.10`,
    wallSeconds,
    deploySeconds: firstRun.deploySeconds,
    client: () => new AlluxioClient(join(dir, 'bench-client'), join(root, '.tools', 'alluxio-lib'), `${block}.1`),
    down: async () => {
      await cli(['down'], env, 120_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cold (after free) and warm reads through Alluxio, and direct GETs of the same object from the S3 endpoint. */
async function readFigures(target, connection, bucket, key) {
  const client = target.client();
  const sample = join(target.dir, 'bench.bin');
  const content = randomBytes(FILE_MB * 1024 * 1024);
  writeFileSync(sample, content);
  await client.fs('copyFromLocal', sample, `/bench-${FILE_MB}mb.bin`);
  await client.fs('free', `/bench-${FILE_MB}mb.bin`);
  const [cold] = await client.timedReads(`/bench-${FILE_MB}mb.bin`, 1);
  const warm = await client.timedReads(`/bench-${FILE_MB}mb.bin`, WARM_RUNS);
  const s3 = createMinioS3Client(connection);
  const direct = [];
  for (let i = 0; i < WARM_RUNS; i++) direct.push(await timedGet(s3, bucket, key));
  s3.destroy();
  const expected = sha256(content);
  if (![cold, ...warm, ...direct].every((read) => read.sha256 === expected)) throw new Error(`a read of ${key} returned other bytes than were written`);
  return { cold, warm: median(warm.map((r) => r.ms)), warmBytes: warm[0].bytes, direct: median(direct.map((r) => r.ms)), directBytes: direct[0].bytes };
}

/**
 * The warm-up's own command (what the preload task runs): the file freed from the cache, then `load
 * --submit` and `load --progress` polled every second until the master reports a final state, then the
 * first read after it. Each poll starts a client JVM, as the task's do (the task polls every 5 s).
 */
async function preloadFigures(target, path) {
  const client = target.client();
  await client.fs('free', path);
  const t0 = performance.now();
  await client.fs('load', path, '--submit');
  let state;
  for (;;) {
    state = /Job State: ([A-Z]+)/.exec(await client.fs('load', path, '--progress'))?.[1];
    if (['SUCCEEDED', 'FAILED', 'STOPPED'].includes(state) || performance.now() - t0 > 600_000) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const loadMs = performance.now() - t0;
  const [firstRead] = await client.timedReads(path, 1);
  return { state, loadMs, firstRead };
}

function printReads(label, figures, raw) {
  console.log(`${label}:`);
  console.log(`  through Alluxio, cold (from the S3 server): ${figures.cold.ms.toFixed(0)} ms, ${mbps(figures.cold.bytes, figures.cold.ms)} MB/s`);
  console.log(`  through Alluxio, warm (worker cache, median of ${WARM_RUNS}): ${figures.warm.toFixed(0)} ms, ${mbps(figures.warmBytes, figures.warm)} MB/s`);
  console.log(`  direct GET from the S3 server (median of ${WARM_RUNS}): ${figures.direct.toFixed(0)} ms, ${mbps(figures.directBytes, figures.direct)} MB/s`);
  if (raw) console.log(`  raw read of the ${raw.blocks} cached block files from disk: ${raw.ms.toFixed(0)} ms, ${mbps(raw.bytes, raw.ms)} MB/s`);
}

console.log(`## Local cluster (real Alluxio 2.9.6: master, job master, 2 workers, 2 job workers; ${FILE_MB} MB file)`);
const loopback = await deployment('loopback');
try {
  console.log(
    `deploy command to a healthy cluster: ${loopback.deploySeconds.toFixed(1)} s (whole command with its sample write and reads: ${loopback.wallSeconds.toFixed(1)} s)`,
  );
  const figures = await readFigures(loopback, sandbox.s3, 'datalake', `alluxio/bench-${FILE_MB}mb.bin`);
  printReads('S3 server on loopback', figures, rawCacheRead(join(loopback.dir, 'local', 'ecs', 'tasks')));
  const preload = await preloadFigures(loopback, `/bench-${FILE_MB}mb.bin`);
  console.log(
    `  warm-up (alluxio fs load --submit until ${preload.state}, polled each second): ${(preload.loadMs / 1000).toFixed(1)} s, ${mbps(FILE_MB * 1024 * 1024, preload.loadMs)} MB/s; first read after it: ${preload.firstRead.ms.toFixed(0)} ms, ${mbps(preload.firstRead.bytes, preload.firstRead.ms)} MB/s`,
  );
  console.log('resident memory per process:');
  for (const row of processMemory(loopback.dir)) console.log(`  ${row.process.padEnd(10)} ${row.rssMiB.toFixed(0)} MiB`);
  console.log(`one metrics-agent scrape (GET /metrics/prometheus/, median of ${WARM_RUNS}), and what its keep filter leaves:`);
  for (const row of await scrapeFigures(
    [
      ['master', loopback.master],
      ['worker', loopback.firstWorker],
    ],
    WARM_RUNS,
  )) {
    console.log(
      `  ${row.source.padEnd(6)} ${row.ms.toFixed(0)} ms, ${row.bytes} bytes, ${row.families} metric families; kept ${row.kept} metrics, ${row.keptBytes} bytes of sample lines`,
    );
  }
} finally {
  await loopback.down();
}
