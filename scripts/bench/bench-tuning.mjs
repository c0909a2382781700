// Candidate settings side by side with what the library renders (Alluxio 2.9.6's own values for them):
// two real clusters deployed from the example stack at once, A as rendered and B with the candidates in
// alluxio.extraProperties (client-scope keys reach the clients from the master as cluster defaults; the
// run prints what each client sees). The same measurements alternate between them in one run (order
// swapped each round), with the load average beside each figure: a write through Alluxio, a cold read
// (freed first, so the worker reads the S3 server), warm reads (from a worker's cache), a GET through
// the S3 proxy, every file's bytes checked by SHA-256. Medians of the rounds, and each round's B/A ratio
// (the two runs of a pair were taken one after the other). Prints, never asserts; writes
// bench-results/tuning.json. Candidates: scripts/bench/tuning-candidates.json.
//
// Alone (after npm run build, with the sandbox up): node scripts/bench/bench-tuning.mjs
//   --link                         the sandbox's S3 server behind issue 19's shaped link (20 ms RTT, 125 MB/s)
//   --endpoint URL --bucket NAME   mount an S3 server elsewhere with the sandbox keys
//   --only KEY[,KEY...]            only these candidates on side B (default: all of them)
//   --file-mb N                    file size (default 256)
//   --rounds N                     rounds (default 3)
// BENCH_TUNING_A / BENCH_TUNING_B (JSON objects) replace a side's extraProperties, and
// BENCH_TUNING_CLIENT_A / _B (lines separated by ';') add lines to that side's client configuration;
// {firstWorker} in them is the address of the side's first worker task (alluxio.user.hostname={firstWorker}
// makes the client that worker's neighbour, so it reads that worker's cached blocks from disk itself).
// {domainSocketDir} in BENCH_TUNING_A / _B values is a directory of that side's own, for
// alluxio.worker.data.server.domain.socket.address.
// BENCH_TUNING_JAVA_OPTS_A / _B (separated by spaces) add JVM options to every Alluxio JVM of that side,
// servers and client; the run checks that each of them runs with them, and prints the client's collectors.
// From another script: import { runTuningAB } from './bench-tuning.mjs'.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alluxioServerRole, BENCH_LINK, rawCacheRead, startBenchLink } from './cluster.mjs';
import { median } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { LocalCluster } = require('../../local/alluxio/local-cluster.js');
const { createMinioS3Client } = require('../../lib/runtime/s3-client.js');
const CANDIDATES = require('./tuning-candidates.json');
const { CreateBucketCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
const { sessionMembers } = require('../../local/ecs/processes.js');

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const load = () => loadavg()[0].toFixed(2);

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

/** `bin/alluxio runClass TuningProbe ...` on a client; stdout lines, or an error with the tail of its output. */
async function probe(client, args, timeoutMs = 600_000) {
  const result = await client.run(['runClass', 'TuningProbe', ...args], timeoutMs);
  if (result.code !== 0) throw new Error(`TuningProbe ${args.join(' ')} failed: ${(result.stdout + result.stderr).slice(-2000)}`);
  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => /^\S+ \S+( \S+)?$/.test(line));
}

const timings = (lines) => lines.filter((l) => /^\d+ \d+$/.test(l)).map((l) => ({ bytes: Number(l.split(' ')[0]), ms: Number(l.split(' ')[1]) / 1e6 }));

async function timedGet(s3, bucket, key) {
  const t0 = performance.now();
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of object.Body) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, ms: performance.now() - t0, sha: hash.digest('hex') };
}

/** The candidates to try (all, or those named), as extraProperties. */
export function candidateProperties(only) {
  const keys = Object.keys(CANDIDATES).filter((key) => key !== '//' && (!only || only.includes(key)));
  if (only) for (const key of only) if (!CANDIDATES[key]) throw new Error(`${key} is not in scripts/bench/tuning-candidates.json`);
  return Object.fromEntries(keys.map((key) => [key, CANDIDATES[key].candidate]));
}

