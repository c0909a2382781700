import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSandbox } from './sandbox';
import { TEST_JVM_OPTIONS } from './test-jvm';

/**
 * JVM options Alluxio 2.9 needs on Java 17: it frees direct buffers through jdk.internal.ref and
 * netty/gRPC reach into java.nio and sun.nio.ch reflectively; without the opens those paths fail
 * (or silently leak) depending on which code a test drives.
 */
export const ALLUXIO_JAVA17_OPTIONS: readonly string[] = [
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

/** The `-cp` value for the Alluxio 2.9 jars the sandbox installed; a clear error when they are missing. */
export function javaClasspath(): string {
  const dir = loadSandbox().alluxioClasspath;
  if (dir === undefined || !existsSync(dir) || !readdirSync(dir).some((f) => f.startsWith('alluxio-integration-tools-validation-'))) {
    throw new Error('the Alluxio jars are not installed: run npm run sandbox:up (it needs Java and Maven) and read its message');
  }
  return join(dir, '*');
}

export interface JavaRun {
  /** The JVM's exit code; null when it was killed at the time bound. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `java` with the Alluxio classpath and Java 17 options, killed after `timeoutMs`. */
export function runAlluxioJava(mainClass: string, args: readonly string[], jvmOptions: readonly string[], timeoutMs: number): Promise<JavaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...ALLUXIO_JAVA17_OPTIONS, ...TEST_JVM_OPTIONS, ...jvmOptions, '-cp', javaClasspath(), mainClass, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start java (is a JDK 17 on PATH?): ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, timedOut, stdout, stderr });
    });
  });
}

/**
 * Tests versitygw v1.8.0's posix backend cannot pass, for a reason that is the sandbox's, not
 * Alluxio's or MinIO's: Alluxio renames a directory by copying its `dir/` marker object, and
 * versitygw's CopyObject passes the source directory's stat size (4096 on ext4) as the copy's
 * length, which its own PutObject then refuses with 400 DirectoryObjectContainsData
 * (backend/posix/posix.go, CopyObject -> PutObject). MinIO and S3 copy a 0-byte marker.
 * renameLargeDirectoryTest would also wait out its 180 s consistency timeout on that error.
 */
export const VERSITYGW_DIRECTORY_COPY_TESTS: readonly string[] = [
  'renameDirectoryTest',
  'renameDirectoryDeepTest',
  'renameRenamableDirectoryTest',
  'renameLargeDirectoryTest',
];

export interface UfsContractTestOptions {
  /** The whole alluxio-site.properties, exactly as a deployment would write it. */
  readonly sitePropertiesText: string;
  /** `s3://bucket/` (see the note on object tests in runUfsContractTest). */
  readonly ufsPath: string;
  /** Test methods to leave out (named with the reason at the call site); none when absent. */
  readonly skipTests?: readonly string[];
  readonly timeoutMs: number;
}

export interface UfsContractTestResult extends JavaRun {
  /** From the "Tests completed with N failed." line; undefined when the run never got that far. */
  readonly failedCount?: number;
  /** Names of the test methods reported as failed ("Operation <name> failed"). */
  readonly failedTests: readonly string[];
  readonly passedCount: number;
}

/**
 * Runs alluxio.cli.UnderFileSystemContractTest (what `alluxio runUfsTests` runs) with
 * `sitePropertiesText` as the ONLY site configuration: alluxio.site.conf.dir points at a fresh temp
 * folder, so neither ~/.alluxio nor /etc/alluxio can leak in.
 *
 * Alluxio 2.9's object tests (objectCommonPrefixes*, objectNestedDirs*) write their keys relative
 * to the bucket root, not to the path given, so they only pass when `ufsPath` is a bucket root.
 */
export async function runUfsContractTest(options: UfsContractTestOptions): Promise<UfsContractTestResult> {
  const confDir = mkdtempSync(join(tmpdir(), 'alluxio-conf-'));
  try {
    writeFileSync(join(confDir, 'alluxio-site.properties'), options.sitePropertiesText, { encoding: 'utf8', mode: 0o600 });
    // The tool only knows an allow-list (--test, repeatable), so a skip list becomes "all the others".
    const skip = new Set(options.skipTests ?? []);
    const selected = skip.size === 0 ? [] : listUfsContractTests().filter((name) => !skip.has(name));
    const args = ['--path', options.ufsPath, ...selected.flatMap((name) => ['--test', name])];
    const run = await runAlluxioJava('alluxio.cli.UnderFileSystemContractTest', args, [`-Dalluxio.site.conf.dir=${confDir}/`], options.timeoutMs);
    const completed = /Tests completed with (\d+) failed\./.exec(run.stdout);
    return {
      ...run,
      failedCount: completed ? Number(completed[1]) : undefined,
      failedTests: [...run.stdout.matchAll(/^Operation (\w+) failed$/gm)].map((m) => m[1]),
      passedCount: (run.stdout.match(/Passed the test!/g) ?? []).length,
    };
  } finally {
    rmSync(confDir, { recursive: true, force: true });
  }
}

/**
 * Fails unless the run finished, exited 0 and every test it selected (all but `skipped`) passed: a
 * run that selected nothing cannot pass. On a failure the tool's own output, which names the S3
 * operation that broke, is the error message.
 */
export function expectAllSelectedPassed(result: UfsContractTestResult, skipped: readonly string[]): void {
  const summary = { timedOut: result.timedOut, exitCode: result.exitCode, failedCount: result.failedCount, failedTests: result.failedTests };
  if (summary.timedOut || summary.exitCode !== 0 || summary.failedCount !== 0) {
    throw new Error(`${JSON.stringify(summary)}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`);
  }
  expect(summary).toEqual({ timedOut: false, exitCode: 0, failedCount: 0, failedTests: [] });
  expect(result.passedCount).toBe(listUfsContractTests().length - skipped.length);
}

/**
 * Every test method UnderFileSystemContractTest runs against an S3 path (it runs each public
 * method whose name ends in "Test" of these two classes), read from the installed jar.
 */
export function listUfsContractTests(): string[] {
  const out = execFileSync('javap', ['-cp', javaClasspath(), 'alluxio.cli.UnderFileSystemCommonOperations', 'alluxio.cli.S3ASpecificOperations'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return [...out.matchAll(/ (\w+Test)\(\)/g)].map((m) => m[1]);
}
