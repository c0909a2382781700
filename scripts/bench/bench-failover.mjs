// The highly available masters' figure: how long after the primary's task dies another master serves
// as primary (its web API answers MasterInfo), and how long until a client's `fs ls` through it
// succeeds, over several kills of whichever master leads. One real cluster (three 2.9.6 masters on
// the embedded journal, one worker) deployed from the example stack with AlluxioMasters.highlyAvailable().
// Prints, never asserts. Called by scripts/bench/bench.mjs; also runs alone (after npm run build, with the
// sandbox up): node scripts/bench/bench-failover.mjs
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
const { LocalCluster } = require('../../local/alluxio/local-cluster.js');
const { primaryMasterInfo } = require('../../local/alluxio/alluxio-client.js');
const lib = require('../../lib');

const KILLS = 5;
const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));

async function until(what, timeoutMs, probe, pauseMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

const stateDir = mkdtempSync(join(tmpdir(), 'bench-failover-'));
const block = `127.0.${220 + Math.floor(Math.random() * 30)}`;
const id = randomBytes(3).toString('hex');
let cluster;
try {
  cluster = await LocalCluster.deploy({
    stateDir,
    addressBlock: block,
    jarsDir: join(root, '.tools', 'alluxio-lib'),
    aws: sandbox.aws,
    minio: { ...sandbox.s3, bucket: `bench-ha-${id}`, directory: 'alluxio', createBucket: true },
    parameters: { accessKey: `/bench-ha-${id}/access-key`, secretKey: `/bench-ha-${id}/secret-key`, prefix: `/bench-ha-${id}/alluxio` },
    alluxio: { workerCount: 1, masters: lib.AlluxioMasters.highlyAvailable({ count: 3 }) },
    healthCheckIntervalMs: 1000,
  });
  // Resolved at each use: a replaced master is at a new address, found by its Cloud Map name.
  const hosts = () => cluster.masterHosts;
  const client = cluster.client('bench-client');
  const tasks = () => cluster.masterServiceNames.flatMap((service) => cluster.ecs.tasksOf(service).map((task) => ({ ...task, service })));
  const toPrimary = [];
  const toListing = [];
  for (let kill = 0; kill < KILLS; kill++) {
    // Each round starts from three healthy masters, so every kill leaves a majority of two.
    await until('three healthy masters', 300_000, async () => (tasks().filter((t) => t.health === 'HEALTHY').length === 3 ? true : undefined), 1000);
    const before = await until('a primary', 120_000, () => primaryMasterInfo(hosts(), 2000));
    const victim = tasks().find((task) => task.address === before.host);
    // No replacement until the failover is measured (as ha-masters.test.ts): only another master can win.
    cluster.ecs.call('UpdateService', { service: victim.service, desiredCount: 0 });
    const killedAt = Date.now();
    cluster.ecs.killTask(victim.id);
    await until(
      'the killed master stopped',
      30_000,
      async () => (cluster.ecs.tasksOf(victim.service, true).find((t) => t.id === victim.id)?.status === 'STOPPED' ? true : undefined),
      100,
    );
    const after = await until('a primary again', 180_000, () => primaryMasterInfo(hosts(), 1000));
    toPrimary.push(Date.now() - killedAt);
    await until('a listing through the new primary', 120_000, async () => ((await client.run(['fs', 'ls', '/'], 30_000)).code === 0 ? true : undefined), 100);
    toListing.push(Date.now() - killedAt);
    cluster.ecs.call('UpdateService', { service: victim.service, desiredCount: 1 });
    console.error(`kill ${kill + 1}: ${before.host} -> ${after.host} primary after ${toPrimary.at(-1)} ms, listing after ${toListing.at(-1)} ms`);
  }
  console.log(`## Master failover (3 masters on the embedded journal, ${KILLS} kills of the primary, medians)`);
  console.log(`new primary serving MasterInfo: ${median(toPrimary)} ms (runs: ${toPrimary.join(', ')} ms)`);
  console.log(`client listing through it:      ${median(toListing)} ms (runs: ${toListing.join(', ')} ms)`);
} finally {
  await cluster?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