/**
 * `{domainSocketDir}` in a side's property values becomes a directory of that side's own, created here: the
 * worker binds its domain socket in it, and a socket's path must stay within Linux's 108 bytes, which a
 * path under a task's home (`${alluxio.home}`, about 120 bytes here) does not.
 */
function withDomainSocketDir(properties, stateDir) {
  if (!Object.values(properties).some((value) => String(value).includes('{domainSocketDir}'))) return properties;
  const dir = join(stateDir, 'domain');
  mkdirSync(dir, { recursive: true });
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, String(value).replaceAll('{domainSocketDir}', dir)]));
}

async function deploySide(side, options, sandbox, index) {
  const stateDir = mkdtempSync(join(tmpdir(), `bench-tuning-${side.name}-`));
  const id = randomBytes(3).toString('hex');
  const block = `127.0.${220 + index * 10 + Math.floor(Math.random() * 10)}`;
  const minio = options.endpoint
    ? { ...sandbox.s3, endpoint: options.endpoint, bucket: options.bucket, directory: `tuning-${id}`, createBucket: false }
    : { ...sandbox.s3, bucket: `bench-tuning-${id}`, directory: 'alluxio', createBucket: true };
  const cluster = await LocalCluster.deploy({
    stateDir,
    addressBlock: block,
    jarsDir: join(root, '.tools', 'alluxio-lib'),
    aws: sandbox.aws,
    minio,
    parameters: { accessKey: `/bench-tuning-${id}/access-key`, secretKey: `/bench-tuning-${id}/secret-key`, prefix: `/bench-tuning-${id}/alluxio` },
    alluxio: { extraProperties: withDomainSocketDir(side.extraProperties, stateDir) },
    jvmOptions: side.jvmOptions,
    s3Endpoint: { enabled: true, port: 31990 + index },
    healthCheckIntervalMs: 1000,
  });
  const client = cluster.client('tuning-client');
  if (side.clientLines.length) {
    const firstWorker = cluster.ecs.tasksOf(cluster.serviceName('worker'))[0].address;
    const lines = side.clientLines.map((line) => line.replaceAll('{firstWorker}', firstWorker));
    appendFileSync(join(stateDir, 'tuning-client', 'opt', 'alluxio', 'conf', 'alluxio-site.properties'), lines.join('\n') + '\n');
  }
  const url = new URL(Object.entries(cluster.outputs).find(([name]) => name.includes('S3EndpointUrl'))[1]);
  url.hostname = cluster.ecs.tasksOf(cluster.serviceName('s3Endpoint'))[0].address;
  const proxy = createMinioS3Client(
    { endpoint: url.toString().replace(/\/$/, ''), region: 'us-east-1', accessKeyId: 'bench', secretAccessKey: 'unused-by-alluxio' },
    { connectTimeoutMs: 2000, requestTimeoutMs: 300_000 },
  );
  return { ...side, stateDir, cluster, client, proxy, minio };
}

/**
 * A side's JVM options as its JVMs run them, or an error: every Alluxio server of every task (the main
 * process and its job process; the proxy alone) has them on its command line, and the client reports them
 * among its input arguments. A JVM refuses to start on two collectors, so a collector named there is the
 * one in effect; the client's collectors are returned as it names them.
 */
