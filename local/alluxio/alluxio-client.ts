import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { leaderIndexes } from '../../lib/core/master-leader';
import { askMasters } from '../../lib/runtime/minio-checks';
import { createContainerFilesystem, ContainerFilesystem } from './alluxio-image';

/*
 * An Alluxio client on this machine, as an application next to the cluster would run one: the image's
 * `bin/alluxio` (shell, fsadmin) and Alluxio's Java client, configured with nothing but the master's
 * address; everything else (write type, UFS settings) the client takes from the cluster's defaults.
 */

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** The master's REST view (alluxio.wire.AlluxioMasterInfo, GET /api/v1/master/info). */
export interface MasterInfo {
  readonly version: string;
  readonly mountPoints: Record<string, { ufsUri: string }>;
  readonly workers: Array<{
    address: { host: string; rpcPort: number };
    state: string;
    capacityBytesOnTiers: Record<string, number>;
    usedBytesOnTiers: Record<string, number>;
  }>;
  readonly lostWorkers: unknown[];
  readonly tierCapacity: Record<string, { total: number; used: number }>;
  readonly configuration: Record<string, unknown>;
  readonly uptimeMs: number;
}

/** One read through Alluxio's Java client: what TimedRead printed for it. */
export interface TimedRead {
  readonly bytes: number;
  /** The read alone, from open to the last byte (not the JVM's start, not the digest). */
  readonly ms: number;
  readonly sha256: string;
}

/** One operation of the read-write loop: `wrong` is a read whose bytes differ from those written. */
export interface LoopOperation {
  /** Epoch ms when it began. */
  readonly at: number;
  readonly phase: string;
  readonly kind: 'read' | 'write';
  readonly path: string;
  readonly result: 'ok' | 'wrong' | 'fail';
  readonly ms: number;
  readonly error: string | null;
}

/** The loop's counts in one phase (first and last operation's start, epoch ms). */
export interface LoopPhase {
  readonly phase: string;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly reads: number;
  readonly readsOk: number;
  readonly wrongBytes: number;
  readonly readsFailed: number;
  readonly writes: number;
  readonly writesOk: number;
  readonly writesFailed: number;
}

/** What ReadLoop.java wrote when it stopped. */
export interface ReadWriteSummary {
  readonly started: number;
  readonly ended: number;
  readonly phases: LoopPhase[];
  readonly ops: LoopOperation[];
}

export interface ReadWriteLoop {
  /** Operations from now on are counted in phase `name`. */
  phase(name: string): void;
  /** How many operations have ended so far. */
  operations(): number;
  stop(): Promise<ReadWriteSummary>;
}

const JAVA_HELPERS = join(__dirname, 'java');

export class AlluxioClient {
  private readonly filesystem: ContainerFilesystem;
  private readonly classesDir: string;

  constructor(
    dir: string,
    jarsDir: string,
    readonly masterHost: string,
    /** Every master of a highly available cluster (the client finds the primary among them). */
    masterHosts: readonly string[] = [masterHost],
    /** The local ECS's hosts file, when the masters are named by their Cloud Map names. */
    private readonly hostsFile?: string,
    /** JVM options for every command of this client, beside the hosts file's (a bench's JVM A/B). */
    private readonly jvmOptions: readonly string[] = [],
  ) {
    this.filesystem = createContainerFilesystem(dir, jarsDir, '127.0.0.1');
    const site =
      masterHosts.length > 1 ? `alluxio.master.rpc.addresses=${masterHosts.map((host) => `${host}:19998`).join(',')}` : `alluxio.master.hostname=${masterHost}`;
    writeFileSync(join(this.filesystem.layout.home, 'conf', 'alluxio-site.properties'), `${site}\n`);
    this.classesDir = join(dir, 'classes');
    mkdirSync(this.classesDir, { recursive: true });
    const sources = readdirSync(JAVA_HELPERS).filter((f) => f.endsWith('.java'));
    if (!sources.every((f) => existsSync(join(this.classesDir, f.replace(/\.java$/, '.class'))))) {
      execFileSync('javac', ['-d', this.classesDir, '-cp', join(jarsDir, '*'), ...sources.map((f) => join(JAVA_HELPERS, f))], { stdio: 'pipe' });
    }
  }

