import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { FAILURE_METRIC, SUCCESS_METRIC } from '../../lib/core/rotation-plan';
import { withCredentials } from '../../lib/core/site-properties';
import {
  newRotationExecution,
  RotationClients,
  RotationConfig,
  RotationExecution,
  RotationProgress,
  runCredentialRotation,
  runRotationStep,
} from '../../lib/runtime/credential-rotation';
import {
  currentValue,
  deployPair,
  FAST_TIMING,
  labelledVersions,
  metricSum,
  putSecureString,
  restartedServices,
  rotationConfig,
  SERVICES,
  uniqueRotationPrefix,
} from '../support/rotation-sandbox';
import { useRotationFixture } from '../support/rotation-fixture';
import { startFakeAlluxioMaster } from '../support/fake-alluxio-master';
import { expectNoSecret } from '../support/secrets';

/*
 * Rotation against real servers: a private versitygw with two identities, moto's SSM, SNS and
 * CloudWatch. Only ECS is mocked (there is none here); it reports every service stable unless a test
 * says otherwise. Every test searches its logs, SNS deliveries and results for the secrets involved.
 */
const rotation = useRotationFixture();

function clients(): RotationClients {
  return { ssm: rotation.sandbox.ssm, ecs: new ECSClient({ region: 'us-east-1' }), sns: rotation.sandbox.sns, cloudwatch: rotation.sandbox.cloudwatch };
}

async function rotate(config: RotationConfig, trigger: 'parameter-change' | 'schedule' = 'parameter-change') {
  const progress: RotationProgress[] = [];
  const result = await runCredentialRotation(config, clients(), { kind: trigger, parameterName: config.parameters.accessKeyParameterName }, FAST_TIMING, (p) =>
    progress.push(p),
  );
  return { result, progress, log: JSON.stringify(progress) };
}

/** A deployed pair (the first identity), adopted as last-known-good by a first reconcile. */
async function deployedAndAdopted(suite: string, extra: Partial<RotationConfig> = {}): Promise<RotationConfig> {
  const prefix = uniqueRotationPrefix(suite);
  liveConfiguration = await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  const config = rotationConfig(rotation.sandbox, prefix, extra);
  const { result } = await rotate(config, 'schedule');
  expect(result.outcome).toBe('adopted');
  rotation.ecs.resetHistory();
  return config;
}

function secretsOf(...identities: Array<{ accessKeyId: string; secretAccessKey: string }>): string[] {
  return identities.flatMap((i) => [i.secretAccessKey]);
}

function notificationsFor(config: RotationConfig) {
  return rotation.sandbox
    .notifications()
    .filter((n) => n.Message.includes(config.parameters.sitePropertiesBaseName))
    .map((n) => JSON.parse(n.Message));
}

/** The configuration parameter the (mocked) services' task definitions name in this test. */
let liveConfiguration = '';

describe('rotation to a good pair (the second identity on the S3 server)', () => {
  test('verified, re-rendered, master then workers restarted, healthy, label moved; outcome on SNS and in the metric', async () => {
    const config = await deployedAndAdopted('good');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result, log } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rotated', accessKeyVersion: 2, secretKeyVersion: 2, restarted: ['master', 'workers'] });
    expect(restartedServices(rotation.ecs)).toEqual([SERVICES.masterServices[0], SERVICES.workerService]);
    expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([2]);
    expect(await labelledVersions(rotation.sandbox.ssm, secret)).toEqual([2]);
    const siteAfter = await currentValue(rotation.sandbox.ssm, site);
    expect(siteAfter.version).toBe(siteBefore.version + 1);
    expect(siteAfter.value).toContain(`s3a.accessKeyId=${rotation.sandbox.second.accessKeyId}`);
    // The post-restart check asked the (stand-in) master for its root mount.
    expect(rotation.sandbox.master.requests).toContain('/api/v1/master/info');
    expect(notificationsFor(config).map((m) => m.outcome)).toEqual(['adopted', 'rotated']);
    expect(await metricSum(rotation.sandbox, config.metricNamespace, SUCCESS_METRIC, config.parameters.sitePropertiesBaseName)).toBe(2);
    expect(await metricSum(rotation.sandbox, config.metricNamespace, FAILURE_METRIC, config.parameters.sitePropertiesBaseName)).toBe(0);
    expectNoSecret(log + JSON.stringify(result) + rotation.sandbox.deliveredBodies().join('\n'), secretsOf(rotation.sandbox.first, rotation.sandbox.second));
  });

  test('the run after (the event for the second half, or the schedule) finds the pair in sync and does nothing', async () => {
    const config = await deployedAndAdopted('in-sync');
    const before = notificationsFor(config).length;
    const { result } = await rotate(config, 'schedule');
    expect(result.outcome).toBe('in-sync');
    expect(restartedServices(rotation.ecs)).toEqual([]);
    expect(notificationsFor(config)).toHaveLength(before);
  });
});

