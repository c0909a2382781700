import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { clusterStatusOf, formatBytes } from '../lib/core/cluster-status';
import { DEFAULT_MINIO_REGION } from '../lib/core/site-properties';
import { createMinioS3Client } from '../lib/runtime/s3-client';
import { ResourceFailed } from './cloudformation/deployment';
import { LocalCluster, LocalClusterSettings } from './alluxio/local-cluster';
import { listening } from './network/ports';

/*
 * `npm start` / `npm stop`: this library's deploy flow on 127.0.0.1 (see README, Quick start).
 *
 *   node local/cli.js up [--endpoint URL --bucket NAME [--directory DIR] [--region R]]
 *   node local/cli.js down | status
 *
 * Without --endpoint the sandbox's S3 server stands in for MinIO (bucket datalake, directory alluxio);
 * with it, the keys come from MINIO_ACCESS_KEY and MINIO_SECRET_KEY and nothing is created on the server.
 */

const ROOT = join(__dirname, '..');
const SANDBOX_ENDPOINTS = join(ROOT, '.sandbox', 'endpoints.json');
const JARS = join(ROOT, '.tools', 'alluxio-lib');
// A second local deployment beside the first (the tests run one) sets these; the defaults are npm start's.
const STATE_DIR = process.env.LOCAL_STATE_DIR ?? join(ROOT, '.sandbox', 'local');
/** Where the alluxio addresses are written: the sandbox's endpoints.json unless told otherwise. */
const ENDPOINTS = process.env.LOCAL_ENDPOINTS_FILE ?? SANDBOX_ENDPOINTS;
/** The master takes <block>.1, the workers <block>.10 and up. */
const ADDRESS_BLOCK = process.env.LOCAL_ADDRESS_BLOCK ?? '127.0.0';
const AGENT_PORT = Number(process.env.LOCAL_ECS_PORT ?? 17072);
/** The team's key parameters are <root>/minio/access-key and secret-key; the construct writes under <root>/alluxio (default: its own prefix). */
const PARAMETER_ROOT = process.env.LOCAL_PARAMETER_ROOT;
const SAMPLE_MIB = 64;

const write = (line = '') => process.stdout.write(`${line}\n`);

interface Sandbox {
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  aws: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  alluxio?: unknown;
  [other: string]: unknown;
}