async function checkJvmOptions(side) {
  const { cluster } = side;
  const roles = { master: ['job master', 'master'], worker: ['job workers', 'workers'], s3Endpoint: ['S3 proxy'] };
  const services = [
    ...cluster.allMasterServiceNames.map((name) => [name, roles.master]),
    [cluster.serviceName('worker'), roles.worker],
    [cluster.serviceName('s3Endpoint'), roles.s3Endpoint],
  ];
  let serverJvms = 0;
  for (const [service, expected] of services) {
    for (const task of cluster.ecs.tasksOf(service)) {
      const found = [];
      for (const pid of task.pid === undefined ? [] : sessionMembers(task.pid)) {
        let args;
        try {
          args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        } catch {
          continue; // ended between listing and reading
        }
        const role = alluxioServerRole(args);
        if (!role) continue;
        const missing = side.jvmOptions.filter((option) => !args.includes(option));
        if (missing.length) throw new Error(`${side.name}: the ${role} of ${service} (pid ${pid}) runs without ${missing.join(' ')}`);
        found.push(role);
      }
      if (found.sort().join() !== expected.join())
        throw new Error(`${side.name}: a task of ${service} runs ${found.join(', ') || 'no Alluxio server'}, expected ${expected.join(', ')}`);
      serverJvms += found.length;
    }
  }
  const lines = await probe(side.client, ['jvm']);
  const clientArgs = lines.filter((line) => line.startsWith('arg ')).map((line) => line.slice(4));
  const missing = side.jvmOptions.filter((option) => !clientArgs.includes(option));
  if (missing.length) throw new Error(`${side.name}: the client JVM runs without ${missing.join(' ')}`);
  const clientCollectors = lines.filter((line) => line.startsWith('gc ')).map((line) => line.slice(3));
  console.log(
    `  ${side.name}: ${serverJvms} server JVMs and the client run with ${side.jvmOptions.join(' ') || 'no added JVM options'}; the client's collectors: ${clientCollectors.join(', ')}`,
  );
  return { serverJvms, clientCollectors };
}

/**
 * Runs the A/B and returns its figures (also printed). `options`: endpoint/bucket (an S3 server other
 * than the sandbox's) and linkDescription (what is between, for the output), fileMb, rounds, sides
 * (override the two sides' extraProperties, client lines and JVM options).
 */