describe('rotation to a bad pair', () => {
  test('rolled back: nothing restarted, last-known-good values back as new labelled versions, site properties unchanged', async () => {
    const config = await deployedAndAdopted('bad');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    const wrongSecret = `${rotation.sandbox.second.secretAccessKey.slice(0, -4)}XXXX`;
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, wrongSecret);

    const { result, log } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED', restarted: [] });
    expect(result.reason).toMatch(/REQUEST_FORBIDDEN/);
    expect(restartedServices(rotation.ecs)).toEqual([]);
    expect(await currentValue(rotation.sandbox.ssm, access)).toEqual({ value: rotation.sandbox.first.accessKeyId, version: 3 });
    expect(await currentValue(rotation.sandbox.ssm, secret)).toEqual({ value: rotation.sandbox.first.secretAccessKey, version: 3 });
    expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([3]);
    expect(await labelledVersions(rotation.sandbox.ssm, secret)).toEqual([3]);
    expect(await currentValue(rotation.sandbox.ssm, site)).toEqual(siteBefore);
    const [, report] = notificationsFor(config);
    expect(report).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED', restarted: [] });
    expect(await metricSum(rotation.sandbox, config.metricNamespace, FAILURE_METRIC, config.parameters.sitePropertiesBaseName)).toBe(1);
    expectNoSecret(log + JSON.stringify(result) + rotation.sandbox.deliveredBodies().join('\n'), [
      ...secretsOf(rotation.sandbox.first, rotation.sandbox.second),
      wrongSecret,
    ]);
  });

  test('services that do not become stable: restarted ones restarted again on the restored file', async () => {
    const config = await deployedAndAdopted('unstable');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    // The workers' first deployment fails (a bad configuration); the one after the rollback succeeds.
    let workerDeployments = 0;
    rotation.mockEcs((service) => (service === SERVICES.workerService && ++workerDeployments === 1 ? { rolloutState: 'FAILED' } : {}));
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'SERVICE_NOT_STABLE' });
    expect(restartedServices(rotation.ecs)).toEqual([SERVICES.masterServices[0], SERVICES.workerService, SERVICES.masterServices[0], SERVICES.workerService]);
    const siteAfter = await currentValue(rotation.sandbox.ssm, site);
    expect(siteAfter.value).toBe(siteBefore.value);
    expect(siteAfter.version).toBe(siteBefore.version + 2);
  });

  test('a provisioned MinIO is restarted first with the new root pair, and again with the restored one', async () => {
    const config = await deployedAndAdopted('provisioned', { services: { ...SERVICES, minioService: 'minio' } });
    const { access, secret } = names(config);
    await putSecureString(rotation.sandbox.ssm, access, 'NEWROOTUSER0000000000');
    await putSecureString(rotation.sandbox.ssm, secret, 'not-the-root-password-of-this-server');

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED', restarted: ['minio', 'minio'] });
    expect(restartedServices(rotation.ecs)).toEqual(['minio', 'minio']);
  });
});