function loadSandbox(file = SANDBOX_ENDPOINTS): Sandbox {
  if (!existsSync(file)) throw new Error(`the sandbox is not up (${file} is missing): run npm start, which starts it`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

const parameterNames = () =>
  PARAMETER_ROOT === undefined
    ? { accessKey: '/team/minio/access-key', secretKey: '/team/minio/secret-key' }
    : { accessKey: `${PARAMETER_ROOT}/minio/access-key`, secretKey: `${PARAMETER_ROOT}/minio/secret-key`, prefix: `${PARAMETER_ROOT}/alluxio` };

function agentPid(): number | undefined {
  const file = join(STATE_DIR, 'agent.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent.js') ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function startAgent(sandbox: Sandbox): Promise<string> {
  const log = openSync(join(STATE_DIR, 'agent.log'), 'a');
  const { aws } = sandbox;
  const agent = spawn(
    process.execPath,
    [join(__dirname, 'ecs', 'agent.js'), STATE_DIR, String(AGENT_PORT), ADDRESS_BLOCK, JARS, aws.endpoint, aws.region, aws.accessKeyId, aws.secretAccessKey],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  closeSync(log);
  agent.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await listening('127.0.0.1', AGENT_PORT)) return `http://127.0.0.1:${AGENT_PORT}`;
    if (agent.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `the local ECS did not start on 127.0.0.1:${AGENT_PORT} (log: ${join(STATE_DIR, 'agent.log')}); set LOCAL_ECS_PORT to a free port if another program holds it`,
  );
}

function minioFromArguments(sandbox: Sandbox, values: Record<string, string | undefined>): LocalClusterSettings['minio'] & { standIn: boolean } {
  if (values.endpoint === undefined) {
    return { ...sandbox.s3, bucket: 'datalake', directory: 'alluxio', createBucket: true, standIn: true };
  }
  const accessKeyId = process.env.MINIO_ACCESS_KEY;
  const secretAccessKey = process.env.MINIO_SECRET_KEY;
  if (!values.bucket || !accessKeyId || !secretAccessKey) {
    throw new Error('with --endpoint, also pass --bucket and set MINIO_ACCESS_KEY and MINIO_SECRET_KEY (the keys your MinIO accepts)');
  }
  return {
    endpoint: values.endpoint,
    region: values.region ?? DEFAULT_MINIO_REGION,
    accessKeyId,
    secretAccessKey,
    bucket: values.bucket,
    directory: values.directory ?? '',
    createBucket: false,
    standIn: false,
  };
}

const rate = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;

async function up(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { endpoint: { type: 'string' }, bucket: { type: 'string' }, directory: { type: 'string' }, region: { type: 'string' } },
  });
  const sandbox = loadSandbox();
  if (agentPid() !== undefined) {
    write('The local deployment is already running; its report:');
    return status();
  }
  const minio = minioFromArguments(sandbox, values);
  rmSync(STATE_DIR, { recursive: true, force: true });
  // Private from the start (the local ECS writes its tasks under it): they hold the MinIO keys.
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const ecsEndpoint = await startAgent(sandbox);
  write(`Deploying the example app's stack AlluxioMinioExisting on this machine (local ECS ${ecsEndpoint}):`);
  write(
    `  MinIO: ${minio.endpoint}${minio.standIn ? ' (the sandbox S3 server, versitygw, standing in)' : ''}, bucket ${minio.bucket}, directory ${minio.directory || '(root)'}`,
  );
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.deploy({
      stateDir: STATE_DIR,
      addressBlock: ADDRESS_BLOCK,
      jarsDir: JARS,
      aws: sandbox.aws,
      minio,
      parameters: parameterNames(),
      ecsEndpoint,
      log: (line) => write(`  ${line}`),
    });
  } catch (error) {
    write();
    write(`The deploy failed${error instanceof ResourceFailed ? ` at ${error.logicalId}` : ''}:`);
    write(`  ${error instanceof ResourceFailed ? error.reason : error instanceof Error ? error.message : String(error)}`);
    await down(false);
    return 1;
  }
  const deploySeconds = (Date.now() - started) / 1000;
  const master = cluster.masterHost;
  const endpoints = existsSync(ENDPOINTS) ? loadSandbox(ENDPOINTS) : { ...sandbox };
  endpoints.alluxio = { masterWeb: `http://${master}:19999`, masterRpc: `${master}:19998` };
  writeFileSync(ENDPOINTS, JSON.stringify(endpoints, null, 2), { mode: 0o600 });

  // A file through Alluxio: written through to MinIO, then read cold (from MinIO) and warm (from a worker).
  const client = cluster.client();
  const sample = join(STATE_DIR, 'sample.bin');
  writeFileSync(sample, randomBytes(SAMPLE_MIB * 1024 * 1024));
  // A bucket kept from an earlier run may hold the sample already (Alluxio lists it through its metadata sync).
  if ((await client.run(['fs', 'test', '-d', '/hello'])).code !== 0) await client.fs('mkdir', '/hello');
  if ((await client.run(['fs', 'test', '-e', '/hello/sample.bin'])).code === 0) await client.fs('rm', '/hello/sample.bin');
  await client.fs('copyFromLocal', sample, '/hello/sample.bin');
  const key = `${minio.directory ? `${minio.directory}/` : ''}hello/sample.bin`;
  const s3 = createMinioS3Client(minio);
  const object = await s3.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: key }));
  s3.destroy();
  await client.fs('free', '/hello/sample.bin');
  const [cold, warm] = await client.timedReads('/hello/sample.bin', 2);
  writeFileSync(join(STATE_DIR, 'first-run.json'), JSON.stringify({ deploySeconds, cold, warm }));

  write();
  write(`Deployed in ${deploySeconds.toFixed(0)} s. Alluxio 2.9.6 is running on this machine:`);
  await report(cluster.masterHost, minio.endpoint);
  write(
    `  wrote /hello/sample.bin (${SAMPLE_MIB} MiB) through Alluxio: it is s3://${minio.bucket}/${key} in the bucket (${formatBytes(object.ContentLength ?? 0)})`,
  );
  write(
    `  read cold (from MinIO) ${cold.ms.toFixed(0)} ms (${rate(cold.bytes, cold.ms)}), warm (from a worker's cache) ${warm.ms.toFixed(0)} ms (${rate(warm.bytes, warm.ms)})`,
  );
  write();
  write('Try:');
  write(`  ${join(STATE_DIR, 'client', 'opt', 'alluxio', 'bin', 'alluxio')} fs ls /hello`);
  write(`  npx alluxio-minio status --cluster ${master}:19999`);
  write(
    `  AWS_ENDPOINT_URL=${sandbox.aws.endpoint} AWS_REGION=${sandbox.aws.region} AWS_ACCESS_KEY_ID=${sandbox.aws.accessKeyId} AWS_SECRET_ACCESS_KEY=${sandbox.aws.secretAccessKey} \\`,
  );
  write(`    npx alluxio-minio doctor --endpoint ${minio.endpoint} --bucket ${minio.bucket}${minio.directory ? ` --directory ${minio.directory}` : ''} \\`);
  write(`    --access-key-parameter ${parameterNames().accessKey} --secret-key-parameter ${parameterNames().secretKey} --alluxio-master ${master}:19999`);
  write('Stop with: npm stop');
  return 0;
}

