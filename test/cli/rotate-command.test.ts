import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetParameterHistoryCommand } from '@aws-sdk/client-ssm';
import { RotationConfig, runCredentialRotation } from '../../lib/runtime/credential-rotation';
import {
  currentValue,
  deployPair,
  FAST_TIMING,
  restartedServices,
  rotationConfig,
  ROTATION_BUCKET,
  ROTATION_DIRECTORY,
  SERVICES,
  uniqueRotationPrefix,
} from '../support/rotation-sandbox';
import { runCommand } from '../support/cli';
import { sandboxAwsEnv } from '../support/sandbox';
import { useRotationFixture } from '../support/rotation-fixture';

/*
 * `alluxio-minio rotate` and `status` against moto's SSM and a two-identity versitygw. What the
 * deployed function does when SSM changes (EventBridge → Lambda) is played here by a watcher that
 * runs the same rotation in-process once it sees the new versions. ECS is mocked.
 */
const rotation = useRotationFixture();

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const run = await runCommand(args, env);
  return { ...run, all: run.stdout + run.stderr };
}

/** Stands in for EventBridge + the rotation Lambda: one rotation once the access key gets a new version. */
function deployedRotationFunction(config: RotationConfig): { stop: () => Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const initial = (await currentValue(rotation.sandbox.ssm, config.parameters.accessKeyParameterName)).version;
    while (!stopped) {
      if ((await currentValue(rotation.sandbox.ssm, config.parameters.accessKeyParameterName)).version !== initial) {
        await runCredentialRotation(
          config,
          { ssm: rotation.sandbox.ssm, ecs: new ECSClient({ region: 'us-east-1' }), sns: rotation.sandbox.sns, cloudwatch: rotation.sandbox.cloudwatch },
          { kind: 'parameter-change', parameterName: config.parameters.accessKeyParameterName },
          FAST_TIMING,
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function adopted(suite: string, extra: Partial<RotationConfig> = {}): Promise<{ config: RotationConfig; prefix: string }> {
  const prefix = uniqueRotationPrefix(suite);
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  const config = rotationConfig(rotation.sandbox, prefix, extra);
  await runCredentialRotation(config, { ssm: rotation.sandbox.ssm, ecs: new ECSClient({ region: 'us-east-1' }) }, { kind: 'schedule' }, FAST_TIMING);
  rotation.ecs.resetHistory();
  return { config, prefix };
}

const FOLLOW = ['--poll-interval-ms', '50', '--timeout', '20'];
const existingTarget = () => ['--endpoint', rotation.sandbox.s3.endpoint, '--bucket', ROTATION_BUCKET, '--directory', ROTATION_DIRECTORY];

describe('rotate with an existing MinIO (the new pair from the environment)', () => {
  test('checks the pair, writes both halves, follows the rotation to its end; status then shows it; no secret printed', async () => {
    const { config, prefix } = await adopted('cli-existing');
    const fn = deployedRotationFunction(config);
    const env = { ...sandboxAwsEnv(), MINIO_ACCESS_KEY: rotation.sandbox.second.accessKeyId, MINIO_SECRET_KEY: rotation.sandbox.second.secretAccessKey };
    const run = await cli(['rotate', '--prefix', prefix, ...existingTarget(), ...FOLLOW], env);
    await fn.stop();

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('checking the new pair');
    expect(run.stdout).toContain(`wrote ${prefix}/access-key version 2 and ${prefix}/secret-key version 2 (was 1 and 1)`);
    expect(run.stdout).toContain("rotation rotated: 'last-known-good' now on access key version 2 and secret key version 2");
    expect(restartedServices(rotation.ecs)).toEqual([SERVICES.masterServices[0], SERVICES.workerService]);

    const status = await cli(['status', '--prefix', prefix], sandboxAwsEnv());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${prefix}/access-key: version 2, 'last-known-good' on the current version`);
    expect(status.stdout).toMatch(/last rotation: rotated at \S+, keys access v2 \/ secret v2/);
    const json = JSON.parse((await cli(['status', '--prefix', prefix, '--json'], sandboxAwsEnv())).stdout);
    expect(json).toMatchObject({
      label: 'last-known-good',
      accessKey: { currentVersion: 2, labelledVersion: 2, writesLeft: 99 },
      lastRotation: { outcome: 'rotated' },
    });

    for (const secret of [rotation.sandbox.first.secretAccessKey, rotation.sandbox.second.secretAccessKey]) {
      expect(run.all + status.all).not.toContain(secret);
    }
  });

  test('a pair MinIO refuses is reported before anything is written (exit 1)', async () => {
    const { prefix } = await adopted('cli-refused');
    const wrong = 'this-secret-is-wrong-for-the-second-user';
    const run = await cli(['rotate', '--prefix', prefix, ...existingTarget(), ...FOLLOW], {
      ...sandboxAwsEnv(),
      MINIO_ACCESS_KEY: rotation.sandbox.second.accessKeyId,
      MINIO_SECRET_KEY: wrong,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the new pair does not work against MinIO (REQUEST_FORBIDDEN); nothing was written');
    expect((await currentValue(rotation.sandbox.ssm, `${prefix}/access-key`)).version).toBe(1);
    expect(run.all).not.toContain(wrong);
  });
});

describe('rotate with a provisioned MinIO (--generate)', () => {
  test('generates a pair; the MinIO restart takes it as root credentials; rotated, and the generated secret never printed', async () => {
    const { config, prefix } = await adopted('cli-generate', { services: { ...SERVICES, minioService: 'minio' } });
    // Restarting the provisioned MinIO is what makes the server accept the new pair: here it becomes an account.
    rotation.ecs.on(UpdateServiceCommand, { service: 'minio' }).callsFake(async () => {
      const accessKeyId = (await currentValue(rotation.sandbox.ssm, config.parameters.accessKeyParameterName)).value;
      const secretAccessKey = (await currentValue(rotation.sandbox.ssm, config.parameters.secretKeyParameterName)).value;
      await rotation.sandbox.s3.addUser(ROTATION_BUCKET, { accessKeyId, secretAccessKey });
      return {};
    });
    const fn = deployedRotationFunction(config);
    const run = await cli(['rotate', '--prefix', prefix, '--generate', ...FOLLOW], sandboxAwsEnv());
    await fn.stop();

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('rotation rotated');
    expect(restartedServices(rotation.ecs)).toEqual(['minio', SERVICES.masterServices[0], SERVICES.workerService]);
    const generated = await currentValue(rotation.sandbox.ssm, `${prefix}/secret-key`);
    expect(generated.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(run.all).not.toContain(generated.value);
    expect(run.all).not.toContain((await currentValue(rotation.sandbox.ssm, `${prefix}/access-key`)).value);
  });

  test('a generated pair the server does not take is rolled back: exit 1 with the code; status exits 1 too', async () => {
    const { config, prefix } = await adopted('cli-generate-bad', { services: { ...SERVICES, minioService: 'minio' } });
    const fn = deployedRotationFunction(config);
    const run = await cli(['rotate', '--prefix', prefix, '--generate', ...FOLLOW], sandboxAwsEnv());
    await fn.stop();

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rotation rolled-back (PAIR_REJECTED): the last-known-good pair is back as versions 3 / 3');
    const history = await rotation.sandbox.ssm.send(new GetParameterHistoryCommand({ Name: `${prefix}/secret-key`, WithDecryption: true }));
    const generated = history.Parameters!.find((p) => p.Version === 2)!.Value!;
    expect(run.all).not.toContain(generated);
    const status = await cli(['status', '--prefix', prefix], sandboxAwsEnv());
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('last rotation: rolled-back (PAIR_REJECTED)');
  });

  test('no deployed function: the command gives up after --timeout with the fix', async () => {
    const { prefix } = await adopted('cli-timeout');
    const run = await cli(['rotate', '--prefix', prefix, '--generate', '--poll-interval-ms', '50', '--timeout', '1'], sandboxAwsEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no rotation outcome within 1 s\. Fix: check that the stack's CredentialRotation function is deployed/);
  });
});

describe('usage errors (exit 2, nothing written)', () => {
  test.each([
    [['rotate', '--prefix', '/p'], /--endpoint: is required/],
    [['rotate', '--prefix', '/p', '--endpoint', 'http://127.0.0.1:1', '--bucket', 'b'], /MINIO_ACCESS_KEY: is not set/],
    [['rotate', '--generate'], /--access-key-parameter: is required without --prefix/],
    [['rotate', '--prefix', '/p', '--generate', '--label', 'aws-x'], /--label: .*reserves/],
    [['status', '--prefix', 'no-slash'], /--prefix: "no-slash" is not an SSM path/],
    [['rotate', '--prefix', '/p', '--bogus'], /invalid arguments/],
  ])('%j', async (args, message) => {
    const run = await cli(args, sandboxAwsEnv());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test("by default the command follows a rotation as long as the construct's machines may run it on the largest topology", async () => {
    const run = await cli(['rotate', '--help'], sandboxAwsEnv());
    expect(run.code).toBe(0);
    const followed = Number(/--timeout SECONDS +how long to follow the rotation \(default: (\d+)/.exec(run.stdout)![1]);
    // Five masters, the workers and a provisioned MinIO at the default waits: 660 s to start, 6360 s to roll
    // back (the machines' TimeoutSeconds, pinned in test/core/rotation-budget.test.ts). 3600 s before: below
    // the rotation machine's own timeout.
    expect(followed).toBe(660 + 6360);
  });

  test('--generate refuses a pair in the environment rather than ignoring it', async () => {
    const run = await cli(['rotate', '--prefix', '/p', '--generate'], { ...sandboxAwsEnv(), MINIO_ACCESS_KEY: 'A', MINIO_SECRET_KEY: 'do-not-print-me' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--generate: cannot be combined');
    expect(run.all).not.toContain('do-not-print-me');
  });
});