export async function runTuningAB(options = {}) {
  const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
  const fileMb = options.fileMb ?? 256;
  const rounds = options.rounds ?? 3;
  const envLines = (name) => (process.env[name] ? process.env[name].split(';').filter(Boolean) : []);
  const envOptions = (name) => (process.env[name] ?? '').trim().split(/\s+/).filter(Boolean);
  const candidates = candidateProperties(options.only);
  const sideSpecs = options.sides ?? [
    {
      name: 'as-rendered',
      extraProperties: process.env.BENCH_TUNING_A ? JSON.parse(process.env.BENCH_TUNING_A) : {},
      clientLines: envLines('BENCH_TUNING_CLIENT_A'),
      jvmOptions: envOptions('BENCH_TUNING_JAVA_OPTS_A'),
    },
    {
      name: 'candidates',
      extraProperties: process.env.BENCH_TUNING_B ? JSON.parse(process.env.BENCH_TUNING_B) : candidates,
      clientLines: envLines('BENCH_TUNING_CLIENT_B'),
      jvmOptions: envOptions('BENCH_TUNING_JAVA_OPTS_B'),
    },
  ];
  const workDir = mkdtempSync(join(tmpdir(), 'bench-tuning-data-'));
  const sides = [];
  try {
    const over = options.linkDescription ?? options.endpoint ?? 'the S3 server on loopback';
    console.log(`## Candidate settings A/B (real Alluxio 2.9.6, 2 workers each, ${fileMb} MB files, medians of ${rounds}; load average beside each figure)`);
    console.log(`  started ${new Date().toISOString()}, over ${over}`);
    for (const spec of sideSpecs) {
      const client = spec.clientLines?.length ? `, client: ${spec.clientLines.join(', ')}` : '';
      const jvm = spec.jvmOptions?.length ? `, JVM options: ${spec.jvmOptions.join(' ')}` : '';
      console.log(`  ${spec.name}: extraProperties ${JSON.stringify(spec.extraProperties)}${client}${jvm}`);
    }
    // One deploy at a time: the machine has 2 cores, and a deploy's JVM starts compete with its health checks.
    for (const [index, spec] of sideSpecs.entries()) sides.push(await deploySide({ clientLines: [], jvmOptions: [], ...spec }, options, sandbox, index));
    const jvms = {};
    for (const side of sides) jvms[side.name] = await checkJvmOptions(side);
    const direct = createMinioS3Client(options.endpoint ? { ...sandbox.s3, endpoint: options.endpoint } : sandbox.s3, {
      connectTimeoutMs: 2000,
      requestTimeoutMs: 300_000,
    });

    // What the clients see: the client-scope keys' values and where they came from (CLUSTER_DEFAULT
    // means the master's site file reached the client without any client-side setting).
    const clientKeys = Object.keys(candidates).filter((key) => CANDIDATES[key].scope === 'CLIENT');
    const seen = {};
    for (const side of sides) {
      seen[side.name] = clientKeys.length ? await probe(side.client, ['conf', ...clientKeys]) : [];
      for (const line of seen[side.name]) console.log(`  ${side.name} client sees ${line}`);
    }

    const figures = Object.fromEntries(sides.map((side) => [side.name, { write: [], cold: [], warm: [], proxyWarm: [], load: [], bytesReadLocal: 0 }]));
    const directRuns = [];
    let bytesVerified = true;
    const files = [];
    for (let round = 0; round < rounds; round++) {
      const data = randomBytes(fileMb * 1024 * 1024);
      const local = join(workDir, `round-${round}.bin`);
      writeFileSync(local, data);
      files.push({ local, sha: sha256(data), bytes: data.length });
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const f = figures[side.name];
        const path = `/tuning/round-${round}.bin`;
        if (round === 0) await side.client.fs('mkdir', '/tuning');
        const [write] = timings(await probe(side.client, ['write', path, local]));
        f.write.push({ ...write, load: load() });
        await side.client.fs('free', path);
        const readLines = await probe(side.client, ['read', path, '4']);
        const reads = timings(readLines);
        f.bytesReadLocal += Number(readLines.find((line) => line.startsWith('local '))?.slice(6) ?? 0);
        f.cold.push({ ...reads[0], load: load() });
        f.warm.push({ bytes: reads[1].bytes, ms: median(reads.slice(1).map((r) => r.ms)), load: load() });
        if (reads.some((r) => r.bytes !== data.length)) bytesVerified = false;
        const [bytes, digest] = (await probe(side.client, ['digest', path]))[0].split(' ');
        if (Number(bytes) !== data.length || digest !== files[round].sha) {
          bytesVerified = false;
          console.log(`  ${side.name}: round ${round} read back ${bytes} bytes, sha-256 ${digest}, expected ${data.length} ${files[round].sha}`);
        }
        // The proxy serves /tuning/<key> as bucket "tuning"; warm after the reads above.
        const proxyRuns = [];
        for (let i = 0; i < 2; i++) proxyRuns.push(await timedGet(side.proxy, 'tuning', `round-${round}.bin`));
        if (proxyRuns.some((r) => r.sha !== files[round].sha)) bytesVerified = false;
        f.proxyWarm.push({ bytes: data.length, ms: median(proxyRuns.map((r) => r.ms)), load: load() });
        // The object the write put into the S3 server (CACHE_THROUGH: before the write returned).
        const inS3 = await timedGet(direct, side.minio.bucket, `${side.minio.directory}/tuning/round-${round}.bin`);
        if (inS3.sha !== files[round].sha) bytesVerified = false;
        directRuns.push({ ...inS3, load: load() });
      }
    }
    direct.destroy();

    const summary = (runs) => {
      const ms = median(runs.map((r) => r.ms));
      return { MBps: Number(mbps(runs[0].bytes, ms).toFixed(0)), loads: runs.map((r) => r.load) };
    };
    const result = { fileMb, rounds, link: over, sides: {}, directGet: summary(directRuns), bytesVerified, clientView: seen, jvms };
    for (const side of sides) {
      const f = figures[side.name];
      const raw = rawCacheRead(join(side.stateDir, 'ecs', 'tasks'));
      result.sides[side.name] = {
        extraProperties: side.extraProperties,
        clientLines: side.clientLines,
        jvmOptions: side.jvmOptions,
        write: summary(f.write),
        cold: summary(f.cold),
        warm: summary(f.warm),
        bytesReadLocal: f.bytesReadLocal,
        proxyWarm: summary(f.proxyWarm),
        rawDiskMBps: Number(mbps(raw.bytes, raw.ms).toFixed(0)),
      };
    }
    const [a, b] = sideSpecs.map((s) => result.sides[s.name]);
    // Each round's two runs of a measurement were taken one after the other: their ratio is the least
    // disturbed by the machine's changing load, so the rounds' ratios are printed and their median kept.
    const [fa, fb] = sideSpecs.map((spec) => figures[spec.name]);
    result.pairedRatios = {};
    for (const key of ['write', 'cold', 'warm', 'proxyWarm']) {
      const ratios = fa[key].map((run, i) => run.ms / fb[key][i].ms);
      result.pairedRatios[key] = { perRound: ratios.map((r) => Number(r.toFixed(2))), median: Number(median(ratios).toFixed(2)) };
    }
    const row = (label, key) =>
      console.log(
        `  ${label.padEnd(34)} ${String(a[key].MBps).padStart(6)} MB/s (load ${a[key].loads.join('/')})  ${String(b[key].MBps).padStart(6)} MB/s (load ${b[key].loads.join('/')})  ` +
          `x${result.pairedRatios[key].median} (rounds ${result.pairedRatios[key].perRound.join(', ')})`,
      );
    console.log(
      `  ${''.padEnd(34)} ${sideSpecs[0].name.padStart(26)}  ${sideSpecs[1].name.padStart(26)}  ${sideSpecs[1].name} / ${sideSpecs[0].name}, paired by round`,
    );
    row('write through Alluxio', 'write');
    row('cold read (freed; worker reads S3)', 'cold');
    row('warm read (worker cache)', 'warm');
    row('GET through the S3 proxy, warm', 'proxyWarm');
    console.log(`  ${'raw read of the cached block files'.padEnd(34)} ${String(a.rawDiskMBps).padStart(6)} MB/s  ${String(b.rawDiskMBps).padStart(6)} MB/s`);
    // Client.BytesReadLocal: the bytes a client read from a worker's block files itself, not over gRPC.
    const readLocal = (side) => `${(side.bytesReadLocal / 1e6).toFixed(0)} MB`.padStart(11);
    console.log(`  ${'short-circuit reads (all reads)'.padEnd(34)} ${readLocal(a)}       ${readLocal(b)}`);
    console.log(`  ${'direct GET from the S3 server'.padEnd(34)} ${result.directGet.MBps} MB/s (load ${result.directGet.loads.join('/')})`);
    console.log(
      `  warm / raw disk: ${(a.warm.MBps / a.rawDiskMBps).toFixed(2)} -> ${(b.warm.MBps / b.rawDiskMBps).toFixed(2)}; bytes verified (SHA-256 of every file read back, through the proxy and in the S3 server): ${bytesVerified}`,
    );
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', options.output ?? 'tuning.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    for (const side of sides) {
      side.proxy.destroy();
      await side.cluster.stop();
      rmSync(side.stateDir, { recursive: true, force: true });
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      link: { type: 'boolean' },
      endpoint: { type: 'string' },
      bucket: { type: 'string' },
      only: { type: 'string' },
      'file-mb': { type: 'string' },
      rounds: { type: 'string' },
      output: { type: 'string' },
    },
  });
  if (values.endpoint && !values.bucket) throw new Error('with --endpoint, also pass --bucket (an existing bucket the sandbox keys may write)');
  if (values.link && (values.endpoint || values.bucket))
    throw new Error("--link puts the sandbox's S3 server behind the link, with a bucket of its own: leave out --endpoint and --bucket");
  let link;
  try {
    let { endpoint, bucket } = values;
    if (values.link) {
      const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
      link = await startBenchLink(sandbox);
      endpoint = link.endpoint;
      bucket = `bench-tuning-${randomBytes(3).toString('hex')}`;
      const s3 = createMinioS3Client(sandbox.s3);
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
    }
    await runTuningAB({
      endpoint,
      bucket,
      linkDescription: link ? `the shaped link (${BENCH_LINK.rttMs} ms RTT, ${BENCH_LINK.bytesPerSecond / 1e6} MB/s)` : undefined,
      only: values.only?.split(','),
      fileMb: values['file-mb'] ? Number(values['file-mb']) : undefined,
      rounds: values.rounds ? Number(values.rounds) : undefined,
      output: values.output,
    });
  } finally {
    await link?.close();
  }
}
