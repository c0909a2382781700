import { readFileSync } from 'node:fs';
import { AlluxioMasters } from '../../lib';
import { ReadWriteLoop } from '../../local/alluxio/alluxio-client';
import { startEcsFront } from '../support/ecs-front';
import { randomIdentity, S3Identity } from '../support/versitygw-iam';
import {
  afterward,
  changeEvent,
  expectServedAfter,
  FAILED_AFTER_RESTARTS,
  history,
  isService,
  loopFigures,
  PAIR_WAIT,
  phaseTracker,
  putPair,
  runningKeys,
  suiteFigures,
  useRollbackCluster,
  watchMasters,
} from '../support/rotation-rollback';

/*
 * Rotations that fail AFTER the services were restarted, rolled back on real processes, with three
 * masters on the embedded journal: how and why as in rotation-rollback.test.ts, whose single-master
 * cases are a suite of their own so that the two run side by side. Here the masters are also sampled
 * throughout, to show that a majority serves while the rollback restarts them one at a time.
 */

jest.setTimeout(1_200_000);
const figures = suiteFigures('rotation-rollback-ha');

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
