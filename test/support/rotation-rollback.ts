import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AlluxioOptions } from '../../lib';
import { journalPortsOf } from '../../lib/core/master-quorum';
import { AlluxioClient, ReadWriteLoop, ReadWriteSummary } from '../../local/alluxio/alluxio-client';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { listening } from '../../local/network/ports';
import { EcsFront } from './ecs-front';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, TestCluster } from './local-cluster';
import { loopCounts, notOk, sha256, timeToRecovery } from './read-write-loop';
import { loadSandbox } from './sandbox';
import { S3Identity, startVersitygwWithIam, VersitygwWithIam } from './versitygw-iam';

/*
 * What the rotation-rollback suites share (rotation-rollback.test.ts, one master; rotation-rollback-ha.test.ts,
 * three masters): the cluster each describe block owns, the samplers and the loop's figures.
 */

export const changeEvent = (name: string) => ({ source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name, operation: 'Update' } });
export const scheduleEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
// The pair is written whole before each run; a service that is not stable in 3 minutes here (the
// template's bound is 5) is not going to be: the failing forward restarts end sooner.
export const PAIR_WAIT = { PAIR_WAIT_SECONDS: '5', SERVICE_STABLE_TIMEOUT_SECONDS: '180' };
/**
 * What an application sees once the function returned: the loop goes on for this many more
 * operations (an operation can wait minutes on a master that is down: Alluxio's client retries), at
 * most AFTER_BOUND_MS.
 */
export const AFTER_OPERATIONS = 12;
export const AFTER_BOUND_MS = 180_000;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * How a rotation fails once the server refuses the pair the restarted services run: the check after
 * the restarts fails (HEALTH_CHECK_FAILED), or, when ECS replaced a master in the meantime, the
 * workers never become stable (SERVICE_NOT_STABLE): Alluxio 2.9.6's master exits at start when its
 * root mount answers 403 ("Failed to start masters"), so the replacement crash-loops and the workers
 * cannot register. Either is a failure after the restarts; ROLLBACK_FAILED never is.
 */
export const FAILED_AFTER_RESTARTS = /^(HEALTH_CHECK_FAILED|SERVICE_NOT_STABLE)$/;

/** Lets the loop run AFTER_OPERATIONS more operations (bounded) once the function returned. */
export async function afterward(loop: ReadWriteLoop): Promise<void> {
  loop.phase('after');
  const target = loop.operations() + AFTER_OPERATIONS;
  const end = Date.now() + AFTER_BOUND_MS;
  while (loop.operations() < target && Date.now() < end) await sleep(500);
}

export interface Figures {
  readonly case: string;
  readonly wallSeconds: number;
  readonly loadAverage: string;
  readonly [figure: string]: unknown;
}
/** The per-case figures of one suite, printed after it for the note (a loaded machine: the load average stands beside each). */
export function suiteFigures(suite: string): Figures[] {
  const figures: Figures[] = [];
  afterAll(() => {
    if (figures.length) console.log(`${suite} figures\n${JSON.stringify(figures, null, 2)}`);
  });
  return figures;
}

export async function putPair(ssm: SSMClient, parameters: TestCluster['parameters'], pair: S3Identity): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: parameters.accessKey, Value: pair.accessKeyId, Type: 'SecureString', Overwrite: true }));
  await ssm.send(new PutParameterCommand({ Name: parameters.secretKey, Value: pair.secretAccessKey, Type: 'SecureString', Overwrite: true }));
}

export async function currentPair(ssm: SSMClient, parameters: TestCluster['parameters']): Promise<S3Identity> {
  const value = async (name: string) => (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!.Value!;
  return { accessKeyId: await value(parameters.accessKey), secretAccessKey: await value(parameters.secretKey) };
}

/** Every version of a parameter (number and last modification): what a write by anyone would change. */
export async function history(ssm: SSMClient, name: string): Promise<string[]> {
  const versions: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken }));
    for (const p of page.Parameters ?? []) versions.push(`${p.Version} ${p.LastModifiedDate?.toISOString()}`);
    NextToken = page.NextToken;
  } while (NextToken);
  return versions;
}

/** Whether an UpdateService names `name`: the function's environment names services by ARN (CloudFormation's Ref). */
export const isService = (asked: string, name: string) => asked === name || asked.endsWith(`/${name}`);

