import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { LinkCounters, ShapedLink } from '../../local/network/shaped-link';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, TestCluster } from '../support/local-cluster';
import { loadSandbox, uniqueBucketName } from '../support/sandbox';

/*
 * The two traps of a remote MinIO (issue 19), on a real Alluxio 2.9.6 cluster whose S3 server sits
 * behind the shaped link (local/network/shaped-link.ts, checked by shaped-link.test.ts): a write through
 * Alluxio must reach the bucket intact over the link, and the UFS's S3 client (its socket timeout and
 * retries, as rendered) must carry a read and a write through a 2-second stall of the link. A slow link
 * (8 MB/s) and 16 MiB files, so a transfer lasts long enough to stall it halfway, and costs little.
 */

const RATE = 8e6;
const RTT_MS = 20;
const STALL_MS = 2000;
const FILE_BYTES = 16 << 20;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const sandbox = loadSandbox();
let link: ShapedLink;
let local: TestCluster;
let client: AlluxioClient;
let direct: S3Client;

beforeAll(async () => {
  link = await ShapedLink.start({ targetPort: Number(new URL(sandbox.s3.endpoint).port), bytesPerSecond: RATE, rttMs: RTT_MS });
  local = await deployTestCluster('traps', {
    minio: { ...sandbox.s3, endpoint: link.endpoint, bucket: uniqueBucketName('traps'), directory: 'alluxio', createBucket: true },
    alluxio: { workerCount: 1 },
  });
  client = local.cluster.client('traps-client');
  direct = createMinioS3Client(sandbox.s3);
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  direct?.destroy();
  await local?.stop();
  await link?.close();
}, 120_000);

/** The object behind an Alluxio path, read straight from versitygw (not over the link): its hash. */
async function storedHash(alluxioPath: string): Promise<string> {
  const object = await direct.send(new GetObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}${alluxioPath}` }));
  return sha256(Buffer.from(await object.Body!.transformToByteArray()));
}

/**
 * Stalls the link for STALL_MS once `minBytes` more have crossed it in `direction` (the transfer is
 * under way), polling every 20 ms; resolves with the counters at the stall's end, or undefined if
 * `done` came first.
 */
function stallMidTransfer(direction: keyof LinkCounters, minBytes: number, done: Promise<unknown>): Promise<LinkCounters | undefined> {
  const start = link.counters()[direction];
  let finished = false;
  void done.finally(() => (finished = true));
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (finished) {
        clearInterval(poll);
        resolve(undefined);
      } else if (link.counters()[direction] - start >= minBytes) {
        clearInterval(poll);
        void link.stall(STALL_MS).then(() => setTimeout(() => resolve(link.counters()), STALL_MS));
      }
    }, 20);
  });
}

test('a write through Alluxio (the rendered default write type) succeeds over the link, and its bytes are in the bucket', async () => {
  const content = randomBytes(FILE_BYTES);
  const file = join(local.stateDir, 'write.bin');
  writeFileSync(file, content);
  const before = link.counters();
  await client.timedWrite(file, '/traps/written.bin');
  // It crossed the link (the UFS is only reachable through it) and landed intact.
  expect(link.counters().up - before.up).toBeGreaterThanOrEqual(content.length);
  expect(await storedHash('/traps/written.bin')).toBe(sha256(content));
  const [read] = await client.timedReads('/traps/written.bin');
  expect(read.sha256).toBe(sha256(content));
}, 180_000);

test('a cold read through Alluxio spanning a 2-second stall of the link completes with the right bytes', async () => {
  const content = randomBytes(FILE_BYTES);
  await direct.send(new PutObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}/traps/stall-read.bin`, Body: content }));
  const reading = client.timedReads('/traps/stall-read.bin', 1, 120_000);
  const afterStall = await stallMidTransfer('down', 2 << 20, reading);
  const [read] = await reading;
  // The stall came mid-transfer: the read was still moving bytes over the link after it.
  expect(afterStall).toBeDefined();
  expect(link.counters().down).toBeGreaterThan(afterStall!.down);
  expect(read.bytes).toBe(content.length);
  expect(read.sha256).toBe(sha256(content));
}, 180_000);

test('a write through Alluxio spanning a 2-second stall of the link completes, and the bucket holds its bytes', async () => {
  const content = randomBytes(FILE_BYTES);
  const file = join(local.stateDir, 'stall-write.bin');
  writeFileSync(file, content);
  const writing = client.timedWrite(file, '/traps/stall-written.bin', 120_000);
  const afterStall = await stallMidTransfer('up', 2 << 20, writing);
  await writing;
  expect(afterStall).toBeDefined();
  expect(link.counters().up).toBeGreaterThan(afterStall!.up);
  expect(await storedHash('/traps/stall-written.bin')).toBe(sha256(content));
}, 180_000);