describe('the check after the restarts', () => {
  test('a master whose root mount is not the rendered one fails it: rolled back, master and workers restarted on the restored file', async () => {
    const wrongMaster = await startFakeAlluxioMaster({ rootUfsUri: 's3://another-bucket/elsewhere' });
    try {
      const config = await deployedAndAdopted('master-mismatch', { alluxioMasters: [wrongMaster.address] });
      const { access, secret, site } = names(config);
      const siteBefore = await currentValue(rotation.sandbox.ssm, site);
      await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
      await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

      const { result } = await rotate(config);

      expect(result).toMatchObject({ outcome: 'rolled-back', code: 'HEALTH_CHECK_FAILED', restarted: ['master', 'workers', 'master', 'workers'] });
      expect(result.reason).toMatch(/ALLUXIO_ROOT_MOUNT_MISMATCH/);
      expect((await currentValue(rotation.sandbox.ssm, site)).value).toBe(siteBefore.value);
      expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([3]);
    } finally {
      await wrongMaster.close();
    }
  });
});

describe('steps and waits (what Step Functions runs)', () => {
  test('a step never waits for a service: it requests the restart, asks ECS once, and returns the wait; what it carries holds no value', async () => {
    const config = await deployedAndAdopted('steps');
    const { access, secret } = names(config);
    // The master settles only on the third look after its restart.
    let looks = 0;
    const ecs = rotation.mockEcs((service) => (service === SERVICES.masterServices[0] && ++looks < 3 ? { rolloutState: 'IN_PROGRESS', deployments: 2 } : {}));
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);
    const executions: RotationExecution[] = [];
    let execution = newRotationExecution({ kind: 'parameter-change', parameterName: access });
    while (!execution.done) {
      const describedBefore = ecs.commandCalls(DescribeServicesCommand).length;
      execution = await runRotationStep(config, clients(), execution, FAST_TIMING);
      executions.push(execution);
      // No polling inside a step: each service it waits on is looked at once.
      const looked = ecs
        .commandCalls(DescribeServicesCommand)
        .slice(describedBefore)
        .map((call) => call.args[0].input.services ?? [])
        .filter((services) => services.length === 1)
        .map(([service]) => service);
      expect(new Set(looked).size).toBe(looked.length);
    }
    expect(execution.result).toMatchObject({ outcome: 'rotated', restarted: ['master', 'workers'] });
    // Planned and restarted the master, then two waits on it, then the rest in one go.
    expect(executions.map((e) => [e.done, e.todo[0]?.kind, e.waitSeconds])).toEqual([
      [false, 'restart', 1],
      [false, 'restart', 1],
      [true, undefined, 0],
    ]);
    expectNoSecret(JSON.stringify(executions), secretsOf(rotation.sandbox.first, rotation.sandbox.second));
  });

  test('a rollback restarts the master that did not settle first, then the others: two masters are never down together', async () => {
    const masterServices = ['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-2'];
    const config = await deployedAndAdopted('rollback-unsettled-first', { services: { ...SERVICES, masterServices }, alluxioMasters: undefined });
    const { access, secret } = names(config);
    // master-1 does not settle after its first restart (the forward path fails on it), and does after its second.
    const ecs = rotation.mockEcs((service) => {
      const restarts = restartedServices(ecs).filter((name) => name === service).length;
      return service !== 'alluxio-master-1' || restarts >= 2 ? {} : { rolloutState: 'IN_PROGRESS', deployments: 2, runningCount: 1 };
    });
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result } = await rotate(config);

    // Forward: master-0, master-1 (not stable). Rollback: master-1 (the one possibly down) before master-0;
    // master-0 first would have had 0 and 1 down at once. master-2 was never touched.
    expect(restartedServices(ecs)).toEqual(['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-1', 'alluxio-master-0']);
    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'SERVICE_NOT_STABLE', restarted: ['master-0', 'master-1', 'master-1', 'master-0'] });
  });

  test('a rollback restart that is not stable within its bound ends the rollback: the masters after it are not taken down too', async () => {
    const masterServices = ['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-2'];
    const config = await deployedAndAdopted('rollback-one-at-a-time', { services: { ...SERVICES, masterServices }, alluxioMasters: undefined });
    const { access, secret } = names(config);
    // master-1 never settles after a restart (the forward path fails on it).
    const ecs = rotation.mockEcs((service) => (service !== 'alluxio-master-1' ? {} : { rolloutState: 'IN_PROGRESS', deployments: 2, runningCount: 1 }));
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result, progress } = await rotate(config);

    // Forward: master-0, master-1 (not stable: fails). Rollback: master-1 first, not stable: stop; master-0 is not taken down again.
    expect(restartedServices(ecs)).toEqual(['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-1']);
    expect(result).toMatchObject({ outcome: 'failed', code: 'ROLLBACK_FAILED', restarted: ['master-0', 'master-1', 'master-1'] });
    expect(result.reason).toMatch(
      /alluxio-master-1 \(master-1\) was not stable within 0 s.*rolling back stopped: ECS service alluxio-master-1 \(master-1\) was not stable within 0 s .*no further service is restarted/,
    );
    expect(progress.map((p) => p.step)).toContain('restored');
    // The last-known-good pair is back in the parameters even so.
    expect(await currentValue(rotation.sandbox.ssm, access)).toMatchObject({ value: rotation.sandbox.first.accessKeyId });
  });
});

