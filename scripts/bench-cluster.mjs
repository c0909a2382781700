// The local cluster's figures: time from the deploy command to a healthy cluster, read throughput of a
// 256 MB file through Alluxio cold (from the S3 server) and warm (from a worker's cache) beside a direct
// GET from the S3 server and a raw read of the cached blocks, the memory of each Alluxio process, and the
// same cold/warm pair with the S3 server behind a slow link. Prints, never asserts.
// Called by scripts/bench.mjs; also runs alone (after npm run build, with the sandbox up): node scripts/bench-cluster.mjs
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scrapeFigures } from './bench/metrics-scrape.mjs';
import { median } from './bench/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Before the SDK loads: its Node.js 20 support warning would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { AlluxioClient } = require('./local/alluxio-client.js');
const { freePort } = require('./local/ports.js');
const { createMinioS3Client } = require('../lib/runtime/s3-client.js');
const { CreateBucketCommand, GetObjectCommand } = require('@aws-sdk/client-s3');

const FILE_MB = 256;
const WARM_RUNS = 3;
const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

function cli(args, env, timeoutMs = 600_000) {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'scripts', 'local', 'cli.js'), ...args], { env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
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
  writeFileSync(sample, randomBytes(FILE_MB * 1024 * 1024));
  await client.fs('copyFromLocal', sample, `/bench-${FILE_MB}mb.bin`);
  await client.fs('free', `/bench-${FILE_MB}mb.bin`);
  const [cold] = await client.timedReads(`/bench-${FILE_MB}mb.bin`, 1);
  const warm = await client.timedReads(`/bench-${FILE_MB}mb.bin`, WARM_RUNS);
  const s3 = createMinioS3Client(connection);
  const direct = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const t0 = performance.now();
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    let bytes = 0;
    for await (const chunk of object.Body) bytes += chunk.length;
    direct.push({ bytes, ms: performance.now() - t0 });
  }
  s3.destroy();
  return { cold, warm: median(warm.map((r) => r.ms)), warmBytes: warm[0].bytes, direct: median(direct.map((r) => r.ms)), directBytes: direct[0].bytes };
}

/** The cached block files of every worker, read from disk (the limit a warm read approaches). */
function rawCacheRead(target) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /^\d+$/.test(entry.name)) files.push(path);
    }
  };
  const tasks = join(target.dir, 'local', 'ecs', 'tasks');
  for (const task of readdirSync(tasks)) {
    const cache = join(tasks, task, 'root', 'opt', 'alluxio', 'cache');
    if (existsSync(cache)) walk(cache);
  }
  const t0 = performance.now();
  let bytes = 0;
  for (const file of files) bytes += readFileSync(file).length;
  return { bytes, ms: performance.now() - t0, blocks: files.length };
}

/** Resident memory of each Alluxio JVM of the deployment, by main class. */
function processMemory(target) {
  const rows = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmdline.some((part) => part.includes(target.dir))) continue;
    const main = cmdline.find((part) => /^alluxio\.(master|worker)\.Alluxio\w+$/.test(part));
    if (!main) continue;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    rows.push({ process: main.replace(/^alluxio\.\w+\.Alluxio/, ''), rssMiB: Number(rss) / 1024 });
  }
  return rows.sort((a, b) => a.process.localeCompare(b.process));
}

/**
 * A slow link in user space: every chunk each way waits `delayMs` and the pair is held to `bitsPerSecond`.
 * The kernel here has no netem qdisc (tc answers "Specified qdisc kind is unknown"), so a network namespace
 * cannot shape the link; this proxy stands in for it.
 */
async function shapedProxy(targetPort, delayMs, bitsPerSecond) {
  const port = await freePort();
  const bytesPerMs = bitsPerSecond / 8 / 1000;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    // Chunks are held for the delay and spaced by the rate, and many may be in flight at once (as on a
    // real link); reading pauses only when more than a few MB wait, to bound memory.
    const pipe = (from, to) => {
      let nextFree = 0;
      let queued = 0;
      let lastSendAt = 0;
      from.on('data', (chunk) => {
        const now = Date.now();
        const sendAt = Math.max(now + delayMs, nextFree + chunk.length / bytesPerMs);
        nextFree = sendAt - delayMs;
        lastSendAt = sendAt;
        queued += chunk.length;
        if (queued > 4 << 20) from.pause();
        setTimeout(() => {
          to.write(chunk);
          queued -= chunk.length;
          if (queued <= 4 << 20) from.resume();
        }, sendAt - now);
      });
      from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastSendAt - Date.now()) + 1));
      from.on('error', () => to.destroy());
      to.on('error', () => from.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
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
  console.log(`deploy command to a healthy cluster: ${loopback.deploySeconds.toFixed(1)} s (whole command with its sample write and reads: ${loopback.wallSeconds.toFixed(1)} s)`);
  const figures = await readFigures(loopback, sandbox.s3, 'datalake', `alluxio/bench-${FILE_MB}mb.bin`);
  printReads('S3 server on loopback', figures, rawCacheRead(loopback));
  const preload = await preloadFigures(loopback, `/bench-${FILE_MB}mb.bin`);
  console.log(
    `  warm-up (alluxio fs load --submit until ${preload.state}, polled each second): ${(preload.loadMs / 1000).toFixed(1)} s, ${mbps(FILE_MB * 1024 * 1024, preload.loadMs)} MB/s; first read after it: ${preload.firstRead.ms.toFixed(0)} ms, ${mbps(preload.firstRead.bytes, preload.firstRead.ms)} MB/s`,
  );
  console.log('resident memory per process:');
  for (const row of processMemory(loopback)) console.log(`  ${row.process.padEnd(10)} ${row.rssMiB.toFixed(0)} MiB`);
  console.log(`one metrics-agent scrape (GET /metrics/prometheus/, median of ${WARM_RUNS}), and what its keep filter leaves:`);
  for (const row of await scrapeFigures([['master', loopback.master], ['worker', loopback.firstWorker]], WARM_RUNS)) {
    console.log(`  ${row.source.padEnd(6)} ${row.ms.toFixed(0)} ms, ${row.bytes} bytes, ${row.families} metric families; kept ${row.kept} metrics, ${row.keptBytes} bytes of sample lines`);
  }
} finally {
  await loopback.down();
}

const RTT_MS = 20;
const proxy = await shapedProxy(Number(new URL(sandbox.s3.endpoint).port), RTT_MS / 2, 1e9);
try {
  const bucket = 'datalake-shaped';
  const s3 = createMinioS3Client(sandbox.s3);
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
  });
  s3.destroy();
  const shaped = await deployment('shaped', ['--endpoint', proxy.endpoint, '--bucket', bucket, '--directory', 'alluxio'], {
    MINIO_ACCESS_KEY: sandbox.s3.accessKeyId,
    MINIO_SECRET_KEY: sandbox.s3.secretAccessKey,
  });
  try {
    const figures = await readFigures(shaped, { ...sandbox.s3, endpoint: proxy.endpoint }, bucket, `alluxio/bench-${FILE_MB}mb.bin`);
    printReads(`S3 server behind a ${RTT_MS} ms RTT, 1 Gbit/s link (user-space proxy; no netem here)`, figures);
  } finally {
    await shaped.down();
  }
} finally {
  await proxy.close();
}
