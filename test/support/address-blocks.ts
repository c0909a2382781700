import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listening } from '../../local/network/ports';

/*
 * The 127.0.N blocks the real-cluster suites deploy on. npm test runs several suites at once, and a
 * cluster's master listens only a minute after its block was chosen, so a probe alone would let two
 * suites pick the same block; a block is claimed first (a folder made exclusively, naming the claiming
 * process) and released when its cluster stops. A claim whose process is gone is stale and taken over.
 */

const FIRST_BLOCK = 20;
const LAST_BLOCK = 249;
/** Where the claims are: one folder per claimed block under the run's temporary folder. */
export const CLAIMS_DIR = join(tmpdir(), 'alluxio-minio-address-blocks');

export interface AddressBlock {
  /** `127.0.N`: the cluster's hosts are `127.0.N.1` and up. */
  readonly block: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims block N, or answers false when a live process holds it. */
function claim(claims: string, n: number): boolean {
  const dir = join(claims, String(n));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number;
      try {
        holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        // Claimed a moment ago, its pid not written yet: held.
        return false;
      }
      if (alive(holder)) return false;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return false;
}

/**
 * A block no other running suite holds and where nothing answers on `probePorts` at the first
 * `hosts` addresses (a cluster left running by hand), claimed for this process until release().
 */
export async function claimAddressBlock(hosts = 1, probePorts: readonly number[] = [19998], claims = CLAIMS_DIR): Promise<AddressBlock> {
  mkdirSync(claims, { recursive: true });
  // Every block once, in random order: suites that start together rarely try the same one first.
  const blocks = Array.from({ length: LAST_BLOCK - FIRST_BLOCK + 1 }, (_, i) => FIRST_BLOCK + i);
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j], blocks[i]];
  }
  for (const n of blocks) {
    if (!claim(claims, n)) continue;
    const block = `127.0.${n}`;
    let taken = false;
    for (let i = 1; i <= hosts && !taken; i++) for (const port of probePorts) taken ||= await listening(`${block}.${i}`, port, 200);
    const release = () => rmSync(join(claims, String(n)), { recursive: true, force: true });
    if (!taken) return { block, release };
    release();
  }
  throw new Error(`no free 127.0.N address block from ${FIRST_BLOCK} to ${LAST_BLOCK} (claims in ${claims})`);
}
