import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContainerFilesystem, ContainerFilesystem, localNetworkJavaOptions } from '../../local/alluxio/alluxio-image';
import { listening } from '../../local/network/ports';
import { httpGet } from '../../lib/runtime/minio-checks';
import { AddressBlock, claimAddressBlock } from './address-blocks';

/*
 * N real Alluxio 2.9.6 masters on the embedded (Raft) journal, each under its own copy of the stand-in
 * image, on its own address of a free 127.0.N block, with a local directory as the root UFS: the
 * quorum the leader-aware checks are proved against. The suite owns it: stop() in afterAll (also after
 * a failure) kills every process group it started, by pid; every wait is bounded.
 *
 * Raft is bound to each master's own address (localNetworkJavaOptions); before it was, it bound
 * 0.0.0.0, and these ports were chosen apart from the HA suites' (19200+i, 20003+i) for that.
 */
export const QUORUM_JOURNAL_PORT_BASE = 19210;
// Where the sandbox puts the 2.9.6 jars (as local-cluster's JARS_DIR; not imported from there, which
// would pull the whole CDK app into the bench's bundle of this file).
const JARS_DIR = join(__dirname, '..', '..', '.tools', 'alluxio-lib');
export const QUORUM_JOB_JOURNAL_PORT_BASE = 20013;
const MASTER_WEB_PORT = 19999;
const MASTER_RPC_PORT = 19998;

/** First start formats the journal, and a leader is elected within ~30 s of it; the bound leaves room on a shared CPU. */
export const QUORUM_LEADER_TIMEOUT_MS = 150_000;

export interface MasterQuorum {
  readonly block: string;
  readonly stateDir: string;
  /** The root UFS every master mounts at / (a local directory). */
  readonly rootUfs: string;
  /** `host:19999` of each master, index-aligned with the masters. */
  readonly webAddresses: readonly string[];
  /** Starts master `index` again (its journal kept: no format). */
  start(index: number): Promise<void>;
  /** `kill -9` of master `index`'s process group, waited for. */
  kill(index: number): Promise<void>;
  /** The index of the master answering MasterInfo, waited for up to `timeoutMs`. */
  awaitLeader(timeoutMs?: number, among?: readonly number[]): Promise<number>;
  logTail(index: number, chars?: number): string;
  stop(): Promise<void>;
}

/** A block for `count` masters, claimed (address-blocks.ts), with this machine's quorum journal ports free. */
async function freeQuorumBlock(count: number): Promise<AddressBlock> {
  for (let port = 0; port < count; port++) {
    for (const journal of [QUORUM_JOURNAL_PORT_BASE + port, QUORUM_JOB_JOURNAL_PORT_BASE + port]) {
      if (await listening('127.0.0.1', journal, 200)) throw new Error(`port ${journal} is taken (another master-quorum suite running?): the quorum needs it`);
    }
  }
  return claimAddressBlock(count, [MASTER_RPC_PORT, MASTER_WEB_PORT]);
}

export interface MasterQuorumOptions {
  /** @default 3 */
  readonly count?: number;
  /** The root UFS every master mounts. @default a fresh local directory of the quorum's own */
  readonly rootUfs?: string;
  /** More site properties (an S3 root's endpoint and keys). */
  readonly extraProperties?: Readonly<Record<string, string>>;
  /** JVM options for every master (the suites' TEST_JVM_OPTIONS; the bench keeps the default compilers). @default none */
  readonly jvmOptions?: readonly string[];
}

