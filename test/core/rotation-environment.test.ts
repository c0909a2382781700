import { parseRotationEnvironment, ROTATION_ENV, rotationTriggerOf } from '../../lib/core/rotation-environment';
import { expectInputError } from './expect-input-error';

/*
 * The handler's configuration parsed directly, without the sandbox test/lambda/rotation.test.ts runs
 * it in; that suite pins the first missing variables, the label, and the master lists' pairing.
 */
const COMPLETE = {
  KEY_OWNERSHIP: 'generated',
  ACCESS_KEY_PARAMETER: '/p/access-key',
  SECRET_KEY_PARAMETER: '/p/secret-key',
  SITE_PROPERTIES_PARAMETER: '/p/site-properties',
  ECS_CLUSTER: 'cluster',
  MASTER_SERVICE: 'arn:m0',
  WORKER_SERVICE: 'arn:w',
};

describe('parseRotationEnvironment', () => {
  test('the construct and the handler agree on names only if no two settings share a variable', () => {
    const names = Object.values(ROTATION_ENV);
    expect(new Set(names).size).toBe(names.length);
  });

  test('an empty variable is unset: a required one is named as missing, an optional one is left out', () => {
    expectInputError(() => parseRotationEnvironment({ ...COMPLETE, ECS_CLUSTER: '' }), 'ECS_CLUSTER');
    const parsed = parseRotationEnvironment({
      ...COMPLETE,
      KMS_KEY_ID: '',
      MINIO_SERVICE: '',
      TOPIC_ARN: '',
      LAST_KNOWN_GOOD_LABEL: '',
      PAIR_WAIT_SECONDS: '',
    });
    expect(parsed.parameters.kmsKeyId).toBeUndefined();
    expect(parsed.services.minioService).toBeUndefined();
    expect(parsed.topicArn).toBeUndefined();
    expect(parsed.label).toBe('last-known-good');
    expect(parsed.pairWaitMs).toBeUndefined();
  });

  test('the required variables are read in order, so the first one missing is named whatever follows it', () => {
    const order = ['SECRET_KEY_PARAMETER', 'SITE_PROPERTIES_PARAMETER', 'ECS_CLUSTER', 'MASTER_SERVICE', 'WORKER_SERVICE'];
    order.forEach((name, index) => {
      const env: Record<string, string | undefined> = { ...COMPLETE };
      for (const later of order.slice(index)) delete env[later];
      const error = expectInputError(() => parseRotationEnvironment(env), name);
      expect(error.message).toBe(`${name}: is not set. Fix: set ${name} on the rotation function (the CredentialRotation construct does)`);
    });
  });

  test('master services are trimmed around the commas; a trailing comma is an empty entry', () => {
    expect(parseRotationEnvironment({ ...COMPLETE, MASTER_SERVICE: 'arn:m0, arn:m1 ,arn:m2' }).services.masterServices).toEqual(['arn:m0', 'arn:m1', 'arn:m2']);
    expectInputError(() => parseRotationEnvironment({ ...COMPLETE, MASTER_SERVICE: 'arn:m0,' }), 'MASTER_SERVICE');
  });

  test('each wait is whole seconds, read as milliseconds; zero is a wait, a sign or a space is not', () => {
    const parsed = parseRotationEnvironment({ ...COMPLETE, PAIR_WAIT_SECONDS: '0', SERVICE_STABLE_TIMEOUT_SECONDS: '300', HEALTH_TIMEOUT_SECONDS: '45' });
    expect([parsed.pairWaitMs, parsed.serviceStableTimeoutMs, parsed.healthTimeoutMs]).toEqual([0, 300_000, 45_000]);
    for (const text of ['-5', '+5', ' 60', '1e3']) {
      const error = expectInputError(() => parseRotationEnvironment({ ...COMPLETE, HEALTH_TIMEOUT_SECONDS: text }), 'HEALTH_TIMEOUT_SECONDS');
      expect(error.message).toContain(`${JSON.stringify(text)} is not a whole number of seconds`);
    }
  });

  test("a state machine ARN in any partition is taken; an execution's ARN is not", () => {
    const china = 'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Rotation';
    expect(parseRotationEnvironment({ ...COMPLETE, ROTATION_STATE_MACHINE: china }).rotationStateMachineArn).toBe(china);
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:Rotation:rotation-1';
    expectInputError(() => parseRotationEnvironment({ ...COMPLETE, ROTATION_STATE_MACHINE: execution }), 'ROTATION_STATE_MACHINE');
  });
});

describe('rotationTriggerOf', () => {
  const change = { source: 'aws.ssm', 'detail-type': 'Parameter Store Change', detail: { name: '/p/secret-key', operation: 'Update' } };

  test('only an SSM Parameter Store Change that names a parameter is a parameter change', () => {
    expect(rotationTriggerOf(change)).toEqual({ kind: 'parameter-change', parameterName: '/p/secret-key' });
    // Another SSM event, another source with the same detail-type, and a change without a name all reconcile.
    expect(rotationTriggerOf({ ...change, 'detail-type': 'Parameter Store Policy Action' })).toEqual({ kind: 'schedule' });
    expect(rotationTriggerOf({ ...change, source: 'custom.ssm' })).toEqual({ kind: 'schedule' });
    expect(rotationTriggerOf({ ...change, detail: { name: 42 } })).toEqual({ kind: 'schedule' });
    expect(rotationTriggerOf({ ...change, detail: undefined })).toEqual({ kind: 'schedule' });
  });
});
