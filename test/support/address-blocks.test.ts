import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimAddressBlock } from './address-blocks';

/*
 * The claims that keep suites run side by side off each other's 127.0.N blocks, in a temporary
 * folder of their own: a block a live process holds is never handed out, nor one a dead process held
 * recently; an old claim is taken over.
 */

let claims: string;
const holder = spawn('sleep', ['60']);

beforeEach(() => {
  claims = mkdtempSync(join(tmpdir(), 'address-blocks-'));
});

afterEach(() => rmSync(claims, { recursive: true, force: true }));
afterAll(() => holder.kill());

function hold(n: number, pid: number): void {
  mkdirSync(join(claims, String(n)), { recursive: true });
  writeFileSync(join(claims, String(n), 'pid'), String(pid));
}

test('a block held by a live process is never handed out; release frees the claim', async () => {
  for (let n = 20; n <= 249; n++) if (n !== 137) hold(n, holder.pid!);
  const claimed = await claimAddressBlock(1, [19998], claims);
  expect(claimed.block).toBe('127.0.137');
  expect(readdirSync(claims)).toContain('137');
  await expect(claimAddressBlock(1, [19998], claims)).rejects.toThrow(/no free 127\.0\.N address block/);
  claimed.release();
  expect(existsSync(join(claims, '137'))).toBe(false);
});

test("a dead holder's claim is kept while it is recent (its cluster may still run), taken over once old", async () => {
  const dead = spawnSync('true').pid!;
  for (let n = 20; n <= 249; n++) hold(n, n === 42 ? dead : holder.pid!);
  await expect(claimAddressBlock(1, [19998], claims)).rejects.toThrow(/no free 127\.0\.N address block/);
  const fourHoursAgo = new Date(Date.now() - 4 * 60 * 60 * 1000);
  utimesSync(join(claims, '42'), fourHoursAgo, fourHoursAgo);
  const claimed = await claimAddressBlock(1, [19998], claims);
  expect(claimed.block).toBe('127.0.42');
  expect(readFileSync(join(claims, '42', 'pid'), 'utf8')).toBe(String(process.pid));
});

test('release gives back only a claim this process still holds, once', async () => {
  for (let n = 20; n <= 249; n++) if (n !== 99) hold(n, holder.pid!);
  const claimed = await claimAddressBlock(1, [19998], claims);
  // Another process's claim in its place (as after a takeover) is not removed.
  writeFileSync(join(claims, '99', 'pid'), String(holder.pid));
  claimed.release();
  expect(existsSync(join(claims, '99'))).toBe(true);
});
