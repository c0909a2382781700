import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AlluxioMasters, AlluxioOptions } from '../../lib';
import { journalPortsOf } from '../../lib/core/master-quorum';
import { AlluxioClient, ReadWriteLoop, ReadWriteSummary } from '../../local/alluxio/alluxio-client';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { listening } from '../../local/network/ports';
import { EcsFront, startEcsFront } from '../support/ecs-front';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, TestCluster } from '../support/local-cluster';
import { loopCounts, notOk, sha256, timeToRecovery } from '../support/read-write-loop';
import { loadSandbox } from '../support/sandbox';
import { randomIdentity, S3Identity, startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

/*
 * Rotations that fail AFTER the services were restarted, rolled back on real processes: real Alluxio
 * 2.9.6 masters and workers under the local ECS, the rotation function's bundled code run as Lambda
 * runs it, a private versitygw as MinIO. The new pair is accepted while the function checks it and
 * refused once the master has restarted on it (the moment the function asks ECS to restart the
 * workers), so the check after the restarts fails and the function must restart everything again on
 * the last good pair. An application reads and writes throughout (ReadLoop: every read's bytes checked
 * against the hash of what was written), its operations counted per phase of the rotation.
 *
 * The function's ECS calls go through a front (test/support/ecs-front) to the cluster's local ECS; the
 * front records when each restart was asked and, in the provisioned-MinIO case, plays MinIO's service:
 * the local ECS runs only Alluxio's image, so the test restarts its versitygw with the root pair SSM
 * holds at that moment, as ECS would start MinIO's new task with the pair injected from SSM. That
 * case runs the existing-MinIO stack's function with the environment the provisioned stack gives it
 * (KEY_OWNERSHIP=generated, MINIO_SERVICE): the provisioned stack itself cannot deploy here.
 *
 * The two single-master cases share one cluster (the generated case first; the user-owned case then
 * starts from the pair the first left running); the three-master case has its own.
 */

jest.setTimeout(1_200_000);

const changeEvent = (name: string) => ({ source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name, operation: 'Update' } });
const scheduleEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
// The pair is written whole before each run; a service that is not stable in 3 minutes here (the
// template's bound is 5) is not going to be: the failing forward restarts end sooner.
const PAIR_WAIT = { PAIR_WAIT_SECONDS: '5', SERVICE_STABLE_TIMEOUT_SECONDS: '180' };
/**
 * What an application sees once the function returned: the loop goes on for this many more
 * operations (an operation can wait minutes on a master that is down: Alluxio's client retries), at
 * most AFTER_BOUND_MS.
 */
const AFTER_OPERATIONS = 12;
const AFTER_BOUND_MS = 180_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * How a rotation fails once the server refuses the pair the restarted services run: the check after
 * the restarts fails (HEALTH_CHECK_FAILED), or, when ECS replaced a master in the meantime, the
 * workers never become stable (SERVICE_NOT_STABLE): Alluxio 2.9.6's master exits at start when its
 * root mount answers 403 ("Failed to start masters"), so the replacement crash-loops and the workers
 * cannot register. Either is a failure after the restarts; ROLLBACK_FAILED never is.
 */
const FAILED_AFTER_RESTARTS = /^(HEALTH_CHECK_FAILED|SERVICE_NOT_STABLE)$/;

/** Lets the loop run AFTER_OPERATIONS more operations (bounded) once the function returned. */
async function afterward(loop: ReadWriteLoop): Promise<void> {
  loop.phase('after');
  const target = loop.operations() + AFTER_OPERATIONS;
  const end = Date.now() + AFTER_BOUND_MS;
  while (loop.operations() < target && Date.now() < end) await sleep(500);
}

interface Figures {
  readonly case: string;
  readonly wallSeconds: number;
  readonly loadAverage: string;
  readonly [figure: string]: unknown;
}
const figures: Figures[] = [];

afterAll(() => {
  // The per-case figures, for the note (a loaded machine: the load average stands beside each).
  if (figures.length) console.log(`rotation-rollback figures\n${JSON.stringify(figures, null, 2)}`);
});

async function putPair(ssm: SSMClient, parameters: TestCluster['parameters'], pair: S3Identity): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: parameters.accessKey, Value: pair.accessKeyId, Type: 'SecureString', Overwrite: true }));
  await ssm.send(new PutParameterCommand({ Name: parameters.secretKey, Value: pair.secretAccessKey, Type: 'SecureString', Overwrite: true }));
}

