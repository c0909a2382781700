import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Size } from 'aws-cdk-lib';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { loadSandbox } from '../support/sandbox';
import { loopCounts, notOk, sha256 } from '../support/read-write-loop';
import { randomIdentity, S3Identity, startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

/*
 * Credential rotation end to end on a real cluster. MinIO's stand-in is a private versitygw with its
 * own accounts, so a key pair can be created and deleted on the server as a MinIO admin would. The
 * rotation function runs from its bundled code with its template environment; its ECS calls reach
 * the local ECS, which really restarts the master and the workers. An application's reads run
 * throughout (ReadLoop, Alluxio's own client) and are counted.
 */

let server: VersitygwWithIam;
let local: TestCluster;
let client: AlluxioClient;
let ssm: SSMClient;
let oldPair: S3Identity;
let newPair: S3Identity;
/** The file the loops read (its bytes' hash): written before any rotation. */
let before: { path: string; sha256: string };
const bucket = `rotation-${randomBytes(4).toString('hex')}`;

const changeEvent = (name: string) => ({ source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name, operation: 'Update' } });
// The rotation waits 60 s for the second half of a pair by default; both halves are written before it runs here.
const FAST = { PAIR_WAIT_SECONDS: '5' };

beforeAll(async () => {
  server = await startVersitygwWithIam();
  await server.createBucket(bucket);
  oldPair = await server.addUser(bucket, randomIdentity('old'));
  const { s3 } = loadSandbox();
  local = await deployTestCluster('rotation', {
    minio: { endpoint: server.endpoint, region: s3.region, ...oldPair, bucket, directory: 'alluxio', createBucket: false },
    alluxio: { cacheSize: Size.gibibytes(1), workerCount: 2 },
  });
  client = local.cluster.client();
  ssm = ssmClient(loadSandbox().aws);
  const sample = join(local.stateDir, 'before.bin');
  const bytes = randomBytes(2 * 1024 * 1024);
  writeFileSync(sample, bytes);
  await client.fs('copyFromLocal', sample, '/before.bin');
  before = { path: '/before.bin', sha256: sha256(bytes) };
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  ssm?.destroy();
  await local?.stop();
  await server?.stop();
}, 120_000);

async function putPair(pair: S3Identity): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: local.parameters.accessKey, Value: pair.accessKeyId, Type: 'SecureString', Overwrite: true }));
  await ssm.send(new PutParameterCommand({ Name: local.parameters.secretKey, Value: pair.secretAccessKey, Type: 'SecureString', Overwrite: true }));
}

const taskIds = (role: 'master' | 'worker') =>
  local.cluster
    .ecs!.tasksOf(local.cluster.serviceName(role))
    .map((task) => task.id)
    .sort();

test('a new pair: the rotation restarts the master and the workers, the old key is deleted on the server, and Alluxio still reads and writes MinIO', async () => {
  const tasksBefore = { master: taskIds('master'), worker: taskIds('worker') };
  const loop = await client.readWriteContinuously([before], '/loop-rotated');
  newPair = await server.addUser(bucket, randomIdentity('new'));
  await putPair(newPair);
  const result = await local.cluster.rotate(changeEvent(local.parameters.accessKey), FAST);
  const seen = await loop.stop();
  expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({ outcome: 'rotated', restarted: ['master', 'workers'] });
  // Every task was replaced: the new configuration reached processes that started after it was written.
  expect(taskIds('master')).not.toEqual(tasksBefore.master);
  expect(taskIds('worker').filter((id) => tasksBefore.worker.includes(id))).toEqual([]);

  // The replaced workers leave the master's list within the rendered lost-worker timeout (30 s; Alluxio's
  // own is 5 min), after which no client is sent to them and their blocks are no longer located there.
  await eventually(
    'the master lists only the replacement workers',
    60_000,
    async () => {
      const live = (await local.cluster.masterInfo()).workers.map((worker) => worker.address.host).sort();
      const current = local.cluster
        .ecs!.tasksOf(local.cluster.serviceName('worker'))
        .map((task) => task.address)
        .sort();
      return JSON.stringify(live) === JSON.stringify(current) ? true : undefined;
    },
    1000,
  );

  // The old key no longer works anywhere; whatever Alluxio does with MinIO now, it does with the new one.
  await server.removeUser(oldPair);
  const sample = join(local.stateDir, 'after.bin');
  writeFileSync(sample, randomBytes(1024 * 1024));
  await client.fs('copyFromLocal', sample, '/after.bin');
  await client.fs('free', '/before.bin');
  const [cold] = await client.timedReads('/before.bin');
  expect(cold.bytes).toBe(2 * 1024 * 1024);
  expect((await client.timedReads('/after.bin'))[0].bytes).toBe(1024 * 1024);
  // An application reading and writing throughout saw every read served with the bytes written (a
  // master restart pauses reads; Alluxio's client retries). A write in flight when its worker is
  // replaced fails (2.9's client does not move a block write to another worker, and its cached worker
  // list may still name the replaced one): such writes are reported, never acknowledged, never read.
  const counts = loopCounts(seen);
  expect(counts.readsOk).toBeGreaterThan(0);
  expect(counts.writesOk).toBeGreaterThan(0);
  expect({ wrongBytes: counts.wrongBytes, readsFailed: counts.readsFailed, failedReads: notOk(seen, 5, 'read') }).toEqual({
    wrongBytes: 0,
    readsFailed: 0,
    failedReads: [],
  });
  if (counts.writesFailed) console.log(`writes failed during the rotation: ${counts.writesFailed} of ${counts.writes}\n${notOk(seen, 5, 'write').join('\n')}`);
}, 600_000);