  /** `bin/alluxio <args>`, bounded by `timeoutMs`. */
  run(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return this.start(args, timeoutMs);
  }

  /**
   * Writes and reads through Alluxio's client in a loop (local/alluxio/java/ReadLoop.java) until
   * `stop()`, as an application working throughout would: each round writes a new file under
   * `writeDir` and reads one whose bytes are known (`files` first, then what it wrote), a read being
   * ok only when its SHA-256 is the one written. `phase(name)` names the phase the next operations
   * are counted in. Resolves once a first read was ok, so what follows happens while the loop runs.
   */
  async readWriteContinuously(
    files: ReadonlyArray<{ path: string; sha256: string }>,
    writeDir: string,
    pauseMs = 250,
    boundMs = 900_000,
  ): Promise<ReadWriteLoop> {
    const id = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const stopFile = join(this.filesystem.root, `stop-loop-${id}`);
    const phaseFile = join(this.filesystem.root, `phase-loop-${id}`);
    const summaryFile = join(this.filesystem.root, `summary-loop-${id}.json`);
    let firstRead: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => (firstRead = resolve));
    const spec = files.map((file) => `${file.path}=${file.sha256}`).join(',');
    let operations = 0;
    let counted = 0;
    const running = this.start(
      ['runClass', 'ReadLoop', spec, writeDir, stopFile, String(boundMs), String(pauseMs), summaryFile, phaseFile],
      boundMs + 60_000,
      (stdout) => {
        if (/^ok read /m.test(stdout)) firstRead();
        // Whole lines only: a chunk may end inside one.
        const end = stdout.lastIndexOf('\n') + 1;
        operations += (stdout.slice(counted, end).match(/^(ok|wrong|fail) (read|write) /gm) ?? []).length;
        counted = end;
      },
    );
    const first = await Promise.race([reading.then(() => undefined), running]);
    if (first !== undefined) throw new Error(`the read-write loop ended before its first read: ${(first.stdout + first.stderr).slice(-2000)}`);
    return {
      phase: (name: string) => writeFileSync(phaseFile, name),
      operations: () => operations,
      stop: async () => {
        writeFileSync(stopFile, '');
        const result = await running;
        if (!existsSync(summaryFile)) throw new Error(`the read-write loop ended without its summary: ${(result.stdout + result.stderr).slice(-2000)}`);
        return JSON.parse(readFileSync(summaryFile, 'utf8')) as ReadWriteSummary;
      },
    };
  }

  private start(args: string[], timeoutMs: number, onStdout?: (stdoutSoFar: string) => void): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn(join(this.filesystem.layout.home, 'bin', 'alluxio'), args, {
        cwd: this.filesystem.root,
        env: {
          PATH: `${this.filesystem.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
          HOME: this.filesystem.root,
          ALLUXIO_CLASSPATH: this.classesDir,
          AWS_EC2_METADATA_DISABLED: 'true',
          ALLUXIO_JAVA_OPTS: [this.hostsFile && `-Djdk.net.hosts.file=${this.hostsFile}`, ...this.jvmOptions].filter(Boolean).join(' '),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        onStdout?.(stdout);
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, timedOut });
      });
    });
  }

  /** `bin/alluxio fs <args>`; throws with the shell's own output unless it exits 0. */
  async fs(...args: string[]): Promise<string> {
    const result = await this.run(['fs', ...args]);
    if (result.code !== 0)
      throw new Error(
        `alluxio fs ${args.join(' ')} exited ${result.timedOut ? 'after its time bound' : result.code}: ${(result.stdout + result.stderr).slice(-2000)}`,
      );
    return result.stdout;
  }

  /**
   * Reads `path` through Alluxio's Java client (local/alluxio/java/TimedRead.java) `times` times in one
   * JVM: bytes, milliseconds (the read alone) and SHA-256 of what was read, per read.
   */
  async timedReads(path: string, times = 1, timeoutMs = 300_000): Promise<TimedRead[]> {
    return (await this.timedReadRounds([path], times, timeoutMs)).flatMap((round) => round.reads);
  }

  /**
   * Reads every one of `paths` at once (a thread each, clients of one JVM), `rounds` times: per round,
   * each file's read (as timedReads), the milliseconds from the first open to the last byte, and the
   * last byte's time on the wall clock (epoch ms). `jvmOptions` (-X..., -D...) go to the client's JVM,
   * e.g. a flight recording.
   */
  async timedReadRounds(
    paths: readonly string[],
    rounds = 1,
    timeoutMs = 300_000,
    jvmOptions: readonly string[] = [],
  ): Promise<Array<{ reads: TimedRead[]; ms: number; endedMs: number }>> {
    const result = await this.run(['runClass', 'TimedRead', ...jvmOptions, paths.join(','), String(rounds)], timeoutMs);
    if (result.code !== 0) throw new Error(`reading ${paths.join(', ')} through Alluxio failed: ${(result.stdout + result.stderr).slice(-2000)}`);
    const parsed: Array<{ reads: TimedRead[]; ms: number; endedMs: number }> = [];
    let reads: TimedRead[] = [];
    for (const line of result.stdout.trim().split('\n')) {
      const read = /^(\d+) (\d+) ([0-9a-f]{64})$/.exec(line);
      const round = /^round (\d+)$/.exec(line);
      const ended = /^ended (\d+)$/.exec(line);
      if (read) reads.push({ bytes: Number(read[1]), ms: Number(read[2]) / 1e6, sha256: read[3] });
      else if (round) {
        parsed.push({ reads, ms: Number(round[1]) / 1e6, endedMs: NaN });
        reads = [];
      } else if (ended && parsed.length > 0) parsed[parsed.length - 1].endedMs = Number(ended[1]);
    }
    if (parsed.length !== rounds || parsed.some((round) => round.reads.length !== paths.length || Number.isNaN(round.endedMs))) {
      throw new Error(`TimedRead printed ${parsed.length} of ${rounds} rounds: ${result.stdout.slice(-2000)}`);
    }
    return parsed;
  }

  /**
   * Writes `localFile` to the new Alluxio file `path` through Alluxio's Java client
   * (local/alluxio/java/TimedWrite.java) with the cluster's default write type: bytes, milliseconds from
   * create to a closed stream, and the close's time on the wall clock (epoch ms).
   */
  async timedWrite(localFile: string, path: string, timeoutMs = 300_000): Promise<{ bytes: number; ms: number; endedMs: number }> {
    const result = await this.run(['runClass', 'TimedWrite', localFile, path], timeoutMs);
    const line = /^(\d+) (\d+)\nended (\d+)$/m.exec(result.stdout);
    if (result.code !== 0 || !line) throw new Error(`writing ${path} through Alluxio failed: ${(result.stdout + result.stderr).slice(-2000)}`);
    return { bytes: Number(line[1]), ms: Number(line[2]) / 1e6, endedMs: Number(line[3]) };
  }
}

/**
 * The primary of `hosts` and its MasterInfo, by the library's own rule (lib/core/master-leader: the
 * one master answering a MasterInfo document; 2.9's standbys accept the connection and answer nothing).
 */
export async function primaryMasterInfo(hosts: readonly string[], timeoutMs = 5000): Promise<{ host: string; info: MasterInfo }> {
  const answers = await askMasters(
    hosts.map((host) => `${host}:19999`),
    timeoutMs,
  );
  const leaders = leaderIndexes(answers);
  if (leaders.length !== 1) throw new Error(`${leaders.length} of the masters ${hosts.join(', ')} answer as primary`);
  return { host: hosts[leaders[0]], info: JSON.parse(answers[leaders[0]].body!) as MasterInfo };
}

/** GET http://host:port/api/v1/master/info, bounded. */
export function masterInfo(host: string, port = 19999, timeoutMs = 5000): Promise<MasterInfo> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path: '/api/v1/master/info', timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        try {
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
          resolve(JSON.parse(body) as MasterInfo);
        } catch (error) {
          reject(new Error(`the master at ${host}:${port} answered no MasterInfo: ${error instanceof Error ? error.message : String(error)}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