describe('only one half updated', () => {
  test('waits (bounded) for the other half, then verifies what is there and rolls back', async () => {
    const config = await deployedAndAdopted('half');
    const { access, secret } = names(config);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);

    const { result, progress } = await rotate(config);

    expect(progress.map((p) => p.step)).toEqual(expect.arrayContaining(['planned', 'pair-wait-over', 'rolling-back']));
    expect(progress[0]).toMatchObject({ action: 'wait-for-pair' });
    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED', restarted: [] });
    expect(await currentValue(rotation.sandbox.ssm, access)).toEqual({ value: rotation.sandbox.first.accessKeyId, version: 3 });
    // The secret half never changed: nothing written there.
    expect(await currentValue(rotation.sandbox.ssm, secret)).toEqual({ value: rotation.sandbox.first.secretAccessKey, version: 1 });
  });

  test('the other half arriving during the wait completes the rotation', async () => {
    const config = await deployedAndAdopted('half-then-pair');
    const { access, secret } = names(config);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    const later = new Promise<void>((resolve) =>
      setTimeout(() => void putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey).then(() => resolve()), 100),
    );

    const { result, progress } = await rotate(config);
    await later;

    expect(progress.map((p) => p.step)).not.toContain('pair-wait-over');
    expect(result).toMatchObject({ outcome: 'rotated', accessKeyVersion: 2, secretKeyVersion: 2 });
  });
});

describe("SSM's 100-version window", () => {
  async function putMany(name: string, value: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      await rotation.sandbox.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
  }

  test('a label on the oldest of 100 versions blocks writes; reconcile moves it forward so writes go on past 100', async () => {
    const config = await deployedAndAdopted('window');
    const { access, secret } = names(config);
    // 99 rewrites of the same values: versions 1..100, the label still on 1, the oldest.
    await putMany(access, rotation.sandbox.first.accessKeyId, 99);
    await putMany(secret, rotation.sandbox.first.secretAccessKey, 99);
    const blocked = await rotation.sandbox.ssm
      .send(new PutParameterCommand({ Name: access, Value: rotation.sandbox.first.accessKeyId, Type: 'SecureString', Overwrite: true }))
      .catch((error: Error) => error);
    expect((blocked as Error).name).toBe('ParameterMaxVersionLimitExceeded');

    const { result } = await rotate(config, 'schedule');

    expect(result).toMatchObject({ outcome: 'label-moved', restarted: [] });
    expect(restartedServices(rotation.ecs)).toEqual([]);
    expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([100]);
    await putMany(access, rotation.sandbox.first.accessKeyId, 5);
    expect((await currentValue(rotation.sandbox.ssm, access)).version).toBe(105);
  });

  test('a rollback whose label sits on the oldest version unlabels, writes the good value as version 101 and labels it', async () => {
    const config = await deployedAndAdopted('window-rollback');
    const { access } = names(config);
    await putMany(access, 'WRONGACCESSKEY000000', 99);

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED' });
    expect(await currentValue(rotation.sandbox.ssm, access)).toEqual({ value: rotation.sandbox.first.accessKeyId, version: 101 });
    expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([101]);
  });
});

