import { parseRotationEnvironment, ROTATION_ENV, rotationTriggerOf } from '../../lib/core/rotation-environment';
import { captureOutput, useSandboxSsm } from './handler-harness';
import { currentValue, deployPair, labelledVersions, putSecureString, restartedServices, SERVICES, uniqueRotationPrefix } from '../support/rotation-sandbox';
import { useRotationFixture } from '../support/rotation-fixture';

/*
 * The rotation Lambda invoked in-process with EventBridge-shaped events, configured through its
 * environment as the construct configures it; SDK clients reach moto through AWS_ENDPOINT_URL, ECS
 * is mocked.
 */
useSandboxSsm();
const rotation = useRotationFixture();
const saved = { ...process.env };

afterEach(() => {
  for (const name of Object.values(ROTATION_ENV)) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function configure(prefix: string): void {
  Object.assign(process.env, {
    [ROTATION_ENV.accessKeyParameter]: `${prefix}/access-key`,
    [ROTATION_ENV.secretKeyParameter]: `${prefix}/secret-key`,
    [ROTATION_ENV.sitePropertiesParameter]: `${prefix}/site-properties`,
    [ROTATION_ENV.keyOwnership]: 'generated',
    [ROTATION_ENV.cluster]: SERVICES.cluster,
    [ROTATION_ENV.masterService]: SERVICES.masterServices[0],
    [ROTATION_ENV.workerService]: SERVICES.workerService,
    [ROTATION_ENV.alluxioMaster]: rotation.sandbox.master.address,
    [ROTATION_ENV.topicArn]: rotation.sandbox.topicArn,
    [ROTATION_ENV.pairWaitSeconds]: '1',
    [ROTATION_ENV.serviceStableTimeoutSeconds]: '2',
    [ROTATION_ENV.healthTimeoutSeconds]: '1',
  });
}

function parameterChange(name: string) {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Parameter Store Change',
    source: 'aws.ssm',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:ssm:us-east-1:123456789012:parameter${name}`],
    detail: { name, type: 'SecureString', operation: 'Update' },
  };
}

const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

/**
 * What the two state machines do with the handler's exports (lib/features/credential-rotation.ts): `name`
 * until ready (the pair wait), then, when named, `step` until done; the machines' Waits are not
 * waited here (the steps' bounds are wall-clock, so a short sleep between rounds stands in).
 * Returns the rotation's result and every execution state the machine would carry.
 */
async function handler(event: unknown): Promise<any> {
  const { name, step } = await import('../../lambda/rotation/index');
  let start = await name({ event });
  while (!start.ready) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    start = await name(start);
  }
  if (!start.name) return { outcome: 'deferred', reason: start.deferred };
  // The start machine's StartExecution passes the naming step's whole answer (lib/features/credential-rotation.ts).
  let execution = await step(start);
  carried.push(execution);
  while (!execution.done) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    execution = await step(execution);
    carried.push(execution);
  }
  return { ...execution.result, executionName: start.name };
}
const carried: object[] = [];
const WRONG_SECRET = 'a-wrong-secret-for-the-first-user';

// Step Functions keeps every state's input and output in the execution history: no test's states
// (failures and rollbacks included) may carry a secret.
afterEach(() => {
  const states = JSON.stringify(carried);
  carried.length = 0;
  for (const secret of [rotation.sandbox.first.secretAccessKey, rotation.sandbox.second.secretAccessKey, WRONG_SECRET]) expect(states).not.toContain(secret);
});

test('a parameter-change event for a new good pair rotates it; the schedule then finds it in sync; no secret in the logs', async () => {
  const prefix = uniqueRotationPrefix('lambda');
  const configuration = await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  const output = captureOutput();
  try {
    expect((await handler(scheduled)).outcome).toBe('adopted');
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.second.secretAccessKey);
    const rotated = await handler(parameterChange(`${prefix}/secret-key`));
    expect(rotated).toMatchObject({ outcome: 'rotated', restarted: ['master', 'workers'] });
    expect(restartedServices(rotation.ecs)).toEqual([SERVICES.masterServices[0], SERVICES.workerService]);
    expect(await labelledVersions(rotation.sandbox.ssm, `${prefix}/access-key`)).toEqual([2]);
    expect((await handler(parameterChange(`${prefix}/access-key`))).outcome).toBe('in-sync');
  } finally {
    output.restore();
  }
  const logs = output.text();
  expect(logs).toContain('"resource":"rotation"');
  expect(logs).toContain('"outcome":"rotated"');
  for (const secret of [rotation.sandbox.first.secretAccessKey, rotation.sandbox.second.secretAccessKey]) {
    expect(logs).not.toContain(secret);
  }
  expect((await currentValue(rotation.sandbox.ssm, configuration)).value).toContain(rotation.sandbox.second.accessKeyId);
});

test('a bad pair from an event is rolled back by the handler and reported, not thrown', async () => {
  const prefix = uniqueRotationPrefix('lambda-bad');
  const configuration = await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  const output = captureOutput();
  try {
    await handler(scheduled);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, WRONG_SECRET);
    const result = await handler(parameterChange(`${prefix}/secret-key`));
    expect(result).toMatchObject({ outcome: 'rolled-back', code: 'PAIR_REJECTED', restarted: [] });
  } finally {
    output.restore();
  }
  expect(output.text()).not.toContain(WRONG_SECRET);
  expect(output.text()).not.toContain(rotation.sandbox.first.secretAccessKey);
  const report = rotation.sandbox
    .notifications()
    .map((n) => JSON.parse(n.Message))
    .find((m) => m.siteProperties === configuration && m.outcome === 'rolled-back');
  expect(report).toMatchObject({ trigger: 'parameter-change', triggeredBy: `${prefix}/secret-key`, code: 'PAIR_REJECTED' });
});

test('keys you own, rolled back after the restarts: the next schedule names the same rotation, so the pair is not tried again; a new version names another', async () => {
  const prefix = uniqueRotationPrefix('lambda-user-rollback');
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  process.env[ROTATION_ENV.keyOwnership] = 'existing';
  const { name } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    expect((await handler(scheduled)).outcome).toBe('adopted');
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.second.secretAccessKey);
    // The master's first restart never settles; its restart in the rollback does.
    const ecs = rotation.mockEcs(() => (restartedServices(ecs).length >= 2 ? {} : { deployments: 2 }));
    const failed = await handler(parameterChange(`${prefix}/secret-key`));
    expect(failed).toMatchObject({ outcome: 'rolled-back', code: 'SERVICE_NOT_STABLE', restarted: ['master', 'master'] });
    // The rollback wrote the previous configuration back (a new parameter version); the name stays.
    expect((await name({ event: scheduled })).name).toBe(failed.executionName);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.second.secretAccessKey);
    expect((await name({ event: scheduled })).name).not.toBe(failed.executionName);
  } finally {
    output.restore();
  }
});

test('the events of both halves of a pair name one rotation; the next pair names another', async () => {
  const prefix = uniqueRotationPrefix('lambda-name');
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  const { name } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    expect((await handler(scheduled)).outcome).toBe('adopted');
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
    // The first half's event: only one half changed, so the start waits for the pair.
    const first = await name({ event: parameterChange(`${prefix}/access-key`) });
    expect(first).toMatchObject({ ready: false, waitSeconds: expect.any(Number) });
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.second.secretAccessKey);
    const firstAfterWait = await name(first);
    const second = await name({ event: parameterChange(`${prefix}/secret-key`) });
    expect(firstAfterWait).toMatchObject({ ready: true, name: expect.stringMatching(/^rotation-[A-Za-z0-9_-]{1,71}$/) });
    // Both name the same execution, so Step Functions starts it once.
    expect(second.name).toBe(firstAfterWait.name);
    expect((await handler(scheduled)).outcome).toBe('rotated');
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.first.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.first.secretAccessKey);
    const next = await name({ event: parameterChange(`${prefix}/secret-key`) });
    expect(next.name).not.toBe(second.name);
  } finally {
    output.restore();
  }
});

test('a one-half change: the pair wait the start waited is not waited again by the rotation it starts', async () => {
  const prefix = uniqueRotationPrefix('lambda-half');
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  // Long enough that a second wait would show in the first step's answer.
  process.env[ROTATION_ENV.pairWaitSeconds] = '2';
  const { name, step } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    expect((await handler(scheduled)).outcome).toBe('adopted');
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
    let start = await name({ event: parameterChange(`${prefix}/access-key`) });
    expect(start).toMatchObject({ ready: false, pairWaitUntil: expect.any(Number) });
    const waitedUntil = start.pairWaitUntil!;
    while (!start.ready) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      start = await name(start);
    }
    expect(start).toMatchObject({ ready: true, name: expect.any(String), pairWaitUntil: waitedUntil });
    // What the rotation machine's first step gets: the start's answer, as StartExecution passes it.
    const first = await step(start);
    carried.push(first);
    expect(first.pairWaitUntil).toBe(waitedUntil);
    expect(first.decision).toMatchObject({ action: 'rotate', reason: expect.stringMatching(/only .*access-key changed/) });
    let execution = first;
    while (!execution.done) execution = await step(execution);
    carried.push(execution);
    // Only the access key changed: the new key id with the old secret is refused before anything restarts.
    expect(execution.result).toMatchObject({ outcome: expect.stringMatching(/failed|rolled-back/) });
  } finally {
    output.restore();
  }
});

test('during a deployment the start defers and starts nothing (no name used up); a state that cannot be read still starts a rotation, which reports the failure', async () => {
  const prefix = uniqueRotationPrefix('lambda-deferred');
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  const { name } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    rotation.mockEcs(
      () => ({}),
      () => ({ rolloutState: 'IN_PROGRESS', deployments: 2 }),
    );
    const deferred = await name({ event: scheduled });
    expect(deferred).toMatchObject({ ready: true, deferred: expect.stringMatching(/deployment in progress/) });
    expect(deferred.name).toBeUndefined();
    rotation.mockEcs();
    process.env.ACCESS_KEY_PARAMETER = `${prefix}/no-such-parameter`;
    const unread = await name({ event: scheduled });
    expect(unread.name).toMatch(/^rotation-unread-/);
    expect(await handler(scheduled)).toMatchObject({ outcome: 'failed', code: 'UNEXPECTED_ERROR' });
  } finally {
    output.restore();
  }
});

/** A deployment of the first pair, adopted by the schedule; then the second pair written (versions 2), not yet rotated. */
async function adoptedThenSecondPair(prefix: string): Promise<void> {
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  expect((await handler(scheduled)).outcome).toBe('adopted');
  await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
  await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, rotation.sandbox.second.secretAccessKey);
}

test('a deployment that begins between the naming and the first step defers the rotation, which records it: the next naming retries the change under a new name', async () => {
  const prefix = uniqueRotationPrefix('lambda-raced');
  const { name, step } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    await adoptedThenSecondPair(prefix);
    let start = await name({ event: scheduled });
    expect(start).toMatchObject({ ready: true, name: expect.stringMatching(/^rotation-/), configurationParameter: expect.stringContaining(prefix) });
    // The deploy starts now, before the rotation machine's first step.
    rotation.mockEcs(
      () => ({}),
      () => ({ rolloutState: 'IN_PROGRESS', deployments: 2 }),
    );
    const deferred = await step(start);
    carried.push(deferred);
    expect(deferred.result).toMatchObject({ outcome: 'deferred', restarted: [] });
    expect(restartedServices(rotation.ecs)).toEqual([]);
    // The deploy ends without changing the configuration: the same change is named anew (the old
    // name is used up: Step Functions would refuse it), and that rotation rotates.
    rotation.mockEcs();
    const retry = await name({ event: scheduled });
    expect(retry.name).toBe(`${start.name}-r1`);
    expect(await name({ event: scheduled })).toMatchObject({ name: retry.name });
    start = retry;
    let execution = await step(start);
    while (!execution.done) execution = await step(execution);
    carried.push(execution);
    expect(execution.result).toMatchObject({ outcome: 'rotated', restarted: ['master', 'workers'] });
    // Once rotated, the schedule names the next state, which is in sync.
    expect((await name({ event: scheduled })).name).not.toMatch(/-r\d+$/);
  } finally {
    output.restore();
  }
});

test('a pair written while a rotation waits on its restarts is not taken up by it: the rotation checks and labels the pair it planned', async () => {
  const prefix = uniqueRotationPrefix('lambda-planned');
  const { name, step } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    await adoptedThenSecondPair(prefix);
    // The workers' restart is still rolling out when the first step ends (a bound longer than the 5 s poll).
    process.env[ROTATION_ENV.serviceStableTimeoutSeconds] = '30';
    let workerLooks = 0;
    rotation.mockEcs((service) => (service === SERVICES.workerService && ++workerLooks === 1 ? { rolloutState: 'IN_PROGRESS', deployments: 2 } : {}));
    const start = await name({ event: scheduled });
    let execution = await step(start);
    carried.push(execution);
    expect({ done: execution.done, result: execution.result }).toEqual({ done: false, result: undefined });
    // Meanwhile a pair MinIO refuses is written (versions 3): the next rotation's, not this one's.
    await putSecureString(rotation.sandbox.ssm, `${prefix}/access-key`, rotation.sandbox.second.accessKeyId);
    await putSecureString(rotation.sandbox.ssm, `${prefix}/secret-key`, WRONG_SECRET);
    while (!execution.done) execution = await step(execution);
    carried.push(execution);
    expect(execution.result).toMatchObject({ outcome: 'rotated', accessKeyVersion: 2, secretKeyVersion: 2 });
    expect(await labelledVersions(rotation.sandbox.ssm, `${prefix}/secret-key`)).toEqual([2]);
  } finally {
    output.restore();
  }
});

test("while an execution of the rotation state machine runs (Step Functions, moto), the naming step starts no other; the running one's own name still goes to StartExecution", async () => {
  const prefix = uniqueRotationPrefix('lambda-running');
  await deployPair(rotation.sandbox, prefix, rotation.sandbox.first);
  configure(prefix);
  const { SFNClient, CreateStateMachineCommand, StartExecutionCommand, StopExecutionCommand } = await import('@aws-sdk/client-sfn');
  const sfn = new SFNClient({});
  const { name } = await import('../../lambda/rotation/index');
  const output = captureOutput();
  try {
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: `${prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(-40)}-rotation`,
        roleArn: 'arn:aws:iam::123456789012:role/rotation',
        definition: JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } }),
      }),
    );
    process.env[ROTATION_ENV.rotationStateMachine] = machine.stateMachineArn;
    // Nothing running: named as before.
    const first = await name({ event: scheduled });
    expect(first).toMatchObject({ ready: true, name: expect.stringMatching(/^rotation-/) });
    // A rotation of an earlier pair still runs when the next pair arrives: nothing is started.
    const earlier = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'rotation-of-an-earlier-pair' }));
    const deferred = await name({ event: scheduled });
    expect(deferred).toMatchObject({ ready: true, deferred: expect.stringMatching(/rotation rotation-of-an-earlier-pair is still running/) });
    expect(deferred.name).toBeUndefined();
    await sfn.send(new StopExecutionCommand({ executionArn: earlier.executionArn }));
    // The running one is this very rotation (the other half's event): its name goes on, and StartExecution starts nothing.
    const same = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: first.name }));
    expect(await name({ event: scheduled })).toMatchObject({ name: first.name });
    // ...unless another runs beside it (listed after it, newest first): this one cannot hide it.
    const another = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'rotation-another' }));
    expect(await name({ event: scheduled })).toMatchObject({ deferred: expect.stringMatching(/rotation-another is still running/) });
    // A state that cannot be read starts a rotation of its own, but not beside a running one.
    const accessKeyParameter = process.env[ROTATION_ENV.accessKeyParameter];
    process.env[ROTATION_ENV.accessKeyParameter] = `${prefix}/no-such-parameter`;
    expect(await name({ event: scheduled })).toMatchObject({ deferred: expect.stringMatching(/is still running/) });
    process.env[ROTATION_ENV.accessKeyParameter] = accessKeyParameter;
    await sfn.send(new StopExecutionCommand({ executionArn: another.executionArn }));
    await sfn.send(new StopExecutionCommand({ executionArn: same.executionArn }));
    expect(await name({ event: scheduled })).toMatchObject({ name: first.name });
    // A look that fails (here: a machine Step Functions does not know) does not stop rotations: it is logged.
    process.env[ROTATION_ENV.rotationStateMachine] = `${machine.stateMachineArn}-gone`;
    expect(await name({ event: scheduled })).toMatchObject({ name: first.name });
    expect(output.text()).toMatch(/"step":"running-rotation-unknown","reason":"StateMachineDoesNotExist/);
  } finally {
    output.restore();
    sfn.destroy();
  }
});

describe('configuration and events', () => {
  test('a missing or malformed variable is named, with the fix', () => {
    expect(() => parseRotationEnvironment({})).toThrow(/^KEY_OWNERSHIP: is not set\. Fix: /);
    expect(() => parseRotationEnvironment({ KEY_OWNERSHIP: 'mine' })).toThrow(/^KEY_OWNERSHIP: "mine" is not "generated" or "existing"/);
    expect(() => parseRotationEnvironment({ KEY_OWNERSHIP: 'existing' })).toThrow(/^ACCESS_KEY_PARAMETER: is not set/);
    const base = {
      KEY_OWNERSHIP: 'existing',
      ACCESS_KEY_PARAMETER: '/p/access-key',
      SECRET_KEY_PARAMETER: '/p/secret-key',
      SITE_PROPERTIES_PARAMETER: '/p/site-properties',
      ECS_CLUSTER: 'c',
      MASTER_SERVICE: 'm',
    };
    expect(() => parseRotationEnvironment(base)).toThrow(/^WORKER_SERVICE: is not set/);
    expect(() => parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', LAST_KNOWN_GOOD_LABEL: 'aws-good' })).toThrow(/^LAST_KNOWN_GOOD_LABEL: .*reserves/);
    expect(() => parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', PAIR_WAIT_SECONDS: '1.5' })).toThrow(/^PAIR_WAIT_SECONDS: /);
    expect(parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', PAIR_WAIT_SECONDS: '30' })).toMatchObject({
      label: 'last-known-good',
      pairWaitMs: 30000,
      ownsKeys: false,
    });
    expect(parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', KEY_OWNERSHIP: 'generated' })).toMatchObject({ ownsKeys: true });
    expect(() => parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', ROTATION_STATE_MACHINE: 'rotation' })).toThrow(
      /^ROTATION_STATE_MACHINE: "rotation" is not a state machine ARN/,
    );
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:Rotation';
    expect(parseRotationEnvironment({ ...base, WORKER_SERVICE: 'w', ROTATION_STATE_MACHINE: machine }).rotationStateMachineArn).toBe(machine);
  });

  test('MASTER_SERVICE and ALLUXIO_MASTER: one entry is a single master; several are comma-separated and must pair up', () => {
    const base = {
      KEY_OWNERSHIP: 'existing',
      ACCESS_KEY_PARAMETER: '/p/access-key',
      SECRET_KEY_PARAMETER: '/p/secret-key',
      SITE_PROPERTIES_PARAMETER: '/p/site-properties',
      ECS_CLUSTER: 'c',
      WORKER_SERVICE: 'w',
    };
    expect(parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m', ALLUXIO_MASTER: 'master.ns:19999' })).toMatchObject({
      services: { masterServices: ['arn:m'] },
      alluxioMasters: ['master.ns:19999'],
    });
    expect(parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m0,arn:m1,arn:m2', ALLUXIO_MASTER: 'm0:19999,m1:19999,m2:19999' })).toMatchObject({
      services: { masterServices: ['arn:m0', 'arn:m1', 'arn:m2'] },
      alluxioMasters: ['m0:19999', 'm1:19999', 'm2:19999'],
    });
    expect(parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m0,arn:m1' }).alluxioMasters).toBeUndefined();
    expect(() => parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m0,arn:m1', ALLUXIO_MASTER: 'm0:19999' })).toThrow(
      /^ALLUXIO_MASTER: names 1 masters but MASTER_SERVICE 2\. Fix: /,
    );
    expect(() => parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m0,,arn:m1' })).toThrow(/^MASTER_SERVICE: has an empty entry/);
    expect(() => parseRotationEnvironment({ ...base, MASTER_SERVICE: 'arn:m0', ALLUXIO_MASTER: 'http://m0' })).toThrow(/^ALLUXIO_MASTER: /);
  });

  test('a Parameter Store Change names the parameter; anything else is the reconcile schedule', () => {
    expect(rotationTriggerOf(parameterChange('/p/access-key'))).toEqual({ kind: 'parameter-change', parameterName: '/p/access-key' });
    expect(rotationTriggerOf(scheduled)).toEqual({ kind: 'schedule' });
    expect(rotationTriggerOf(undefined)).toEqual({ kind: 'schedule' });
  });
});