function siteProperties(block: string, count: number, rootUfs: string, extra: Readonly<Record<string, string>>): string {
  const hosts = Array.from({ length: count }, (_, i) => `${block}.${i + 1}`);
  return [
    `alluxio.master.mount.table.root.ufs=${rootUfs}`,
    'alluxio.master.journal.type=EMBEDDED',
    'alluxio.master.journal.folder=${alluxio.home}/journal-volume/journal',
    `alluxio.master.embedded.journal.addresses=${hosts.map((h, i) => `${h}:${QUORUM_JOURNAL_PORT_BASE + i}`).join(',')}`,
    `alluxio.master.rpc.addresses=${hosts.map((h) => `${h}:${MASTER_RPC_PORT}`).join(',')}`,
    `alluxio.job.master.embedded.journal.addresses=${hosts.map((h, i) => `${h}:${QUORUM_JOB_JOURNAL_PORT_BASE + i}`).join(',')}`,
    `alluxio.job.master.rpc.addresses=${hosts.map((h) => `${h}:20001`).join(',')}`,
    'alluxio.master.update.check.enabled=false',
    ...Object.entries(extra).map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}

/** Starts `count` masters (master-only: the job masters play no part in leadership of the web port). */
export async function startMasterQuorum(name: string, options: MasterQuorumOptions = {}): Promise<MasterQuorum> {
  const count = options.count ?? 3;
  if (!existsSync(JARS_DIR)) throw new Error(`the Alluxio jars are not in ${JARS_DIR}: run npm run sandbox:up`);
  const addresses = await freeQuorumBlock(count);
  // The block goes back on any failure before the quorum is handed over (stop() gives it back after).
  try {
    const block = addresses.block;
    const stateDir = mkdtempSync(join(tmpdir(), `quorum-${name}-`));
    const rootUfs = options.rootUfs ?? join(stateDir, 'ufs');
    if (options.rootUfs === undefined) mkdirSync(rootUfs);
    const webAddresses = Array.from({ length: count }, (_, i) => `${block}.${i + 1}:${MASTER_WEB_PORT}`);
    const filesystems: ContainerFilesystem[] = [];
    const processes: Array<ChildProcess | undefined> = [];
    const logs: WriteStream[] = [];
    const started: boolean[] = [];
    const logPath = (i: number) => join(stateDir, `master-${i}.log`);

    for (let i = 0; i < count; i++) {
      const fs = createContainerFilesystem(join(stateDir, `master-${i}`), JARS_DIR, `${block}.${i + 1}`);
      writeFileSync(join(fs.layout.home, 'conf', 'alluxio-site.properties'), siteProperties(block, count, rootUfs, options.extraProperties ?? {}));
      filesystems.push(fs);
      logs.push(createWriteStream(logPath(i), { flags: 'a' }));
    }

    const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
    const waitExit = (child: ChildProcess, ms: number) =>
      new Promise<void>((resolve) => {
        if (exited(child)) return resolve();
        const timer = setTimeout(resolve, ms);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });

    const start = async (i: number) => {
      const running = processes[i];
      if (running && !exited(running)) throw new Error(`master ${i} is running already`);
      const address = `${block}.${i + 1}`;
      const javaOptions = [
        localNetworkJavaOptions(address),
        `-Dalluxio.master.hostname=${address}`,
        `-Dalluxio.master.embedded.journal.port=${QUORUM_JOURNAL_PORT_BASE + i}`,
        `-Dalluxio.job.master.embedded.journal.port=${QUORUM_JOB_JOURNAL_PORT_BASE + i}`,
        '-Xmx512m',
        ...(options.jvmOptions ?? []),
      ].join(' ');
      const args = ['master-only', ...(started[i] ? ['--no-format'] : [])];
      const child = spawn('bash', [filesystems[i].layout.entrypoint, ...args], {
        cwd: filesystems[i].root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: `${filesystems[i].binDir}:${process.env.PATH}`, ALLUXIO_JAVA_OPTS: javaOptions },
      });
      child.stdout!.pipe(logs[i], { end: false });
      child.stderr!.pipe(logs[i], { end: false });
      processes[i] = child;
      started[i] = true;
    };

    const kill = async (i: number) => {
      const child = processes[i];
      if (!child || exited(child) || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await waitExit(child, 10_000);
    };

    const isLeader = async (i: number) => {
      const answer = await httpGet(`http://${webAddresses[i]}/api/v1/master/info`, 2000);
      return answer.status === 200 && answer.body !== undefined && answer.body.includes('"mountPoints"');
    };

    const logTail = (i: number, chars = 2500) => (existsSync(logPath(i)) ? readFileSync(logPath(i), 'utf8').slice(-chars) : '');

    const awaitLeader = async (timeoutMs = QUORUM_LEADER_TIMEOUT_MS, among: readonly number[] = webAddresses.map((_, i) => i)) => {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        for (const i of among) {
          if (await isLeader(i)) return i;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      throw new Error(
        `no master of ${among.map((i) => webAddresses[i]).join(', ')} answered MasterInfo within ${timeoutMs / 1000} s\n${among.map((i) => `--- master ${i}\n${logTail(i)}`).join('\n')}`,
      );
    };

    const stop = async () => {
      for (let i = 0; i < count; i++) {
        const child = processes[i];
        if (!child || exited(child) || child.pid === undefined) continue;
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // gone
        }
        await waitExit(child, 15_000);
        await kill(i);
      }
      for (const log of logs) log.end();
      if (!process.env.KEEP_QUORUM_STATE) {
        rmSync(stateDir, { recursive: true, force: true });
        // Seen once after a bench run: an empty master folder and the root UFS folder back a moment later.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        rmSync(stateDir, { recursive: true, force: true });
      }
      addresses.release();
    };

    try {
      for (let i = 0; i < count; i++) await start(i);
    } catch (error) {
      await stop();
      throw error;
    }
    return { block, stateDir, rootUfs, webAddresses, start, kill, awaitLeader, logTail, stop };
  } catch (error) {
    addresses.release();
    throw error;
  }
}