async function report(master: string, endpoint: string): Promise<void> {
  const { masterInfo } = await import('./alluxio/alluxio-client');
  // Read as `alluxio-minio status --cluster` reads it: one reader of the master's document.
  const status = clusterStatusOf(await masterInfo(master));
  const tiers = Object.entries(status.tiers)
    .map(([alias, tier]) => `${alias} ${formatBytes(tier.capacityBytes)} (${formatBytes(tier.usedBytes)} used)`)
    .join(', ');
  write(`  master web   http://${master}:19999  (GET /api/v1/master/info)`);
  write(`  master RPC   ${master}:19998`);
  write(`  workers      ${status.liveWorkers.length} live (${status.liveWorkers.map((w) => w.host).join(', ')}), ${status.lostWorkers} lost; cache ${tiers}`);
  write(`  root mount   ${status.rootUfs} on ${endpoint}`);
}

async function status(): Promise<number> {
  const sandbox = existsSync(ENDPOINTS) ? loadSandbox(ENDPOINTS) : undefined;
  const alluxio = sandbox?.alluxio as { masterWeb?: string } | undefined;
  if (agentPid() === undefined || !alluxio?.masterWeb) {
    write('The local deployment is not running (npm start starts it).');
    return 1;
  }
  const master = new URL(alluxio.masterWeb).hostname;
  try {
    await report(master, sandbox!.s3.endpoint);
  } catch (error) {
    write(`  the master does not answer: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  return 0;
}

/** Stops the agent (it stops every task), kills any task it left behind, and removes the local state. */
async function down(say = true): Promise<number> {
  const pid = agentPid();
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && agentPid() !== undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const tasks = join(STATE_DIR, 'ecs', 'tasks');
  if (existsSync(tasks)) {
    // Each container's process group, by the pid the local ECS wrote beside its log.
    for (const task of readdirSync(tasks)) {
      for (const file of readdirSync(join(tasks, task)).filter((name) => name.endsWith('.pid'))) {
        try {
          process.kill(-Number(readFileSync(join(tasks, task, file), 'utf8')), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }
  rmSync(STATE_DIR, { recursive: true, force: true });
  if (existsSync(ENDPOINTS)) {
    const endpoints = loadSandbox(ENDPOINTS);
    delete endpoints.alluxio;
    writeFileSync(ENDPOINTS, JSON.stringify(endpoints, null, 2), { mode: 0o600 });
  }
  if (say) write(pid !== undefined ? 'Stopped the local deployment.' : 'The local deployment was not running.');
  return 0;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'up':
      return up(args);
    case 'down':
      return down();
    case 'status':
      return status();
    default:
      process.stderr.write('usage: node local/cli.js up [--endpoint URL --bucket NAME [--directory DIR] [--region R]] | down | status\n');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
