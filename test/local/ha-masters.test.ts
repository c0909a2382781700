import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AlluxioMasters } from '../../lib';
import { answersAsLeader, leaderIndexes } from '../../lib/core/master-leader';
import { askMasters } from '../../lib/runtime/minio-checks';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { AlluxioClient, primaryMasterInfo } from '../../local/alluxio/alluxio-client';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { loadSandbox } from '../support/sandbox';
import { randomIdentity, startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

/*
 * Highly available masters deployed for real on this machine: the example's existing-MinIO stack with
 * AlluxioMasters.highlyAvailable(), three real 2.9.6 masters on the embedded journal (each its own
 * service at its own address, its journal in its own EFS stand-in directory) and two workers. The
 * faults are the ones a deployed cluster meets: a credential rotation restarts every master, the
 * primary's task dies (a lost host), and every master restarts at once. MinIO's stand-in is a private
 * versitygw with accounts of its own, so the rotation can move to a new key pair on the server.
 * `npm run bench` measures the failover time over several kills.
 */

let server: VersitygwWithIam;
let local: TestCluster;
let client: AlluxioClient;
let ssm: SSMClient;
const SAMPLE = randomBytes(4 * 1024 * 1024);
const bucket = `ha-masters-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await startVersitygwWithIam();
  await server.createBucket(bucket);
  const oldPair = await server.addUser(bucket, randomIdentity('old'));
  local = await deployTestCluster('ha-masters', {
    minio: { endpoint: server.endpoint, region: loadSandbox().s3.region, ...oldPair, bucket, directory: 'alluxio', createBucket: false },
    alluxio: { masters: AlluxioMasters.highlyAvailable() },
  });
  client = local.cluster.client();
  ssm = ssmClient(loadSandbox().aws);
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  ssm?.destroy();
  await local?.stop();
  await server?.stop();
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

  test('a credential rotation restarts the standbys first and the primary last, then the workers; the cluster serves on the new pair', async () => {
    const path = join(local.stateDir, 'ha-sample.bin');
    writeFileSync(path, SAMPLE);
    await client.fs('mkdir', '/ha');
    await client.fs('copyFromLocal', path, '/ha/sample.bin');
    const leader = local.cluster.masterHosts.indexOf((await primary()).host);
    const before = masterTasks().map((task) => task.id);
    const newPair = await server.addUser(bucket, randomIdentity('new'));
    await ssm.send(new PutParameterCommand({ Name: local.parameters.accessKey, Value: newPair.accessKeyId, Type: 'SecureString', Overwrite: true }));
    await ssm.send(new PutParameterCommand({ Name: local.parameters.secretKey, Value: newPair.secretAccessKey, Type: 'SecureString', Overwrite: true }));
    const result = await local.cluster.rotate(
      { source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name: local.parameters.accessKey, operation: 'Update' } },
      { PAIR_WAIT_SECONDS: '5' },
    );
    const standbys = [0, 1, 2].filter((i) => i !== leader).map((i) => `master-${i}`);
    expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({ outcome: 'rotated', restarted: [...standbys, `master-${leader}`, 'workers'] });
    // Every master task was replaced (each at a new address, found again by its name), and a primary serves the file the old pair wrote and writes with the new one.
    expect(masterTasks().filter((task) => before.includes(task.id))).toEqual([]);
    await eventually('a primary listing both workers after the rotation', 120_000, async () =>
      (await primary()).info.workers.length === 2 ? true : undefined,
    );
    const copy = join(local.stateDir, 'ha-rotated.copy');
    await client.fs('copyToLocal', '/ha/sample.bin', copy);
    expect(readFileSync(copy).equals(SAMPLE)).toBe(true);
    await client.fs('copyFromLocal', path, '/ha/after-rotation.bin');
    // CACHE_THROUGH acknowledged it once it was in MinIO, written with the new pair (the old one still works too).
    const s3 = createMinioS3Client({ endpoint: server.endpoint, region: loadSandbox().s3.region, ...server.root });
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'alluxio/ha/after-rotation.bin' }));
      expect(head.ContentLength).toBe(SAMPLE.length);
    } finally {
      s3.destroy();
    }
  }, 900_000);

  test('the primary killed: another master becomes primary without a deploy, with every file, and the workers register with it', async () => {
    const before = await primary();
    const task = masterTasks().find((t) => t.address === before.host)!;
    const others = masterTasks()
      .filter((t) => t.id !== task.id)
      .map((t) => t.address);
    // The killed master's service gets no replacement until a failover has happened (desired count 0
    // first, then the kill, before the scheduler's next step): only the two others can be primary,
    // so this passes only if they elect one of themselves, as after a lost host.
    local.cluster.ecs!.call('UpdateService', { service: task.service, desiredCount: 0 });
    const killedAt = Date.now();
    local.cluster.ecs!.killTask(task.id);
    await eventually(
      'the killed master stopped',
      30_000,
      async () => (local.cluster.ecs!.tasksOf(task.service, true).find((t) => t.id === task.id)?.status === 'STOPPED' ? true : undefined),
      100,
    );
    const after = await eventually('a primary again', 180_000, () => primary().catch(() => undefined), 250);
    console.log(
      `failover: ${after.host} primary ${Date.now() - killedAt} ms after ${before.host} was killed (load ${readFileSync('/proc/loadavg', 'utf8').trim()})`,
    );
    expect(others).toContain(after.host);
    expect(after.host).not.toBe(before.host);
    // The client finds the new primary itself (it knows every master), and the file is whole.
    const listing = await client.fs('ls', '/ha');
    expect(listing).toContain('/ha/sample.bin');
    const copy = join(local.stateDir, 'ha-sample.copy');
    await client.fs('copyToLocal', '/ha/sample.bin', copy);
    expect(readFileSync(copy).equals(SAMPLE)).toBe(true);
    await eventually('both workers registered with the new primary', 120_000, async () => ((await primary()).info.workers.length === 2 ? true : undefined));
    // Its service back at one task: ECS replaces the killed master at a NEW address, its Cloud Map name
    // follows, it rejoins the quorum by name, and the three again have exactly one primary.
    local.cluster.ecs!.call('UpdateService', { service: task.service, desiredCount: 1 });
    const replaced = await eventually(
      'the killed master replaced and healthy',
      240_000,
      async () => local.cluster.ecs!.tasksOf(task.service).find((t) => t.id !== task.id && t.health === 'HEALTHY'),
      1000,
    );
    expect(replaced.address).not.toBe(task.address);
    const index = masterServices().indexOf(task.service);
    expect(local.cluster.resolve(local.cluster.masterNames[index])).toBe(replaced.address);
    await eventually('exactly one primary among the three', 120_000, () => primary().catch(() => undefined));
    // Every master answers, one as primary and the others as standbys (they accept the web port's
    // connection and close it), the replacement included.
    await eventually(
      'one primary and two standbys, the replacement among them',
      120_000,
      async () => {
        const answers = await askMasters(
          local.cluster.masterHosts.map((host) => `${host}:19999`),
          2000,
        );
        return leaderIndexes(answers).length === 1 && answers.every((answer) => answersAsLeader(answer) || answer.errno === 'ECONNRESET') ? true : undefined;
      },
      1000,
    );
  }, 600_000);

  test('every master killed at once: the three restart on their journals and keep the namespace', async () => {
    const killed = masterTasks();
    for (const task of killed) local.cluster.ecs!.killTask(task.id);
    await eventually(
      'a primary again after the restart of all three',
      300_000,
      async () => {
        const restarted = masterTasks().filter((t) => !killed.some((k) => k.id === t.id) && t.health === 'HEALTHY');
        if (restarted.length !== 3) return undefined;
        return (await primary()).info.workers.length === 2 ? true : undefined;
      },
      1000,
    );
    expect(await client.fs('ls', '/ha')).toContain('/ha/sample.bin');
    // Each master started on its own journal, formatted once: no task formatted again.
    for (const service of masterServices()) {
      const logs = local.cluster.ecs!.tasksOf(service, true).map((t) => readFileSync(t.logFile, 'utf8'));
      expect(logs.filter((log) => /Formatting/i.test(log))).toHaveLength(1);
    }
  }, 600_000);
});
