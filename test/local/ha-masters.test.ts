import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlluxioMasters } from '../../lib';
import { AlluxioClient, primaryMasterInfo } from '../../scripts/local/alluxio-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';

/*
 * Highly available masters deployed for real on this machine: the example's existing-MinIO stack with
 * AlluxioMasters.highlyAvailable(), three real 2.9.6 masters on the embedded journal (each its own
 * service at its own address, its journal in its own EFS stand-in directory) and two workers. The
 * faults are the ones a deployed cluster meets: the primary's task dies (a lost host), and every
 * master restarts at once. `npm run bench` measures the failover time over several kills.
 */

let local: TestCluster;
let client: AlluxioClient;
const SAMPLE = randomBytes(4 * 1024 * 1024);

beforeAll(async () => {
  local = await deployTestCluster('ha-masters', { alluxio: { masters: AlluxioMasters.highlyAvailable() } });
  client = local.cluster.client();
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  await local?.stop();
}, 120_000);

const masterServices = () => local.cluster.masterServiceNames;
const masterTasks = () => masterServices().flatMap((service) => local.cluster.ecs!.tasksOf(service).map((task) => ({ ...task, service })));
const primary = () => primaryMasterInfo(local.cluster.masterHosts, 2000);

describe('three masters on the embedded journal', () => {
  test('three master services, one task each at its own address; exactly one primary, which lists both workers', async () => {
    expect(masterServices()).toHaveLength(3);
    expect(new Set(local.cluster.masterHosts).size).toBe(3);
    const { info } = await eventually('one primary listing both workers', 90_000, async () => {
      const found = await primary();
      return found.info.workers.length === 2 ? found : undefined;
    });
    expect(info.configuration['alluxio.master.journal.type']).toBe('EMBEDDED');
    expect(masterTasks().map((task) => task.health)).toEqual(['HEALTHY', 'HEALTHY', 'HEALTHY']);
  });

  test('the primary killed: another master is primary, with every file, and the workers register with it', async () => {
    const path = join(local.stateDir, 'ha-sample.bin');
    writeFileSync(path, SAMPLE);
    await client.fs('mkdir', '/ha');
    await client.fs('copyFromLocal', path, '/ha/sample.bin');
    const before = await primary();
    const task = masterTasks().find((t) => t.address === before.host)!;
    const killedAt = Date.now();
    local.cluster.ecs!.killTask(task.id);
    const after = await eventually('a new primary', 120_000, async () => {
      const found = await primary().catch(() => undefined);
      return found && found.host !== before.host ? found : undefined;
    }, 250);
    console.log(`failover: ${after.host} primary ${Date.now() - killedAt} ms after ${before.host} was killed`);
    // The client finds the new primary itself (it knows every master), and the file is whole.
    const listing = await client.fs('ls', '/ha');
    expect(listing).toContain('/ha/sample.bin');
    const copy = join(local.stateDir, 'ha-sample.copy');
    await client.fs('copyToLocal', '/ha/sample.bin', copy);
    expect(readFileSync(copy).equals(SAMPLE)).toBe(true);
    await eventually('both workers registered with the new primary', 120_000, async () => ((await primary()).info.workers.length === 2 ? true : undefined));
    // ECS replaces the killed master; it rejoins as a standby at its own address.
    await eventually('the killed master replaced and healthy', 240_000, async () => {
      const replaced = local.cluster.ecs!.tasksOf(task.service).find((t) => t.id !== task.id && t.health === 'HEALTHY');
      return replaced ? true : undefined;
    }, 1000);
    expect(local.cluster.ecs!.tasksOf(task.service)[0].address).toBe(task.address);
    expect((await primary()).host).toBe(after.host);
  }, 600_000);

  test('every master killed at once: the three restart on their journals and keep the namespace', async () => {
    const killed = masterTasks();
    for (const task of killed) local.cluster.ecs!.killTask(task.id);
    await eventually('a primary again after the restart of all three', 300_000, async () => {
      const restarted = masterTasks().filter((t) => !killed.some((k) => k.id === t.id) && t.health === 'HEALTHY');
      if (restarted.length !== 3) return undefined;
      return (await primary()).info.workers.length === 2 ? true : undefined;
    }, 1000);
    expect(await client.fs('ls', '/ha')).toContain('/ha/sample.bin');
    // Each master started on its own journal, formatted once: no task formatted again.
    for (const service of masterServices()) {
      const logs = local.cluster.ecs!.tasksOf(service, true).map((t) => readFileSync(t.logFile, 'utf8'));
      expect(logs.filter((log) => /Formatting/i.test(log))).toHaveLength(1);
    }
  }, 600_000);
});