async function currentPair(ssm: SSMClient, parameters: TestCluster['parameters']): Promise<S3Identity> {
  const value = async (name: string) => (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!.Value!;
  return { accessKeyId: await value(parameters.accessKey), secretAccessKey: await value(parameters.secretKey) };
}

/** Every version of a parameter (number and last modification): what a write by anyone would change. */
async function history(ssm: SSMClient, name: string): Promise<string[]> {
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
const isService = (asked: string, name: string) => asked === name || asked.endsWith(`/${name}`);

/** The services of the cluster's Alluxio processes: the masters, then the workers. */
function alluxioServices(local: TestCluster): string[] {
  return [...local.cluster.allMasterServiceNames, local.cluster.serviceName('worker')];
}

/** The access key each running Alluxio task was started with (its start script wrote it into conf/). */
function runningKeys(local: TestCluster): string[] {
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
function watchRefusedPair(local: TestCluster, accepted: (accessKeyId: string) => boolean, stepMs = 250) {
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
function watchMasters(local: TestCluster, stepMs = 300) {
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
async function writeSample(local: TestCluster, client: AlluxioClient, name: string): Promise<{ path: string; sha256: string }> {
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
function phaseTracker(loop: () => ReadWriteLoop | undefined) {
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
function loopFigures(summary: ReadWriteSummary, refusedAt: number | undefined) {
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
function expectServedAfter(summary: ReadWriteSummary, counts: ReturnType<typeof loopFigures>): void {
  expect({ wrongBytes: counts.all.wrongBytes, readsFailedAfter: counts.after.readsFailed, failedReadsAfter: notOk(summary, 5, 'read', ['after']) }).toEqual({
    wrongBytes: 0,
    readsFailedAfter: 0,
    failedReadsAfter: [],
  });
  expect(counts.after.readsOk).toBeGreaterThan(0);
}

/** What a describe block's cluster gives its tests. */
interface RollbackCluster {
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
function useRollbackCluster(name: string, alluxio: AlluxioOptions, pairOf: (server: VersitygwWithIam, bucket: string) => Promise<S3Identity>): RollbackCluster {
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

describe('one master', () => {
  // MinIO's role: the cluster's pair is the server's root pair, as with a provisioned MinIO.
  const cluster = useRollbackCluster('rollback', { workerCount: 2 }, async (server) => server.root);
  const MINIO_SERVICE = 'minio-standin';

  test("generated keys, the S3 server in MinIO's role: MinIO restarted on the new root pair first, forward; then a pair refused after the restarts, rolled back by writing the last good pair", async () => {
    const { server, local, client, ssm, sample } = cluster;
    const started = Date.now();
    let loop: ReadWriteLoop | undefined;
    const phases = phaseTracker(() => loop);
    let refuseAtWorkers = false;
    const front = await startEcsFront(local.cluster.ecs!, {
      // MinIO's new task starts with the root pair SSM holds now.
      ownService: { name: MINIO_SERVICE, restart: async () => server.restart(await currentPair(ssm, local.parameters)) },
      beforeUpdate: async (service, updates) => {
        if (refuseAtWorkers && isService(service, local.cluster.serviceName('worker')) && phases.refusedAt === undefined) {
          // The master runs the new pair now; MinIO comes back with a root pair nobody holds.
          await server.restart(randomIdentity('elsewhere'));
          phases.refused(updates);
        }
        phases.onUpdate(updates);
      },
    });
    const environment = { ...PAIR_WAIT, AWS_ENDPOINT_URL_ECS: front.endpoint, KEY_OWNERSHIP: 'generated', MINIO_SERVICE };
    try {
      // The deployed pair is adopted: labelled as the last good one, nothing restarted.
      const adopted = await local.cluster.rotate(scheduleEvent, environment);
      expect({ outcome: adopted.outcome, restarted: adopted.restarted }).toEqual({ outcome: 'adopted', restarted: [] });

      // Forward: MinIO first (it refuses the old pair from then on), then the master and the workers.
      const first = randomIdentity('gen1');
      await putPair(ssm, local.parameters, first);
      loop = await client.readWriteContinuously([sample], '/loop-generated-forward');
      loop.phase('before');
      const forwardWatch = watchRefusedPair(local, (key) => key === server.root.accessKeyId);
      const forward = await local.cluster.rotate(changeEvent(local.parameters.accessKey), environment);
      await afterward(loop);
      const forwardWindow = await forwardWatch.stop();
      const forwardLoop = await loop.stop();
      expect({ outcome: forward.outcome, restarted: forward.restarted }).toEqual({ outcome: 'rotated', restarted: ['minio', 'master', 'workers'] });
      expect(server.root).toEqual(first);
      const forwardCounts = loopFigures(forwardLoop, undefined);

      // Rollback: a second pair, refused once the master has restarted on it.
      front.updates.length = 0;
      const second = randomIdentity('gen2');
      await putPair(ssm, local.parameters, second);
      loop = await client.readWriteContinuously([sample], '/loop-generated-rollback');
      loop.phase('before');
      refuseAtWorkers = true;
      const rollbackWatch = watchRefusedPair(local, (key) => key === server.root.accessKeyId);
      const result = await local.cluster.rotate(changeEvent(local.parameters.accessKey), environment);
      const rollbackDone = Date.now();
      await afterward(loop);
      const rollbackWindow = await rollbackWatch.stop();
      const summary = await loop.stop();
      const counts = loopFigures(summary, phases.refusedAt);

      figures.push({
        case: 'generated keys, MinIO role',
        wallSeconds: Math.round((Date.now() - started) / 1000),
        loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
        forward: { outcome: forward.outcome, functionMs: forward.durationMs, refusedPairWindowMs: forwardWindow.refusedMs, loop: forwardCounts },
        rollback: {
          functionMs: result.durationMs,
          outcome: result.outcome,
          code: result.code,
          refusedAtToRollbackDoneMs: phases.refusedAt === undefined ? undefined : rollbackDone - phases.refusedAt,
          refusedPairWindowMs: rollbackWindow.refusedMs,
          loop: counts,
        },
      });
      expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({
        outcome: 'rolled-back',
        restarted: ['minio', 'master', 'workers', 'minio', 'master', 'workers'],
      });
      expect(result.code).toMatch(FAILED_AFTER_RESTARTS);
      expect(result.reason).toContain('the last-known-good pair is back');
      // The function wrote the last good pair back (the parameters are the deployment's own), and
      // MinIO's new task, the master and the workers all run it.
      expect(await currentPair(ssm, local.parameters)).toEqual(first);
      expect(server.root).toEqual(first);
      expect(new Set(runningKeys(local))).toEqual(new Set([first.accessKeyId]));
      expect(front.updates.map((update) => update.service.split('/').pop())).toEqual([
        MINIO_SERVICE,
        local.cluster.serviceName('master'),
        local.cluster.serviceName('worker'),
        MINIO_SERVICE,
        local.cluster.serviceName('master'),
        local.cluster.serviceName('worker'),
      ]);
      expectServedAfter(forwardLoop, forwardCounts);
      expectServedAfter(summary, counts);
    } finally {
      await loop?.stop().catch(() => undefined);
      await front.close();
    }
  });

  test('user-owned keys: a new pair accepted while checked and revoked once the master restarted on it is rolled back to the last good pair; the function never writes the parameters', async () => {
    const { server, local, client, ssm, sample, bucket } = cluster;
    const started = Date.now();
    let loop: ReadWriteLoop | undefined;
    const phases = phaseTracker(() => loop);
    let revoke: S3Identity | undefined;
    const front = await startEcsFront(local.cluster.ecs!, {
      beforeUpdate: async (service, updates) => {
        if (revoke && isService(service, local.cluster.serviceName('worker')) && phases.refusedAt === undefined) {
          // The master runs the new pair now; the key is deleted on the server.
          await server.removeUser(revoke);
          phases.refused(updates);
        }
        phases.onUpdate(updates);
      },
    });
    const environment = { ...PAIR_WAIT, AWS_ENDPOINT_URL_ECS: front.endpoint };
    try {
      // The pair the first case left running is recorded as the last good one (the user's parameters
      // hold it). The deploy's own first run recorded the deployed versions; the parameters have moved
      // on since, so this run rotates, to the pair the cluster already runs: nothing is restarted.
      // (Checked at the end, so that the rollback's figures are taken either way.)
      const recorded = await local.cluster.rotateWithLog(scheduleEvent, environment);
      const record = {
        outcome: recorded.result.outcome,
        restarted: recorded.result.restarted,
        log: recorded.log.split('\n').filter((line) => /"step":"(planned|verified|rendered|outcome)"/.test(line)),
      };
      const good = await currentPair(ssm, local.parameters);

      const fresh = await server.addUser(bucket, randomIdentity('user'));
      await putPair(ssm, local.parameters, fresh);
      const written = { access: await history(ssm, local.parameters.accessKey), secret: await history(ssm, local.parameters.secretKey) };
      loop = await client.readWriteContinuously([sample], '/loop-user-rollback');
      loop.phase('before');
      revoke = fresh;
      const accepted = (key: string) => key !== fresh.accessKeyId || phases.refusedAt === undefined;
      const watch = watchRefusedPair(local, accepted);
      const result = await local.cluster.rotate(changeEvent(local.parameters.accessKey), environment);
      const rollbackDone = Date.now();
      await afterward(loop);
      const window = await watch.stop();
      const summary = await loop.stop();
      const counts = loopFigures(summary, phases.refusedAt);
      figures.push({
        case: 'user-owned keys, one master',
        wallSeconds: Math.round((Date.now() - started) / 1000),
        loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
        functionMs: result.durationMs,
        outcome: result.outcome,
        code: result.code,
        refusedAtToRollbackDoneMs: phases.refusedAt === undefined ? undefined : rollbackDone - phases.refusedAt,
        refusedPairWindowMs: window.refusedMs,
        loop: counts,
      });

      expect({ outcome: result.outcome, restarted: result.restarted }).toEqual({
        outcome: 'rolled-back',
        restarted: ['master', 'workers', 'master', 'workers'],
      });
      expect(result.code).toMatch(FAILED_AFTER_RESTARTS);
      expect(result.reason).toContain('the key parameters are yours and were left as they are');
      expect(result.reason).not.toContain(fresh.secretAccessKey);
      // Not one version of the user's parameters came from the function: the revoked pair is still theirs to replace.
      expect({ access: await history(ssm, local.parameters.accessKey), secret: await history(ssm, local.parameters.secretKey) }).toEqual(written);
      expect(await currentPair(ssm, local.parameters)).toEqual(fresh);
      // Every Alluxio process runs the last good pair again.
      expect(new Set(runningKeys(local))).toEqual(new Set([good.accessKeyId]));
      expectServedAfter(summary, counts);
      expect(record).toMatchObject({ outcome: 'rotated', restarted: [] });
    } finally {
      await loop?.stop().catch(() => undefined);
      await front.close();
    }
  });
});

describe('three masters', () => {
  let good: S3Identity;
  const cluster = useRollbackCluster('rollback-ha', { masters: AlluxioMasters.highlyAvailable(), workerCount: 2 }, async (server, bucket) => {
    good = await server.addUser(bucket, randomIdentity('good'));
    return good;
  });

  /**
   * A three-master rotation to a new user pair that the server stops accepting (the user removed) just
   * before the ECS update `revokeBefore` picks, with a read-write loop running and the masters sampled
   * throughout; the figures are recorded as `caseName`. What the tests assert on: the function's result,
   * the masters serving, the loop, and the parameters' history as written before the rotation.
   */
  async function rotateRevoking(caseName: string, loopPath: string, revokeBefore: (service: string) => boolean) {
    const { server, local, client, ssm, sample, bucket } = cluster;
    const started = Date.now();
    let loop: ReadWriteLoop | undefined;
    const phases = phaseTracker(() => loop);
    const fresh = await server.addUser(bucket, randomIdentity('user'));
    const front = await startEcsFront(local.cluster.ecs!, {
      beforeUpdate: async (service, updates) => {
        if (phases.refusedAt === undefined && revokeBefore(service)) {
          await server.removeUser(fresh);
          phases.refused(updates);
        }
        phases.onUpdate(updates);
      },
    });
    try {
      await putPair(ssm, local.parameters, fresh);
      const written = { access: await history(ssm, local.parameters.accessKey), secret: await history(ssm, local.parameters.secretKey) };
      loop = await client.readWriteContinuously([sample], loopPath);
      loop.phase('before');
      const masters = watchMasters(local);
      const result = await local.cluster.rotate(changeEvent(local.parameters.accessKey), { ...PAIR_WAIT, AWS_ENDPOINT_URL_ECS: front.endpoint });
      const rollbackDone = Date.now();
      await afterward(loop);
      const serving = await masters.stop();
      const summary = await loop.stop();
      const counts = loopFigures(summary, phases.refusedAt);
      figures.push({
        case: caseName,
        wallSeconds: Math.round((Date.now() - started) / 1000),
        loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
        functionMs: result.durationMs,
        restarted: result.restarted,
        outcome: result.outcome,
        code: result.code,
        reason: result.reason,
        refusedAtToRollbackDoneMs: phases.refusedAt === undefined ? undefined : rollbackDone - phases.refusedAt,
        fewestMastersServing: serving.fewest,
        mastersServing: serving.changes,
        loop: counts,
      });
      return { result, serving, summary, counts, written };
    } finally {
      await loop?.stop().catch(() => undefined);
      await front.close();
    }
  }

  test('user-owned keys revoked after the restarts: the rollback restarts one master at a time (standbys first); a majority serves throughout', async () => {
    const { local, ssm } = cluster;
    const { result, serving, summary, counts, written } = await rotateRevoking('user-owned keys, three masters', '/loop-ha-rollback', (service) =>
      isService(service, local.cluster.serviceName('worker')),
    );
    expect(result.outcome).toBe('rolled-back');
    expect(result.code).toMatch(FAILED_AFTER_RESTARTS);
    // Forward and back, each master restarted alone and waited for, the standbys before the primary.
    const masterRestarts = (result.restarted as string[]).filter((role) => role.startsWith('master-'));
    expect(result.restarted).toEqual([...masterRestarts.slice(0, 3), 'workers', ...masterRestarts.slice(3), 'workers']);
    expect(new Set(masterRestarts.slice(0, 3))).toEqual(new Set(['master-0', 'master-1', 'master-2']));
    expect(new Set(masterRestarts.slice(3))).toEqual(new Set(['master-0', 'master-1', 'master-2']));
    expect({ access: await history(ssm, local.parameters.accessKey), secret: await history(ssm, local.parameters.secretKey) }).toEqual(written);
    expect(new Set(runningKeys(local))).toEqual(new Set([good.accessKeyId]));
    // A majority served at every sample, forward and back, and exactly two at the fewest: one master
    // down at a time (a 3 would mean the sampler missed the restarts).
    expect({ fewest: serving.fewest, changes: serving.changes }).toEqual({ fewest: 2, changes: serving.changes });
    expectServedAfter(summary, counts);
  });

  test('user-owned keys revoked as the second master restarts: that master cannot start on them and is restarted back first, then the one before it; a majority serves throughout', async () => {
    const { local, ssm } = cluster;
    const masterServices = local.cluster.masterServiceNames;
    let masterUpdates = 0;
    // The first standby restarts on the new pair while MinIO still accepts it and stays up once it is
    // refused (a running master does not check the mount again: the case above sees all three keep
    // serving); the second starts on a refused pair, which a 2.9.6 master, standby or not, does not
    // survive (FAILED_AFTER_RESTARTS): its restart never settles (SERVICE_NOT_STABLE).
    const { result, serving, summary, counts, written } = await rotateRevoking(
      'user-owned keys, three masters, revoked at the second master restart',
      '/loop-ha-second-master',
      (service) => masterServices.some((name) => isService(service, name)) && ++masterUpdates === 2,
    );
    expect({ outcome: result.outcome, code: result.code }).toEqual({ outcome: 'rolled-back', code: 'SERVICE_NOT_STABLE' });
    // The master whose restart did not settle goes back first, then the one restarted before it; the
    // primary (never restarted) keeps the quorum, and no master is restarted while another is down.
    const [first, second] = result.restarted as string[];
    expect(result.restarted).toEqual([first, second, second, first]);
    expect(first).not.toBe(second);
    expect({ access: await history(ssm, local.parameters.accessKey), secret: await history(ssm, local.parameters.secretKey) }).toEqual(written);
    expect(new Set(runningKeys(local))).toEqual(new Set([good.accessKeyId]));
    expect(serving.fewest).toBe(2);
    // A standby down at a time leaves the primary serving: no read fails at all, before, during or after.
    expect({ readsFailed: counts.all.readsFailed, wrongBytes: counts.all.wrongBytes }).toEqual({ readsFailed: 0, wrongBytes: 0 });
    expectServedAfter(summary, counts);
  });
});
