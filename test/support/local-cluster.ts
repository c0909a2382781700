import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlluxioOptions, MetricsOptions, PreloadPath, S3EndpointOptions } from '../../lib';
import { LocalCluster, LocalMinio } from '../../local/alluxio/local-cluster';
import { claimAddressBlock } from './address-blocks';
import { loadSandbox, uniqueBucketName } from './sandbox';
import { TEST_JVM_OPTIONS } from './test-jvm';

/*
 * A real Alluxio 2.9.6 cluster for one suite: the example app's existing-MinIO stack deployed by the
 * local deploy flow (handlers, local ECS, the construct's start scripts under the stand-in image), on
 * its own address block, with its own parameter names and bucket. The suite owns it: stop() in
 * afterAll, also after a failure; every wait is bounded; a failure names the tail of the logs.
 */

export const CLUSTER_DEPLOY_TIMEOUT_MS = 300_000;
export const JARS_DIR = join(__dirname, '..', '..', '.tools', 'alluxio-lib');

export interface TestClusterOptions {
  /** MinIO to mount (default: the sandbox's S3 server with a fresh bucket). */
  readonly minio?: LocalMinio;
  readonly alluxio?: AlluxioOptions;
  readonly s3Endpoint?: S3EndpointOptions;
  readonly metrics?: MetricsOptions;
  readonly preload?: PreloadPath[];
}

export interface TestCluster {
  readonly cluster: LocalCluster;
  readonly stateDir: string;
  readonly minio: LocalMinio;
  readonly parameters: { accessKey: string; secretKey: string; prefix: string };
  /** The deploy's and the tasks' logs, newest last, for a failure message. */
  logTail(chars?: number): string;
  stop(): Promise<void>;
}

export async function deployTestCluster(name: string, options: TestClusterOptions = {}): Promise<TestCluster> {
  const sandbox = loadSandbox();
  const stateDir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
  const id = randomBytes(4).toString('hex');
  const parameters = { accessKey: `/${name}-${id}/minio/access-key`, secretKey: `/${name}-${id}/minio/secret-key`, prefix: `/${name}-${id}/alluxio` };
  const minio: LocalMinio = options.minio ?? { ...sandbox.s3, bucket: uniqueBucketName(name), directory: 'alluxio', createBucket: true };
  const lines: string[] = [];
  const logTail = (chars = 6000) => {
    const tasks = join(stateDir, 'ecs', 'tasks');
    const taskLogs = existsSync(tasks)
      ? readdirSync(tasks).map(
          (task) =>
            `--- ${task}\n${existsSync(join(tasks, task, 'container.log')) ? readFileSync(join(tasks, task, 'container.log'), 'utf8').slice(-1500) : ''}`,
        )
      : [];
    return [...lines, ...taskLogs].join('\n').slice(-chars);
  };
  let cluster: LocalCluster;
  const addresses = await claimAddressBlock();
  try {
    cluster = await LocalCluster.deploy({
      stateDir,
      addressBlock: addresses.block,
      jarsDir: JARS_DIR,
      aws: sandbox.aws,
      minio,
      parameters,
      alluxio: options.alluxio,
      s3Endpoint: options.s3Endpoint,
      metrics: options.metrics,
      preload: options.preload,
      healthCheckIntervalMs: 1000,
      jvmOptions: TEST_JVM_OPTIONS,
      // Also on disk, to follow a long run while jest holds its output.
      log: (line) => {
        lines.push(line);
        appendFileSync(join(stateDir, 'deploy.log'), `${line}\n`);
      },
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    addresses.release();
    throw new Error(`the ${name} cluster did not deploy: ${error instanceof Error ? error.message : String(error)}\n${lines.join('\n').slice(-6000)}`, {
      cause: error,
    });
  }
  return {
    cluster,
    stateDir,
    minio,
    parameters,
    logTail,
    stop: async () => {
      try {
        // At once: the image's entrypoint forwards no SIGTERM on this bash (docs/local-ecs.md), so a
        // graceful stop is a SIGKILL 30 s later, which each suite's teardown would wait for.
        await cluster.stop(true);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        addresses.release();
      }
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; then throws `what`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, pauseMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} within ${timeoutMs / 1000} s${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