describe('reconcile (the schedule) repairs what an event missed', () => {
  test('a new pair written with no event delivered is rotated by the scheduled run', async () => {
    const config = await deployedAndAdopted('missed-event');
    const { access, secret, site } = names(config);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result } = await rotate(config, 'schedule');

    expect(result).toMatchObject({ outcome: 'rotated', restarted: ['master', 'workers'] });
    expect((await currentValue(rotation.sandbox.ssm, site)).value).toContain(rotation.sandbox.second.accessKeyId);
  });

  test('keys in the running configuration that drifted from the labelled pair are put back and the services restarted', async () => {
    const config = await deployedAndAdopted('drift');
    const { site } = names(config);
    const good = await currentValue(rotation.sandbox.ssm, site);
    await putSecureString(rotation.sandbox.ssm, site, withCredentials(good.value, 'SOMEONEELSE000000000', 'someone-elses-secret-key'));

    const { result } = await rotate(config, 'schedule');

    expect(result).toMatchObject({ outcome: 'rotated', restarted: ['master', 'workers'] });
    expect((await currentValue(rotation.sandbox.ssm, site)).value).toBe(good.value);
  });

  test('a configuration whose non-key lines were edited keeps them: rotation changes only the keys', async () => {
    const config = await deployedAndAdopted('keys-only');
    const { access, secret, site } = names(config);
    const edited = `${(await currentValue(rotation.sandbox.ssm, site)).value}alluxio.user.note=kept\n`;
    await putSecureString(rotation.sandbox.ssm, site, edited);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rotated' });
    expect((await currentValue(rotation.sandbox.ssm, site)).value).toBe(
      withCredentials(edited, rotation.sandbox.second.accessKeyId, rotation.sandbox.second.secretAccessKey),
    );
  });
});

function names(config: RotationConfig) {
  return {
    access: config.parameters.accessKeyParameterName,
    secret: config.parameters.secretKeyParameterName,
    site: liveConfiguration,
    base: config.parameters.sitePropertiesBaseName,
  };
}

describe('rotation does not fight a deployment', () => {
  test('while a service has a deployment in progress the run is deferred: nothing written, restarted or reported', async () => {
    const config = await deployedAndAdopted('deferred');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    rotation.mockEcs(undefined, (service) => (service === SERVICES.workerService ? { rolloutState: 'IN_PROGRESS', deployments: 2 } : {}));
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);
    const before = notificationsFor(config).length;

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'deferred', restarted: [] });
    expect(result.reason).toMatch(/alluxio-workers has a deployment in progress/);
    expect(restartedServices(rotation.ecs)).toEqual([]);
    expect(await currentValue(rotation.sandbox.ssm, site)).toEqual(siteBefore);
    expect(notificationsFor(config)).toHaveLength(before);
  });

  test('a master and workers on different configurations (a deploy half done) defer the run too', async () => {
    const config = await deployedAndAdopted('split');
    const { site } = names(config);
    rotation.mockEcs(undefined, undefined, (service) => (service === SERVICES.workerService ? `${site.replace(/[0-9a-f]{16}$/, '')}0123456789abcdef` : site));
    const { result } = await rotate(config, 'schedule');
    expect(result).toMatchObject({ outcome: 'deferred' });
    expect(result.reason).toMatch(/a deployment is changing the configuration/);
  });
});

