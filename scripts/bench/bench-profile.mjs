// `npm run bench:profile`: where the time of bench:cache's unmet ratios goes (issue 19). One local
// cluster behind the same shaped link (20 ms RTT, 125 MB/s); for each transfer its rate and the CPU
// seconds every process spent meanwhile (scripts/bench/cpu.mjs): the client JVM, the workers, the
// master, the S3 proxy, the S3 server, the link's relay, and the machine's busy share of all its
// cores. Measured with bench:cache's client programs (TimedWrite, TimedRead): a direct PUT and GET over
// the link, then through Alluxio the first write of a new cluster (its servers' JIT still compiling)
// and the next one, with the rendered default write type, two cold reads, warm reads, a warm GET through
// the S3 proxy, and 4 readers on 4 cached files at once. With --jfr DIR, the workers record a flight
// recording of the write, and the run prints what share of their sampled Java time went to digests
// and from where. Every transfer's bytes are hashed and compared. Prints, never asserts; writes
// bench-results/profile.json.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alluxioServerRole, BENCH_LINK, mbps, sha256, startBenchLink, timedGet, timedPut, withSandbox } from './cluster.mjs';
import { CpuSampler } from './cpu.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { values: options } = parseArgs({ options: { jfr: { type: 'string' } } });

const FILE_BYTES = 256 * 1024 * 1024;
const CLIENTS = 4;
// Below Linux's ephemeral range, apart from bench:cache's proxy port.
const PROXY_PORT = 31996;

await withSandbox(main);

