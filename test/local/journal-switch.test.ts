import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlluxioMasters, AlluxioOptions, JournalMigration } from '../../lib';
import { primaryMasterInfo } from '../../local/alluxio/alluxio-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';

/*
 * Moving a deployed cluster between one master (UFS journal) and highly available masters (embedded
 * journals) loses the namespace: Alluxio 2.9 carries nothing from one journal to the other. A pin is
 * kept in the journal only (MinIO holds the file, not its pin), so it shows whether a namespace
 * survived. Without JournalMigration the update fails in the render resource and rolls back, the
 * single master still serving the pinned file; with it the switch goes through, and the quorum finds
 * the file again in MinIO, unpinned.
 */

const SINGLE: AlluxioOptions = { workerCount: 1 };
const QUORUM: AlluxioOptions = { ...SINGLE, masters: AlluxioMasters.highlyAvailable() };
const FILE = '/pinned.bin';

let local: TestCluster;

beforeAll(async () => {
  local = await deployTestCluster('journal-switch', { alluxio: SINGLE });
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  await local?.stop();
}, 120_000);

const masterTask = () => local.cluster.ecs!.tasksOf(local.cluster.serviceName('master'));

test('single -> highly available without JournalMigration fails, names the prop and the fix, and the single master keeps serving its namespace', async () => {
  const client = local.cluster.client();
  const sample = join(local.stateDir, 'pinned.bin');
  writeFileSync(sample, randomBytes(256 * 1024));
  await client.fs('copyFromLocal', sample, FILE);
  await client.fs('pin', FILE);
  expect(await client.fs('stat', FILE)).toContain('pinned=true');
  const before = masterTask();

  await expect(local.cluster.redeploy(QUORUM)).rejects.toThrow(
    /alluxio\.masters: the cluster runs AlluxioMasters\.single\(\) \(UFS journal\) and this deploy asks for AlluxioMasters\.highlyAvailable\(\) \(embedded journal\).*Fix: deploy alluxio\.masters as it was; .*alluxio\.journalMigration: JournalMigration\.abandonNamespace\(\)/s,
  );

  // The render resource refused before any task definition changed: the same master task, same file.
  expect(masterTask().map((task) => task.id)).toEqual(before.map((task) => task.id));
  expect(local.cluster.masterServiceNames).toEqual([]);
  expect(await client.fs('stat', FILE)).toContain('pinned=true');
  expect((await client.timedReads(FILE))[0].bytes).toBe(256 * 1024);
}, 600_000);

test('with JournalMigration.abandonNamespace() the switch goes through: a quorum with a primary, the file loaded again from MinIO without its pin', async () => {
  await local.cluster.redeploy({ ...QUORUM, journalMigration: JournalMigration.abandonNamespace() });
  expect(local.cluster.masterServiceNames).toHaveLength(3);
  await eventually('one primary of the new quorum', 120_000, () => primaryMasterInfo(local.cluster.masterHosts, 2000), 1000);
  const client = local.cluster.client('after-switch');
  expect(await client.fs('stat', FILE)).toContain('pinned=false');
  expect((await client.timedReads(FILE))[0].bytes).toBe(256 * 1024);
}, 900_000);