describe('keys the user named (fromParameters): only read', () => {
  async function adoptedReadOnly(suite: string): Promise<RotationConfig> {
    return deployedAndAdopted(suite, { ownsKeys: false });
  }

  test("adopting labels nothing: the last-known-good versions are recorded on the deployment's own configuration", async () => {
    const config = await adoptedReadOnly('readonly-adopt');
    const { access, secret, site } = names(config);
    expect(await labelledVersions(rotation.sandbox.ssm, access)).toEqual([]);
    expect(await labelledVersions(rotation.sandbox.ssm, secret)).toEqual([]);
    const { ListTagsForResourceCommand } = await import('@aws-sdk/client-ssm');
    const tags = (await rotation.sandbox.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: site }))).TagList ?? [];
    expect(tags).toContainEqual({ Key: 'alluxio-minio:last-known-good', Value: 'access:1 secret:1' });
  });

  test('a bad pair: refused before anything changed, the parameters left as the user wrote them, reported and counted', async () => {
    const config = await adoptedReadOnly('readonly-bad');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    const wrongSecret = `${rotation.sandbox.second.secretAccessKey.slice(0, -4)}XXXX`;
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, wrongSecret);

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'failed', code: 'PAIR_REJECTED', restarted: [] });
    expect(result.reason).toMatch(/nothing was changed; the key parameters are yours and were left as they are/);
    expect(await currentValue(rotation.sandbox.ssm, access)).toEqual({ value: rotation.sandbox.second.accessKeyId, version: 2 });
    expect(await currentValue(rotation.sandbox.ssm, secret)).toEqual({ value: wrongSecret, version: 2 });
    expect(await currentValue(rotation.sandbox.ssm, site)).toEqual(siteBefore);
    expect(restartedServices(rotation.ecs)).toEqual([]);
    expect(notificationsFor(config).at(-1)).toMatchObject({ outcome: 'failed', code: 'PAIR_REJECTED' });
    expect(await metricSum(rotation.sandbox, config.metricNamespace, FAILURE_METRIC, config.parameters.sitePropertiesBaseName)).toBe(1);
  });

  test('a failure after the restarts restores the previous configuration and restarts again, still without writing the keys', async () => {
    const wrongMaster = await startFakeAlluxioMaster({ rootUfsUri: 's3://another-bucket/elsewhere' });
    try {
      const config = await deployedAndAdopted('readonly-after', { ownsKeys: false, alluxioMasters: [wrongMaster.address] });
      const { access, secret, site } = names(config);
      const siteBefore = await currentValue(rotation.sandbox.ssm, site);
      await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
      await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

      const { result } = await rotate(config);

      expect(result).toMatchObject({ outcome: 'rolled-back', code: 'HEALTH_CHECK_FAILED', restarted: ['master', 'workers', 'master', 'workers'] });
      expect(result.reason).toMatch(/the cluster runs its previous configuration again; the key parameters are yours/);
      expect((await currentValue(rotation.sandbox.ssm, site)).value).toBe(siteBefore.value);
      expect(await currentValue(rotation.sandbox.ssm, access)).toEqual({ value: rotation.sandbox.second.accessKeyId, version: 2 });
      expect(await currentValue(rotation.sandbox.ssm, secret)).toEqual({ value: rotation.sandbox.second.secretAccessKey, version: 2 });
    } finally {
      await wrongMaster.close();
    }
  });
});

describe('faults only a mock can produce', () => {
  test('ECS refusing the restart (AccessDenied): the pair is restored, the file re-rendered back, the reason reported', async () => {
    const config = await deployedAndAdopted('ecs-denied');
    const { access, secret, site } = names(config);
    const siteBefore = await currentValue(rotation.sandbox.ssm, site);
    const denied = Object.assign(new Error('User is not authorized to perform ecs:UpdateService'), { name: 'AccessDeniedException' });
    rotation.ecs.on(UpdateServiceCommand).rejects(denied);
    await putSecureString(rotation.sandbox.ssm, access, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, secret, rotation.sandbox.second.secretAccessKey);

    const { result } = await rotate(config);

    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'UNEXPECTED_ERROR', restarted: [] });
    expect(result.reason).toMatch(/^AccessDeniedException: User is not authorized to perform ecs:UpdateService; the last-known-good pair is back/);
    expect((await currentValue(rotation.sandbox.ssm, access)).value).toBe(rotation.sandbox.first.accessKeyId);
    expect((await currentValue(rotation.sandbox.ssm, site)).value).toBe(siteBefore.value);
  });

  test('SSM unreachable while reading the state: reported as failed, nothing thrown', async () => {
    const config = await deployedAndAdopted('ssm-down');
    const { SSMClient } = await import('@aws-sdk/client-ssm');
    const unreachable = new SSMClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const result = await runCredentialRotation(config, { ...clients(), ssm: unreachable }, { kind: 'schedule' }, FAST_TIMING);
    expect(result).toMatchObject({ outcome: 'failed', code: 'UNEXPECTED_ERROR' });
    expect(result.reason).toMatch(/GetParameter/);
    expect(notificationsFor(config).map((m) => m.outcome)).toEqual(['adopted', 'failed']);
  });
});