/** The services of the cluster's Alluxio processes: the masters, then the workers. */
export function alluxioServices(local: TestCluster): string[] {
  return [...local.cluster.allMasterServiceNames, local.cluster.serviceName('worker')];
}

/** The access key each running Alluxio task was started with (its start script wrote it into conf/). */
export function runningKeys(local: TestCluster): string[] {
  return alluxioServices(local).flatMap((service) =>
    local.cluster
      .ecs!.tasksOf(service)
      .filter((task) => task.status === 'RUNNING')
      .flatMap((task) => {
        const file = join(dirname(task.logFile), 'root', 'opt', 'alluxio', 'conf', 'alluxio-site.properties');
        const key = existsSync(file) ? /^s3a\.accessKeyId=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
        return key === undefined ? [] : [key];
      }),
  );
}

/**
 * Samples, every `stepMs`, whether some running Alluxio task holds a key the server refuses
 * (`accepted` says what the server accepts at that moment): the time the cluster held a refused pair.
 */
export function watchRefusedPair(local: TestCluster, accepted: (accessKeyId: string) => boolean, stepMs = 250) {
  let refusedMs = 0;
  let last = Date.now();
  let stopped = false;
  const spans: Array<{ from: number; to: number }> = [];
  const sampling = (async () => {
    while (!stopped) {
      const now = Date.now();
      const refused = runningKeys(local).some((key) => !accepted(key));
      if (refused) {
        refusedMs += now - last;
        const open = spans[spans.length - 1];
        if (open && open.to >= last - 1) open.to = now;
        else spans.push({ from: last, to: now });
      }
      last = now;
      await sleep(stepMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await sampling;
      return { refusedMs, spans };
    },
  };
}

/**
 * Samples which masters serve every `stepMs`: a master serves when ECS runs its task and its own
 * embedded-journal port (19200 + its index, the port its health check probes) accepts a connection. A
 * master that is down refuses at once (its loopback address answers with a reset, or its name no longer
 * resolves), so the connect's long bound only keeps this process's own stalls on a loaded machine from
 * counting as a master down. Returns the fewest serving at once and each change with its time.
 */
export function watchMasters(local: TestCluster, stepMs = 300) {
  let stopped = false;
  let fewest = Number.POSITIVE_INFINITY;
  const changes: Array<{ at: string; serving: number[] }> = [];
  const services = local.cluster.masterServiceNames;
  const sampling = (async () => {
    while (!stopped) {
      const up = await Promise.all(
        local.cluster.masterHosts.map(async (host, index) => {
          const running = local.cluster.ecs!.tasksOf(services[index]).some((task) => task.status === 'RUNNING');
          return running && (await listening(host, journalPortsOf(index).master, 10_000));
        }),
      );
      const serving = up.flatMap((ok, index) => (ok ? [index] : []));
      fewest = Math.min(fewest, serving.length);
      if (JSON.stringify(changes[changes.length - 1]?.serving) !== JSON.stringify(serving)) changes.push({ at: new Date().toISOString(), serving });
      await sleep(stepMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await sampling;
      return { fewest, changes };
    },
  };
}

/** A 2 MiB file written before any rotation, and its hash, for the loop to read throughout. */
export async function writeSample(local: TestCluster, client: AlluxioClient, name: string): Promise<{ path: string; sha256: string }> {
  const bytes = randomBytes(2 * 1024 * 1024);
  const file = join(local.stateDir, `${name}.bin`);
  writeFileSync(file, bytes);
  await client.fs('copyFromLocal', file, `/${name}.bin`);
  return { path: `/${name}.bin`, sha256: sha256(bytes) };
}

/**
 * Phases of the loop, named from the front's record of restarts: 'forward' from the first restart the
 * function asks for, 'refused' from the moment the server refuses the new pair, 'rollback' from the
 * first restart after that, 'after' once the function returned.
 */
export function phaseTracker(loop: () => ReadWriteLoop | undefined) {
  let refusedAt: number | undefined;
  /** How many restarts had been asked for when the server began refusing the new pair. */
  let refusedAfter = 0;
  let rollbackAt: number | undefined;
  return {
    onUpdate(updates: EcsFront['updates']) {
      if (updates.length === 1) loop()?.phase('forward');
      if (refusedAt !== undefined && rollbackAt === undefined && updates.length > refusedAfter) {
        rollbackAt = Date.now();
        loop()?.phase('rollback');
      }
    },
    /** Called before the restart during which the server starts refusing (that restart is still the forward's). */
    refused(updates: EcsFront['updates']) {
      refusedAt = Date.now();
      refusedAfter = updates.length;
      loop()?.phase('refused');
    },
    get refusedAt() {
      return refusedAt;
    },
  };
}

/** The loop's figures for the report, and the counts the assertions read. */
export function loopFigures(summary: ReadWriteSummary, refusedAt: number | undefined) {
  return {
    during: loopCounts(summary, ['refused', 'rollback']),
    after: loopCounts(summary, ['after']),
    all: loopCounts(summary),
    // From the moment the server refused the new pair until reads (and reads and writes) were all ok for good.
    timeToRecoveryMs: refusedAt === undefined ? undefined : { reads: timeToRecovery(summary, refusedAt, 'read'), all: timeToRecovery(summary, refusedAt) },
    firstNotOk: notOk(summary, 4),
  };
}

/**
 * Once the rollback is done every read is served with the bytes written, and no read ever returned
 * other bytes. Writes are reported, not asserted: one in flight when its worker is replaced fails
 * (Alluxio 2.9's client does not move a block write to another worker, and its cached worker list
 * may name a replaced worker for a while); a failed write is never acknowledged and never read.
 */
export function expectServedAfter(summary: ReadWriteSummary, counts: ReturnType<typeof loopFigures>): void {
  expect({ wrongBytes: counts.all.wrongBytes, readsFailedAfter: counts.after.readsFailed, failedReadsAfter: notOk(summary, 5, 'read', ['after']) }).toEqual({
    wrongBytes: 0,
    readsFailedAfter: 0,
    failedReadsAfter: [],
  });
  expect(counts.after.readsOk).toBeGreaterThan(0);
}

/** What a describe block's cluster gives its tests. */
export interface RollbackCluster {
  readonly server: VersitygwWithIam;
  readonly local: TestCluster;
  readonly client: AlluxioClient;
  readonly ssm: SSMClient;
  readonly bucket: string;
  /** A 2 MiB file written before any rotation, and its hash, for the loops to read throughout. */
  readonly sample: { path: string; sha256: string };
}

/**
 * A private versitygw and a cluster on it for one describe block, owned by it: started in beforeAll
 * with the pair `pairOf` gives, stopped in afterAll (also after a failure).
 */
export function useRollbackCluster(
  name: string,
  alluxio: AlluxioOptions,
  pairOf: (server: VersitygwWithIam, bucket: string) => Promise<S3Identity>,
): RollbackCluster {
  const state: Partial<{ -readonly [K in keyof RollbackCluster]: RollbackCluster[K] }> = { bucket: `${name}-${randomBytes(4).toString('hex')}` };
  beforeAll(async () => {
    const server = await startVersitygwWithIam();
    state.server = server;
    await server.createBucket(state.bucket!);
    const pair = await pairOf(server, state.bucket!);
    state.local = await deployTestCluster(name, {
      minio: { endpoint: server.endpoint, region: loadSandbox().s3.region, ...pair, bucket: state.bucket!, directory: 'alluxio', createBucket: false },
      alluxio,
    });
    state.client = state.local.cluster.client();
    state.ssm = ssmClient(loadSandbox().aws);
    state.sample = await writeSample(state.local, state.client, 'before');
  }, CLUSTER_DEPLOY_TIMEOUT_MS);
  afterAll(async () => {
    state.ssm?.destroy();
    await state.local?.stop();
    await state.server?.stop();
  }, 120_000);
  const get = <K extends keyof RollbackCluster>(key: K): RollbackCluster[K] => {
    const value = state[key];
    if (value === undefined) throw new Error(`the ${name} cluster is not deployed: use it inside a test`);
    return value as RollbackCluster[K];
  };
  return {
    get server() {
      return get('server');
    },
    get local() {
      return get('local');
    },
    get client() {
      return get('client');
    },
    get ssm() {
      return get('ssm');
    },
    get bucket() {
      return get('bucket');
    },
    get sample() {
      return get('sample');
    },
  };
}
