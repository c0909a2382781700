import { createHash, randomBytes } from 'node:crypto';
import { AddressInfo, connect, createServer, Server } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { measureRoundTripMs, ShapedLink } from '../../local/network/shaped-link';
import { loadSandbox, uniqueBucketName } from '../support/sandbox';

/*
 * The shaped link (local/network/shaped-link.ts) against its reference: what a link of a set rate and
 * round-trip time would deliver, checked with the real S3 stand-in (versitygw, which verifies each
 * request's SigV4 payload hash) and, for exact byte counts, a TCP echo server of the test's own.
 * Modest rates, so a loaded machine's CPU is not what limits the transfers.
 */

const RATE = 16e6;
const RTT_MS = 20;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const sandbox = loadSandbox();
const bucket = uniqueBucketName('link');
let link: ShapedLink;
let direct: S3Client;
let viaLink: S3Client;

beforeAll(async () => {
  link = await ShapedLink.start({ targetPort: Number(new URL(sandbox.s3.endpoint).port), bytesPerSecond: RATE, rttMs: RTT_MS });
  direct = createMinioS3Client(sandbox.s3);
  viaLink = createMinioS3Client({ ...sandbox.s3, endpoint: link.endpoint }, { connectTimeoutMs: 5000, requestTimeoutMs: 60_000 });
  await direct.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  direct?.destroy();
  viaLink?.destroy();
  await link?.close();
});

/**
 * A GET through the link: its bytes' hash and size, the time from sending the request to the last byte
 * (`ms`), and the time from the first body byte to the last (`bodyMs`: the server's own latency, long
 * on a loaded machine, left out).
 */
async function timedGet(
  client: S3Client,
  key: string,
): Promise<{ hash: string; bytes: number; ms: number; bodyMs: number; startedAt: number; endedAt: number }> {
  const startedAt = performance.now();
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  let firstByteAt = 0;
  for await (const chunk of object.Body as AsyncIterable<Buffer>) {
    firstByteAt ||= performance.now();
    hash.update(chunk);
    bytes += chunk.length;
  }
  const endedAt = performance.now();
  return { hash: hash.digest('hex'), bytes, ms: endedAt - startedAt, bodyMs: endedAt - firstByteAt, startedAt, endedAt };
}

test('a 32 MB GET from versitygw comes within 8% of the set rate, never above, with the same bytes', async () => {
  const content = randomBytes(32 << 20);
  await direct.send(new PutObjectCommand({ Bucket: bucket, Key: 'get.bin', Body: content }));
  const before = link.counters();
  const got = await timedGet(viaLink, 'get.bin');
  expect(got.hash).toBe(sha256(content));
  // Never above the rate counting the whole request; within 8% of it while the body flows.
  expect(got.bytes / (got.ms / 1000)).toBeLessThanOrEqual(RATE);
  expect(got.bytes / (got.bodyMs / 1000)).toBeGreaterThan(0.92 * RATE);
  // The response's body and its headers crossed, nothing else.
  const down = link.counters().down - before.down;
  expect(down).toBeGreaterThan(content.length);
  expect(down).toBeLessThan(content.length + 4096);
}, 30_000);

test('a request through the link takes the set RTT more than the same request without it', async () => {
  // versitygw answers every request with "Connection: close", so each request opens a connection:
  // through the link that is two round trips (handshake, request), and none on loopback.
  const head = (client: S3Client) => () => client.send(new HeadBucketCommand({ Bucket: bucket }));
  const rttMs = await measureRoundTripMs(head(viaLink), head(direct), 2);
  // The server's own time varies from request to request on a loaded machine; the bounds allow for it.
  expect(rttMs).toBeGreaterThan(RTT_MS * 0.85);
  expect(rttMs).toBeLessThan(RTT_MS * 1.5);
}, 30_000);

test("a 16 MB PUT through the link passes versitygw's SigV4 payload hash and lands intact", async () => {
  const content = randomBytes(16 << 20);
  const before = link.counters();
  const t0 = performance.now();
  await viaLink.send(new PutObjectCommand({ Bucket: bucket, Key: 'put.bin', Body: content }));
  const rate = content.length / ((performance.now() - t0) / 1000);
  expect(rate).toBeLessThanOrEqual(RATE);
  const stored = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: 'put.bin' }));
  expect(sha256(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(sha256(content));
  const up = link.counters().up - before.up;
  expect(up).toBeGreaterThan(content.length);
  expect(up).toBeLessThan(content.length + 4096);
}, 30_000);

