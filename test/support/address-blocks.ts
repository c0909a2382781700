import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listening } from '../../local/network/ports';

/*
 * The 127.0.N blocks the real-cluster suites deploy on. npm test runs several suites at once, and a
 * cluster's master listens only a minute after its block was chosen, so a probe alone would let two
 * suites pick the same block; a block is claimed first (a folder made exclusively, naming the claiming
 * process) and released when its cluster stops.
 *
 * A claim whose process is gone is not reused at once: a jest worker killed at its time bound leaves
 * its cluster's processes running on the block until npm test ends (scripts/test.sh kills them then).
 * Only a claim older than STALE_AFTER_MS, from an earlier run, is taken over, by a rename that one
 * claimant alone can win.
 */

const FIRST_BLOCK = 20;
const LAST_BLOCK = 249;
const STALE_AFTER_MS = 3 * 60 * 60 * 1000;
/** Where the claims are: one folder per claimed block under the run's temporary folder. */
export const CLAIMS_DIR = join(tmpdir(), 'alluxio-minio-address-blocks');

export interface AddressBlock {
  /** `127.0.N`: the cluster's hosts are `127.0.N.1` and up. */
  readonly block: string;
  /** Gives the block back (once; a claim another process holds by then is left alone). */
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

/** The process that holds a claim, or undefined while the claim is being written. */
function holderOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Claims block N for this process, or answers false when it is held (or was, too recently). */
function claim(claims: string, n: number): boolean {
  const dir = join(claims, String(n));
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = holderOf(dir);
    if (holder === undefined || alive(holder)) return false;
    let age: number;
    try {
      age = Date.now() - statSync(dir).mtimeMs;
    } catch {
      return false;
    }
    if (age < STALE_AFTER_MS) return false;
    try {
      // Of two claimants taking over the same stale claim, one rename succeeds; the other finds nothing to move.
      renameSync(dir, `${dir}.stale-${process.pid}`);
    } catch {
      return false;
    }
    rmSync(`${dir}.stale-${process.pid}`, { recursive: true, force: true });
    try {
      mkdirSync(dir);
    } catch {
      return false;
    }
  }
  // The pid is written whole, then moved in: a reader never sees a part of it.
  writeFileSync(join(dir, `pid.${process.pid}`), String(process.pid));
  renameSync(join(dir, `pid.${process.pid}`), join(dir, 'pid'));
  return true;
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
    const dir = join(claims, String(n));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (holderOf(dir) === process.pid) rmSync(dir, { recursive: true, force: true });
    };
    const block = `127.0.${n}`;
    let taken = false;
    for (let i = 1; i <= hosts && !taken; i++) for (const port of probePorts) taken ||= await listening(`${block}.${i}`, port, 200);
    if (!taken) return { block, release };
    release();
  }
  throw new Error(`no free 127.0.N address block from ${FIRST_BLOCK} to ${LAST_BLOCK} (claims in ${claims})`);
}
