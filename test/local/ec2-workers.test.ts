import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioWorkers } from '../../lib';
import { cacheQuotaGiBPerDisk, nvmeInstanceStoreOf } from '../../lib/core/instance-store';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { loadSandbox } from '../support/sandbox';
import { randomIdentity, startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

/*
 * The NVMe-worker topology deployed for real on this machine: the example's existing-MinIO stack with
 * AlluxioWorkers.ec2 on a two-disk type. There are no EC2 hosts here (the Auto Scaling group is a
 * placeholder, the boot script is tested in test/core/worker-cache-disks); every local task is a host
 * of its own, so each worker's host volumes (the disks' mount points) are its own directories. What
 * this proves is what the real Alluxio 2.9.6 worker makes of the rendered tier: one directory per disk,
 * each with its quota, blocks written into them, and what a credential rotation does to them: MinIO's
 * stand-in is a private versitygw with accounts of its own, so the rotation can move to a new pair.
 */

const TYPE = 'r5d.4xlarge';
const store = nvmeInstanceStoreOf(TYPE, 'test');
const QUOTA_BYTES = cacheQuotaGiBPerDisk(store, 90) * 2 ** 30;
let server: VersitygwWithIam;
let local: TestCluster;
let client: AlluxioClient;
const bucket = `ec2-workers-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await startVersitygwWithIam();
  await server.createBucket(bucket);
  const oldPair = await server.addUser(bucket, randomIdentity('old'));
  local = await deployTestCluster('ec2-workers', {
    minio: { endpoint: server.endpoint, region: loadSandbox().s3.region, ...oldPair, bucket, directory: 'alluxio', createBucket: false },
    alluxio: { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType(TYPE), count: 2 }) },
  });
  client = local.cluster.client();
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  await local?.stop();
  await server?.stop();
}, 120_000);

describe('workers on instance-store disks', () => {
  test(`each of the two workers registers one tier of ${store.disks} disks x 90% (${store.disks} x ${QUOTA_BYTES} bytes)`, async () => {
    const info = await eventually('both workers registered', 90_000, async () => {
      const master = await local.cluster.masterInfo();
      return master.workers.length === 2 ? master : undefined;
    });
    expect(info.workers.map((w) => w.capacityBytesOnTiers)).toEqual([{ SSD: store.disks * QUOTA_BYTES }, { SSD: store.disks * QUOTA_BYTES }]);
    expect(info.tierCapacity.SSD.total).toBe(2 * store.disks * QUOTA_BYTES);
  });

  test("a file read through Alluxio is cached in the workers' disk directories, not elsewhere", async () => {
    const path = join(local.stateDir, 'ec2-sample.bin');
    writeFileSync(path, randomBytes(8 * 1024 * 1024));
    await client.fs('copyFromLocal', path, '/ec2-sample.bin');
    await client.fs('cat', '/ec2-sample.bin');
    const volumes = join(local.stateDir, 'ecs', 'volumes');
    const hostDirs = readdirSync(volumes).filter((name) => name.startsWith('host-'));
    // Two workers, each with one directory per disk.
    expect(hostDirs).toHaveLength(2 * store.disks);
    const bytesUnder = (dir: string): number => {
      let total = 0;
      const walk = (p: string) => {
        for (const entry of readdirSync(p, { withFileTypes: true })) {
          const full = join(p, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (entry.isFile()) total += statSync(full).size;
        }
      };
      if (existsSync(dir)) walk(dir);
      return total;
    };
    const cached = hostDirs.reduce((sum, dir) => sum + bytesUnder(join(volumes, dir)), 0);
    expect(cached).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    // Not elsewhere: no block file (Alluxio names them by block id) anywhere in the worker containers'
    // own filesystems, such as the image's default tier under /opt/alluxio or a MEM tier's folder. The
    // walk does not follow the symlinks that stand in for the mounted disks (or lib/, the jars).
    const blockFilesUnder = (dir: string): string[] => {
      const found: string[] = [];
      const walk = (p: string) => {
        for (const entry of readdirSync(p, { withFileTypes: true })) {
          const full = join(p, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (entry.isFile() && /^\d+$/.test(entry.name)) found.push(full);
        }
      };
      if (existsSync(dir)) walk(dir);
      return found;
    };
    const workerRoots = local.cluster.ecs!.tasksOf(local.cluster.serviceName('worker')).map((task) => join(dirname(task.logFile), 'root'));
    expect(workerRoots).toHaveLength(2);
    expect(workerRoots.flatMap(blockFilesUnder)).toEqual([]);
    // ...while the disks do hold block files (the check above can find them).
    expect(hostDirs.flatMap((dir) => blockFilesUnder(join(volumes, dir))).length).toBeGreaterThan(0);
  }, 180_000);

  test('a credential rotation restarts the master and the EC2 workers, which register their disk tiers again and read on the new pair', async () => {
    const workerService = local.cluster.serviceName('worker');
    const before = local.cluster.ecs!.tasksOf(workerService).map((task) => task.id);
    const newPair = await server.addUser(bucket, randomIdentity('new'));
    const ssm = ssmClient(loadSandbox().aws);
    try {
      await ssm.send(new PutParameterCommand({ Name: local.parameters.accessKey, Value: newPair.accessKeyId, Type: 'SecureString', Overwrite: true }));
      await ssm.send(new PutParameterCommand({ Name: local.parameters.secretKey, Value: newPair.secretAccessKey, Type: 'SecureString', Overwrite: true }));
    } finally {
      ssm.destroy();
    }
    const result = await local.cluster.rotate(
      { source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name: local.parameters.accessKey, operation: 'Update' } },
      { PAIR_WAIT_SECONDS: '5' },
    );
    expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({ outcome: 'rotated', restarted: ['master', 'workers'] });
    expect(local.cluster.ecs!.tasksOf(workerService).filter((task) => before.includes(task.id))).toEqual([]);
    await eventually(
      'both replacement workers registered with their disk tiers',
      120_000,
      async () => {
        const live = (await local.cluster.masterInfo()).workers;
        const current = local.cluster
          .ecs!.tasksOf(workerService)
          .map((task) => task.address)
          .sort();
        return JSON.stringify(live.map((w) => w.address.host).sort()) === JSON.stringify(current) &&
          live.every((w) => w.capacityBytesOnTiers.SSD === store.disks * QUOTA_BYTES)
          ? true
          : undefined;
      },
      1000,
    );
    const copy = join(local.stateDir, 'ec2-rotated.copy');
    await client.fs('copyToLocal', '/ec2-sample.bin', copy);
    expect(statSync(copy).size).toBe(8 * 1024 * 1024);
  }, 900_000);
});
