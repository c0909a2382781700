import { ECSClient } from '@aws-sdk/client-ecs';
import { RotationConfig, RotationProgress, runCredentialRotation } from '../../lib/runtime/credential-rotation';
import { MasterQuorum, QUORUM_LEADER_TIMEOUT_MS, startMasterQuorum } from '../support/master-quorum';
import { useRotationFixture } from '../support/rotation-fixture';
import {
  deployPair,
  FAST_TIMING,
  putSecureString,
  restartedServices,
  ROTATION_BUCKET,
  ROTATION_DIRECTORY,
  rotationConfig,
  SERVICES,
  uniqueRotationPrefix,
} from '../support/rotation-sandbox';
import { unusedLoopbackPort } from '../support/loopback';
import { TEST_JVM_OPTIONS } from '../support/test-jvm';

/*
 * The rotation's master order against three real Alluxio 2.9.6 masters (test/support/master-quorum)
 * whose root mount is the rotation sandbox's S3 bucket, so the post-restart check passes on the
 * leader as on a deployed cluster. ECS is mocked (rotation-sandbox): the UpdateService calls are the
 * order the rotation chose; the masters themselves are not restarted by it.
 */
jest.setTimeout(600_000);

const rotation = useRotationFixture();
const MASTER_SERVICES = ['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-2'];
let quorum: MasterQuorum;
let leader: number;
/** The quorum's web addresses with the leader's first: index-aligned with MASTER_SERVICES, so leader-last differs from the given order. */
let leaderFirst: string[];

beforeAll(async () => {
  const { s3, first } = rotation.sandbox;
  quorum = await startMasterQuorum('rotation', {
    jvmOptions: TEST_JVM_OPTIONS,
    rootUfs: `s3://${ROTATION_BUCKET}/${ROTATION_DIRECTORY}`,
    extraProperties: {
      'alluxio.underfs.s3.endpoint': s3.endpoint,
      'alluxio.underfs.s3.endpoint.region': 'us-east-1',
      'alluxio.underfs.s3.disable.dns.buckets': 'true',
      's3a.accessKeyId': first.accessKeyId,
      's3a.secretKey': first.secretAccessKey,
    },
  });
  leader = await quorum.awaitLeader(QUORUM_LEADER_TIMEOUT_MS);
  leaderFirst = [quorum.webAddresses[leader], ...quorum.webAddresses.filter((_, i) => i !== leader)];
});

afterAll(async () => {
  await quorum?.stop();
});

async function rotate(config: RotationConfig, trigger: 'parameter-change' | 'schedule') {
  const progress: RotationProgress[] = [];
  const clients = { ssm: rotation.sandbox.ssm, ecs: new ECSClient({ region: 'us-east-1' }) };
  const result = await runCredentialRotation(config, clients, { kind: trigger, parameterName: config.parameters.accessKeyParameterName }, FAST_TIMING, (p) =>
    progress.push(p),
  );
  return { result, progress };
}

/** A deployed, adopted first pair, and the second pair put into the parameters: the next run rotates. */
async function readyToRotate(suite: string, alluxioMasters: string[]): Promise<RotationConfig> {
  const prefix = uniqueRotationPrefix(suite);
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  const config = rotationConfig(rotation.sandbox, prefix, { services: { ...SERVICES, masterServices: MASTER_SERVICES }, alluxioMasters });
  expect((await rotate(config, 'schedule')).result.outcome).toBe('adopted');
  rotation.ecs.resetHistory();
  await putSecureString(rotation.sandbox.ssm, config.parameters.accessKeyParameterName, rotation.sandbox.second.accessKeyId);
  await putSecureString(rotation.sandbox.ssm, config.parameters.secretKeyParameterName, rotation.sandbox.second.secretAccessKey);
  return config;
}

// The leader is alluxio-master-0 (see leaderFirst): it goes last.
const FOLLOWERS_THEN_LEADER = ['alluxio-master-1', 'alluxio-master-2', 'alluxio-master-0'];

test('the followers are restarted first, one at a time, the leader (the one answering) last; then the workers; verified on the leader', async () => {
  const config = await readyToRotate('leader-last', leaderFirst);
  const { result, progress } = await rotate(config, 'parameter-change');
  expect(result.outcome).toBe('rotated');
  expect(restartedServices(rotation.ecs)).toEqual([...FOLLOWERS_THEN_LEADER, SERVICES.workerService]);
  expect(result.restarted).toEqual(['master-1', 'master-2', 'master-0', 'workers']);
  expect(progress.find((p) => p.step === 'master-order')).toEqual({ step: 'master-order', leader: quorum.webAddresses[leader] });
  // Each restart was waited for before the next began.
  const steps = progress.filter((p) => p.step === 'restarting' || p.step === 'stable').map((p) => `${p.step} ${p.role}`);
  expect(steps.slice(0, 6)).toEqual(
    FOLLOWERS_THEN_LEADER.flatMap((service) => [`restarting master-${MASTER_SERVICES.indexOf(service)}`, `stable master-${MASTER_SERVICES.indexOf(service)}`]),
  );
});

test('no master answering as leader: the given order, said in the log (and the check after the restarts fails: rolled back in the same order)', async () => {
  const standbys = quorum.webAddresses.filter((_, i) => i !== leader);
  const nobody = `127.0.0.1:${await unusedLoopbackPort()}`;
  const config = await readyToRotate('no-leader', [standbys[0], standbys[1], nobody]);
  const { result, progress } = await rotate(config, 'parameter-change');
  const orders = progress.filter((p) => p.step === 'master-order');
  expect(orders.length).toBe(2);
  for (const order of orders)
    expect(order).toEqual({ step: 'master-order', leader: null, why: 'no master answered as the leader: restarting in the given order' });
  expect(result).toMatchObject({ outcome: 'rolled-back', code: 'HEALTH_CHECK_FAILED' });
  expect(result.reason).toContain('ALLUXIO_NO_LEADER');
  expect(restartedServices(rotation.ecs)).toEqual([...MASTER_SERVICES, SERVICES.workerService, ...MASTER_SERVICES, SERVICES.workerService]);
});

test('a rollback restarts what it restarted by the same rule: followers first, the leader last', async () => {
  const config = await readyToRotate('rollback-order', leaderFirst);
  // The workers never come up on the new file: the rotation fails there and rolls back. Their
  // rollback restart (on the last good file) succeeds, so the rollback completes: ROLLBACK_FAILED
  // would be a failure of this test, not another pass.
  const workerRestarts = () => restartedServices(rotation.ecs).filter((service) => service === SERVICES.workerService).length;
  rotation.mockEcs((service) => (service === SERVICES.workerService && workerRestarts() === 1 ? { rolloutState: 'FAILED' } : {}));
  const { result } = await rotate(config, 'parameter-change');
  expect({ outcome: result.outcome, code: result.code }).toEqual({ outcome: 'rolled-back', code: 'SERVICE_NOT_STABLE' });
  expect(restartedServices(rotation.ecs)).toEqual([...FOLLOWERS_THEN_LEADER, SERVICES.workerService, ...FOLLOWERS_THEN_LEADER, SERVICES.workerService]);
});
