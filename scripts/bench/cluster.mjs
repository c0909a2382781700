// Shared by the cluster benches (bench-cluster, bench-s3-endpoint, bench-cache, bench-profile): the sandbox
// around a run, timed S3 transfers with their bytes hashed, the raw read of a local cluster's cached block
// files, and its processes' memory.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs `main` with the sandbox's endpoints (.sandbox/endpoints.json), bringing the sandbox up first if it
 * is not, and down afterwards only if this call brought it up.
 */
export async function withSandbox(main) {
  const sandboxFile = join(root, '.sandbox', 'endpoints.json');
  const sandboxWasUp = existsSync(sandboxFile);
  if (!sandboxWasUp) execFileSync('bash', [join(root, 'scripts/sandbox.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    return await main(JSON.parse(readFileSync(sandboxFile, 'utf8')));
  } finally {
    if (!sandboxWasUp) execFileSync('bash', [join(root, 'scripts/sandbox.sh'), 'down'], { stdio: 'ignore' });
  }
}

/** Issue 19's link between Alluxio and MinIO: 20 ms RTT, 1 Gbit/s each way (local/network/shaped-link.ts). */
export const BENCH_LINK = { bytesPerSecond: 125e6, rttMs: 20 };

/** The sandbox's S3 server behind a shaped link (BENCH_LINK unless given): a ShapedLink, to close. */
export function startBenchLink(sandbox, link = BENCH_LINK) {
  const { ShapedLink } = require('../../local/network/shaped-link.js');
  return ShapedLink.start({ targetPort: Number(new URL(sandbox.s3.endpoint).port), ...link });
}

/** Alluxio 2.9.6's server main classes, as a process's command line names them, and the role each plays. */
export const ALLUXIO_SERVER_ROLES = [
  ['alluxio.master.AlluxioJobMaster', 'job master'],
  ['alluxio.master.AlluxioMaster', 'master'],
  ['alluxio.worker.AlluxioJobWorker', 'job workers'],
  ['alluxio.worker.AlluxioWorker', 'workers'],
  ['alluxio.proxy.AlluxioProxy', 'S3 proxy'],
];

/**
 * The role of the Alluxio server with this command line, or undefined: `commandLine` is the line as one
 * string (the main class found within it) or its arguments (the main class one of them).
 */
export const alluxioServerRole = (commandLine) => ALLUXIO_SERVER_ROLES.find(([mainClass]) => commandLine.includes(mainClass))?.[1];

export const sha256 = (data) => createHash('sha256').update(data).digest('hex');
export const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

/**
 * One GET: bytes, SHA-256, `ms` from sending the request to the last byte, and `bodyMs` from the first
 * body byte to the last (without the server's latency), with performance.now() start and end.
 */
export async function timedGet(client, bucket, key) {
  const startedAt = performance.now();
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  let firstByteAt = 0;
  for await (const chunk of object.Body) {
    firstByteAt ||= performance.now();
    hash.update(chunk);
    bytes += chunk.length;
  }
  const endedAt = performance.now();
  return { bytes, sha256: hash.digest('hex'), ms: endedAt - startedAt, bodyMs: endedAt - firstByteAt, startedAt, endedAt };
}

/** One PUT of `body`: bytes and ms from sending to the server's answer. */
export async function timedPut(client, bucket, key, body) {
  const t0 = performance.now();
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { bytes: body.length, ms: performance.now() - t0 };
}

/** The cached block files of every worker task under `tasksDir`, read from disk (the limit a warm read approaches). */
export function rawCacheRead(tasksDir) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /^\d+$/.test(entry.name)) files.push(path);
    }
  };
  for (const task of readdirSync(tasksDir)) {
    const cache = join(tasksDir, task, 'root', 'opt', 'alluxio', 'cache');
    if (existsSync(cache)) walk(cache);
  }
  const t0 = performance.now();
  let bytes = 0;
  for (const file of files) bytes += readFileSync(file).length;
  return { bytes, ms: performance.now() - t0, blocks: files.length };
}

/** Resident memory of each Alluxio JVM whose command line names `dir`, by main class. */
export function processMemory(dir) {
  const rows = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmdline.some((part) => part.includes(dir))) continue;
    const main = cmdline.find((part) => /^alluxio\.(master|worker)\.Alluxio\w+$/.test(part));
    if (!main) continue;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    rows.push({ process: main.replace(/^alluxio\.\w+\.Alluxio/, ''), rssMiB: Number(rss) / 1024 });
  }
  return rows.sort((a, b) => a.process.localeCompare(b.process));
}