async function main(sandbox) {
  const { LocalCluster } = require('../../local/alluxio/local-cluster.js');
  const { createMinioS3Client } = require('../../lib/runtime/s3-client.js');
  const { CreateBucketCommand } = require('@aws-sdk/client-s3');

  const workDir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const stateDir = join(workDir, 'cluster');
  const id = randomBytes(3).toString('hex');
  const bucket = `bench-profile-${id}`;
  const roleOf = (commandLine, pid) => {
    if (pid === process.pid) return 'this script (link relay, S3 clients, sampler)';
    // Under load the kernel hands loopback packets to ksoftirqd: network work no process is charged for.
    if (commandLine.startsWith('[ksoftirqd')) return 'kernel softirq threads';
    if (commandLine.startsWith('[')) return 'other kernel threads';
    if (commandLine.includes('versitygw')) return 'S3 server';
    if (/TimedRead|TimedWrite/.test(commandLine)) return 'client JVM';
    if (!commandLine.includes(stateDir)) return undefined;
    return alluxioServerRole(commandLine);
  };
  const sampler = new CpuSampler(roleOf);
  const direct = createMinioS3Client(sandbox.s3, { connectTimeoutMs: 5000, requestTimeoutMs: 300_000 });
  const link = await startBenchLink(sandbox);
  const viaLink = createMinioS3Client({ ...sandbox.s3, endpoint: link.endpoint }, { connectTimeoutMs: 5000, requestTimeoutMs: 300_000 });
  const rows = [];
  // One row: the rate of a transfer (or of several, e.g. rounds) and where the machine's CPU went while
  // they ran; `windows` are their bytes and epoch-ms spans.
  const record = (what, windows) => {
    const bytes = windows.reduce((sum, w) => sum + w.bytes, 0);
    const ms = windows.reduce((sum, w) => sum + w.toMs - w.fromMs, 0);
    const spans = windows.map((w) => sampler.between(w.fromMs, w.toMs));
    const busySeconds = spans.reduce((sum, c) => sum + c.busySeconds, 0);
    const roles = {};
    for (const c of spans) for (const [role, seconds] of Object.entries(c.roles)) roles[role] = (roles[role] ?? 0) + seconds;
    const wallSeconds = spans.reduce((sum, c) => sum + c.wallSeconds, 0);
    const busyShare = wallSeconds > 0 ? busySeconds / (wallSeconds * cpus().length) : 0;
    const row = { what, MBps: mbps(bytes, ms), seconds: ms / 1000, busyShare, cpuSeconds: roles, cpuSecondsPerGB: busySeconds / (bytes / 1e9) };
    rows.push(row);
    const named = Object.entries(roles)
      .filter(([, seconds]) => seconds >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([role, seconds]) => `${role} ${seconds.toFixed(2)}`)
      .join(', ');
    console.log(
      `${what.padEnd(52)} ${row.MBps.toFixed(1).padStart(6)} MB/s  ${row.seconds.toFixed(2).padStart(6)} s  cores busy ${(busyShare * 100).toFixed(0).padStart(3)}%  CPU s/GB ${row.cpuSecondsPerGB.toFixed(1).padStart(5)}  CPU s: ${named}`,
    );
    return row;
  };
  const epoch = () => performance.timeOrigin + performance.now();
  let cluster;
  try {
    await direct.send(new CreateBucketCommand({ Bucket: bucket }));
    const files = Array.from({ length: CLIENTS }, (_, i) => {
      const data = randomBytes(FILE_BYTES);
      const local = join(workDir, `file-${i}.bin`);
      writeFileSync(local, data);
      return { local, sha: sha256(data), data };
    });
    console.log(
      `# bench:profile: ${FILE_BYTES / 2 ** 20} MiB files over a ${BENCH_LINK.rttMs} ms, ${BENCH_LINK.bytesPerSecond / 1e6} MB/s shaped link; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}); load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    );
    console.log('CPU s: seconds of CPU each process took during the transfer; "other": the machine\'s busy time none of them took\n');

    const putFrom = epoch();
    const put = await timedPut(viaLink, bucket, 'direct-put.bin', files[0].data);
    record('direct PUT over the link', [{ bytes: put.bytes, fromMs: putFrom, toMs: epoch() }]);
    if ((await timedGet(direct, bucket, 'direct-put.bin')).sha256 !== files[0].sha) throw new Error('the direct PUT stored other bytes');
    const getFrom = epoch();
    const get = await timedGet(viaLink, bucket, 'direct-put.bin');
    record('direct GET over the link', [{ bytes: get.bytes, fromMs: getFrom, toMs: epoch() }]);
    if (get.sha256 !== files[0].sha) throw new Error('the direct GET read other bytes');

    cluster = await LocalCluster.deploy({
      stateDir,
      addressBlock: '127.0.230',
      jarsDir: join(root, '.tools', 'alluxio-lib'),
      aws: sandbox.aws,
      minio: { ...sandbox.s3, endpoint: link.endpoint, bucket, directory: 'alluxio', createBucket: false },
      parameters: { accessKey: `/bench-profile-${id}/access-key`, secretKey: `/bench-profile-${id}/secret-key`, prefix: `/bench-profile-${id}/alluxio` },
      alluxio: {},
      s3Endpoint: { enabled: true, port: PROXY_PORT },
      healthCheckIntervalMs: 1000,
    });
    const writeType = (await cluster.masterInfo()).configuration['alluxio.user.file.writetype.default'];
    // bench:cache's own client programs (TimedWrite, TimedRead), each transfer placed on the wall clock by
    // the end time they print after it; every byte checked.
    const timedWrite = async (client, local, path, sha) => {
      const write = await client.timedWrite(local, path, 600_000);
      if ((await timedGet(direct, bucket, `alluxio${path}`)).sha256 !== sha)
        throw new Error(`the write of ${path} through Alluxio stored other bytes in the S3 server`);
      return [{ bytes: write.bytes, fromMs: write.endedMs - write.ms, toMs: write.endedMs }];
    };
    const timedReads = async (client, chosen, rounds) =>
      (
        await client.timedReadRounds(
          chosen.map((file) => file.path),
          rounds,
          600_000,
        )
      ).map((round) => {
        round.reads.forEach((read, i) => {
          if (read.bytes !== FILE_BYTES || read.sha256 !== chosen[i].sha)
            throw new Error(`${chosen[i].path} read back ${read.bytes} bytes with SHA-256 ${read.sha256}`);
        });
        return { bytes: round.reads.reduce((sum, read) => sum + read.bytes, 0), fromMs: round.endedMs - round.ms, toMs: round.endedMs };
      });
    const workerPids = () =>
      execFileSync('pgrep', ['-f', `alluxio.worker.AlluxioWorker`])
        .toString()
        .trim()
        .split('\n')
        .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir));

    const client = cluster.client('profile-client');
    files.forEach((file, i) => (file.path = `/profile/file-${i}.bin`));
    // The first write and reads of a new cluster, where the servers' JIT compiles those paths (bench:cache
    // measures in a new cluster); the rows after them are a cluster that has run a while.
    const first = { path: '/profile/first.bin', sha: files[CLIENTS - 1].sha };
    record(`write, the first in a new cluster (${writeType})`, await timedWrite(client, files[CLIENTS - 1].local, first.path, first.sha));
    await timedReads(client, [first], 2);

    if (options.jfr) {
      mkdirSync(options.jfr, { recursive: true });
      for (const pid of workerPids())
        execFileSync('jcmd', [pid, 'JFR.start', 'name=profile-write', 'settings=profile', `filename=${join(options.jfr, `worker-write-${pid}.jfr`)}`], {
          stdio: 'ignore',
        });
    }
    record(`write through Alluxio, the next (${writeType})`, await timedWrite(client, files[0].local, files[0].path, files[0].sha));
    if (options.jfr) for (const pid of workerPids()) execFileSync('jcmd', [pid, 'JFR.stop', 'name=profile-write'], { stdio: 'ignore' });

    // Cold twice, as with the writes: the first read from S3 in this cluster, then the next.
    await client.fs('free', files[0].path);
    record('cold read, the first in this cluster', await timedReads(client, [files[0]], 1));
    await client.fs('free', files[0].path);
    record('cold read through Alluxio, the next (worker reads S3)', await timedReads(client, [files[0]], 1));
    record('warm read through Alluxio (3 rounds)', await timedReads(client, [files[0]], 3));

    // Alluxio's S3 proxy serves the Alluxio directory /profile as bucket "profile", to the files' owner.
    const proxyUrl = new URL(Object.entries(cluster.outputs).find(([name]) => name.includes('S3EndpointUrl'))[1]);
    proxyUrl.hostname = cluster.ecs.tasksOf(cluster.serviceName('s3Endpoint'))[0].address;
    const proxy = createMinioS3Client(
      { endpoint: proxyUrl.toString().replace(/\/$/, ''), region: 'us-east-1', accessKeyId: userInfo().username, secretAccessKey: 'unused-by-alluxio' },
      { connectTimeoutMs: 5000, requestTimeoutMs: 300_000 },
    );
    try {
      await timedGet(proxy, 'profile', 'file-0.bin');
      const proxyFrom = epoch();
      const proxyGet = await timedGet(proxy, 'profile', 'file-0.bin');
      record('warm GET through the S3 proxy', [{ bytes: proxyGet.bytes, fromMs: proxyFrom, toMs: epoch() }]);
      if (proxyGet.sha256 !== files[0].sha) throw new Error('the GET through the S3 proxy read other bytes');
    } finally {
      proxy.destroy();
    }

    for (let i = 1; i < CLIENTS; i++) {
      await timedWrite(client, files[i].local, files[i].path, files[i].sha);
      await timedReads(client, [files[i]], 1);
    }
    record(`warm, ${CLIENTS} readers at once (one client JVM, 2 rounds)`, await timedReads(client, files, 2));

    const result = { link: BENCH_LINK, cores: cpus().length, writeType, rows, bytesVerified: true };
    if (options.jfr) result.workerWriteDigests = digestShare(options.jfr);
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'profile.json'), JSON.stringify(result, null, 2));
    console.log('\nbytes verified (SHA-256 of every file read back and of the objects in the S3 server); bench-results/profile.json written');
  } finally {
    sampler.stop();
    viaLink.destroy();
    direct.destroy();
    await cluster?.stop();
    await link.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The workers' write recordings: of their Java execution samples, the share in MessageDigest and the
 * first frames outside the JDK that called it (SigV4 chunk signing, the UFS stream's MD5, ...).
 */
function digestShare(dir) {
  let samples = 0;
  const callers = {};
  for (const file of readdirSync(dir).filter((name) => name.startsWith('worker-write-'))) {
    const json = JSON.parse(
      execFileSync('jfr', ['print', '--json', '--stack-depth', '64', '--events', 'jdk.ExecutionSample', join(dir, file)], { maxBuffer: 1 << 30 }).toString(),
    );
    for (const event of json.recording.events) {
      const frames = (event.values.stackTrace?.frames ?? []).map((frame) => `${frame.method.type.name}.${frame.method.name}`);
      if (frames.length === 0) continue;
      samples++;
      if (!frames.some((frame) => frame.startsWith('java/security/MessageDigest'))) continue;
      const caller = frames.find((frame) => !/^(java|sun|jdk)\//.test(frame)) ?? 'the JDK';
      callers[caller] = (callers[caller] ?? 0) + 1;
    }
  }
  console.log(`\nworkers' Java samples during the write: ${samples}; in MessageDigest, by caller:`);
  for (const [caller, count] of Object.entries(callers).sort((a, b) => b[1] - a[1]))
    console.log(`  ${((count / samples) * 100).toFixed(0).padStart(3)}%  ${caller}`);
  return { samples, callers };
}