test('4 GETs at once share the link: together within 8% of its rate, never above, each a fair share', async () => {
  const contents = [0, 1, 2, 3].map(() => randomBytes(8 << 20));
  await Promise.all(contents.map((content, i) => direct.send(new PutObjectCommand({ Bucket: bucket, Key: `share-${i}.bin`, Body: content }))));
  const gets = await Promise.all(contents.map((_, i) => timedGet(viaLink, `share-${i}.bin`)));
  gets.forEach((got, i) => expect(got.hash).toBe(sha256(contents[i])));
  const wallMs = Math.max(...gets.map((g) => g.endedAt)) - Math.min(...gets.map((g) => g.startedAt));
  const aggregate = gets.reduce((sum, g) => sum + g.bytes, 0) / (wallMs / 1000);
  expect(aggregate).toBeLessThanOrEqual(RATE);
  expect(aggregate).toBeGreaterThan(0.92 * RATE);
  // Shared, not one after another: each took most of the wall time, as it would on a shared link.
  for (const got of gets) expect(got.ms).toBeGreaterThan(0.75 * wallMs);
}, 30_000);

describe('through a TCP echo server of its own', () => {
  let echo: Server;
  let echoLink: ShapedLink;
  let received = 0;

  beforeAll(async () => {
    echo = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        socket.write(chunk);
      });
      socket.on('end', () => socket.end());
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoLink = await ShapedLink.start({ targetPort: (echo.address() as AddressInfo).port, bytesPerSecond: RATE, rttMs: RTT_MS });
  });

  afterAll(async () => {
    await echoLink?.close();
    await new Promise((resolve) => echo?.close(resolve));
  });

  /** Sends `content` through the link and collects what comes back, until the echo's end of stream. */
  function roundTrip(content: Buffer, during?: (socket: ReturnType<typeof connect>) => void): Promise<{ back: Buffer; ms: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const parts: Buffer[] = [];
      const socket = connect({ host: '127.0.0.1', port: echoLink.port, allowHalfOpen: true });
      const bound = setTimeout(() => reject(new Error('no end of stream from the echo within 20 s')), 20_000);
      socket.on('data', (chunk: Buffer) => parts.push(chunk));
      socket.on('end', () => {
        clearTimeout(bound);
        socket.end();
        resolve({ back: Buffer.concat(parts), ms: performance.now() - t0 });
      });
      socket.on('error', reject);
      socket.end(content);
      during?.(socket);
    });
  }

  test('the counters equal the bytes sent each way, and every byte comes back in order', async () => {
    const content = randomBytes(6 << 20);
    const before = echoLink.counters();
    const receivedBefore = received;
    const { back } = await roundTrip(content);
    expect(sha256(back)).toBe(sha256(content));
    expect(received - receivedBefore).toBe(content.length);
    expect(echoLink.counters()).toEqual({ up: before.up + content.length, down: before.down + content.length });
  }, 30_000);

  test('a stall holds all traffic for its time, then the transfer resumes with its bytes intact', async () => {
    const content = randomBytes(8 << 20);
    const STALL_MS = 1500;
    const seen: number[] = [];
    const { back, ms } = await roundTrip(content, () => {
      setTimeout(() => {
        void echoLink.stall(STALL_MS).then((atStall) => {
          // Sampled inside the stall: nothing crossed either way.
          setTimeout(() => seen.push(echoLink.counters().up - atStall.up, echoLink.counters().down - atStall.down), STALL_MS - 100);
        });
      }, 150);
    });
    expect(seen).toEqual([0, 0]);
    expect(sha256(back)).toBe(sha256(content));
    // Up and down overlap on an echo: at least the content's time at the rate, plus the stall.
    expect(ms).toBeGreaterThanOrEqual((content.length / RATE) * 1000 + STALL_MS);
  }, 30_000);
});