test('a bad pair in parameters the user owns is refused before anything restarts, the parameters stay as the user wrote them, and reads never fail', async () => {
  const tasksBefore = { master: taskIds('master'), worker: taskIds('worker') };
  const loop = await client.readWriteContinuously([before], '/loop-refused');
  const badSecret = `wrong-${randomBytes(8).toString('hex')}`;
  await putPair({ accessKeyId: newPair.accessKeyId, secretAccessKey: badSecret });
  const result = await local.cluster.rotate(changeEvent(local.parameters.secretKey), FAST);
  const seen = await loop.stop();
  expect({ outcome: result.outcome, code: result.code, restarted: result.restarted }).toEqual({ outcome: 'failed', code: 'PAIR_REJECTED', restarted: [] });
  expect(result.reason).toContain('the key parameters are yours and were left as they are');
  expect(result.reason).not.toContain(badSecret);
  expect({ master: taskIds('master'), worker: taskIds('worker') }).toEqual(tasksBefore);
  const counts = loopCounts(seen);
  expect(counts.readsOk).toBeGreaterThan(0);
  expect({ ...counts, notOk: notOk(seen) }).toMatchObject({ wrongBytes: 0, readsFailed: 0, writesFailed: 0, notOk: [] });
  // The function writes nothing into the user's parameters: the bad value is still the current one.
  const stored = await ssm.send(new GetParameterCommand({ Name: local.parameters.secretKey, WithDecryption: true }));
  expect(stored.Parameter?.Value).toBe(badSecret);
  // The cluster still runs the working pair. Once the user puts it back (as new versions), the next
  // reconcile finds the cluster running it and only records those versions as the last good ones.
  await putPair(newPair);
  const reconciled = await local.cluster.rotate({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, FAST);
  expect({ outcome: reconciled.outcome, restarted: reconciled.restarted }).toEqual({ outcome: 'label-moved', restarted: [] });
  expect({ master: taskIds('master'), worker: taskIds('worker') }).toEqual(tasksBefore);
  await client.fs('free', '/after.bin');
  expect((await client.timedReads('/after.bin'))[0].bytes).toBe(1024 * 1024);
}, 600_000);

test('a rotation while a deployment is rolling out defers: nothing is written or restarted until ECS is done', async () => {
  const third = await server.addUser(bucket, randomIdentity('third'));
  await putPair(third);
  const live = Object.entries(local.cluster.outputs).find(([name]) => name.includes('SitePropertiesConfigurationName'))![1];
  const versionBefore = (await ssm.send(new GetParameterCommand({ Name: live }))).Parameter?.Version;
  // A deployment of the workers is in progress (as during `cdk deploy`): the rotation must not race it.
  const workers = local.cluster.serviceName('worker');
  local.cluster.ecs!.call('UpdateService', { service: workers, forceNewDeployment: true });
  const result = await local.cluster.rotate(changeEvent(local.parameters.accessKey), FAST);
  expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({ outcome: 'deferred', restarted: [] });
  expect(result.reason).toMatch(/deployment/);
  expect((await ssm.send(new GetParameterCommand({ Name: live }))).Parameter?.Version).toBe(versionBefore);
  // Once the deployment is done, the next run rotates.
  await eventually(
    'the workers deployment completes',
    180_000,
    async () => {
      const { services } = local.cluster.ecs!.call('DescribeServices', { services: [workers] }) as {
        services: Array<{ deployments: Array<{ rolloutState: string }> }>;
      };
      return services[0].deployments.length === 1 && services[0].deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    1000,
  );
  const next = await local.cluster.rotate({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, FAST);
  expect(next.outcome).toBe('rotated');
}, 600_000);
