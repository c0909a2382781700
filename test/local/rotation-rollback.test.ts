import { readFileSync } from 'node:fs';
import { ReadWriteLoop } from '../../local/alluxio/alluxio-client';
import { startEcsFront } from '../support/ecs-front';
import { randomIdentity, S3Identity } from '../support/versitygw-iam';
import {
  afterward,
  changeEvent,
  currentPair,
  expectServedAfter,
  FAILED_AFTER_RESTARTS,
  history,
  isService,
  loopFigures,
  PAIR_WAIT,
  phaseTracker,
  putPair,
  runningKeys,
  scheduleEvent,
  suiteFigures,
  useRollbackCluster,
  watchRefusedPair,
} from '../support/rotation-rollback';

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
 * starts from the pair the first left running); the three-master cases are rotation-rollback-ha.test.ts,
 * a suite of its own so that the two run side by side.
 */

jest.setTimeout(1_200_000);
const figures = suiteFigures('rotation-rollback');

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
