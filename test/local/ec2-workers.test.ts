import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioWorkers } from '../../lib';
import { cacheQuotaGiBPerDisk, nvmeInstanceStoreOf } from '../../lib/core/instance-store';
import { AlluxioClient } from '../../scripts/local/alluxio-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';

/*
 * The NVMe-worker topology deployed for real on this machine: the example's existing-MinIO stack with
 * AlluxioWorkers.ec2 on a two-disk type. There are no EC2 hosts here (the Auto Scaling group is a
 * placeholder, the boot script is tested in test/core/worker-cache-disks); every local task is a host
 * of its own, so each worker's host volumes (the disks' mount points) are its own directories. What
 * this proves is what the real Alluxio 2.9.6 worker makes of the rendered tier: one directory per disk,
 * each with its quota, blocks written into them.
 */

const TYPE = 'r5d.4xlarge';
const store = nvmeInstanceStoreOf(TYPE, 'test');
const QUOTA_BYTES = cacheQuotaGiBPerDisk(store, 90) * 2 ** 30;
let local: TestCluster;
let client: AlluxioClient;

beforeAll(async () => {
  local = await deployTestCluster('ec2-workers', { alluxio: { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType(TYPE), count: 2 }) } });
  client = local.cluster.client();
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  await local?.stop();
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
  }, 180_000);
});
