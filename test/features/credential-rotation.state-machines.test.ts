import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { CredentialRotation } from '../../lib/features/credential-rotation';
import { runStateMachine, StateMachineFailed, StateMachineHost, TaskError } from '../../local/cloudformation/state-machine';

/*
 * The synthesized state machines of CredentialRotation, stepped through by the local harness's
 * interpreter (local/cloudformation/state-machine.ts) with scripted functions: the paths the rotation
 * depends on (loop until done, the waits the steps ask for, a failed step, the retry of a Lambda
 * service error, the pair wait and a name already used), and that the interpreter refuses what it
 * does not run.
 */
const ACCOUNT = '123456789012';
const functionArn = (logicalId: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${logicalId}`;
const machineArn = (logicalId: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${logicalId}`;

/** Both definitions, with every reference resolved to a recognisable ARN. */
function definitions() {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const service = (id: string) => ecs.FargateService.fromFargateServiceAttributes(stack, id, { cluster, serviceName: id });
  new CredentialRotation(stack, 'Rotation', {
    accessKeyParameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'A', { parameterName: '/c/access-key' }),
    secretKeyParameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'B', { parameterName: '/c/secret-key' }),
    sitePropertiesParameterName: '/c/site-properties',
    cluster,
    masterServices: [service('master')],
    workerService: service('workers'),
    vpc,
  });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const resolve = (piece: any): string => {
    if (typeof piece === 'string') return piece;
    if (piece.Ref === 'AWS::Partition') return 'aws';
    if (piece['Fn::GetAtt']) return functionArn(piece['Fn::GetAtt'][0]);
    return machineArn(piece.Ref);
  };
  const definition = (prefix: string) => {
    const [, machine] = Object.entries(machines).find(([id]) => id.startsWith(prefix))! as [string, any];
    const body = machine.Properties.DefinitionString;
    return JSON.parse(typeof body === 'string' ? body : body['Fn::Join'][1].map(resolve).join(''));
  };
  return { rotation: definition('RotationStateMachine'), start: definition('RotationStartMachine') };
}

const { rotation, start } = definitions();

/** A host whose functions answer from scripts, recording calls and waits. */
function scriptedHost(
  answers: Array<{ ok: true; result: any } | { ok: false; error: TaskError }>,
  onStart?: (arn: string, name: string, input: string) => unknown,
) {
  const calls: Array<{ functionArn: string; input: any }> = [];
  const waits: number[] = [];
  const starts: Array<{ arn: string; name: string; input: any }> = [];
  const host: StateMachineHost = {
    invoke: async (arn, input) => {
      calls.push({ functionArn: arn, input });
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      return answer;
    },
    startExecution: async (arn, name, input) => {
      starts.push({ arn, name, input: JSON.parse(input) });
      return onStart ? onStart(arn, name, input) : { ExecutionArn: `${arn}:${name}` };
    },
    wait: async (seconds) => {
      waits.push(seconds);
    },
  };
  return { host, calls, waits, starts };
}

describe('the rotation state machine', () => {
  test('calls the step with what the last step returned, waits the seconds it asks for, and ends with the step that is done', async () => {
    const { host, calls, waits } = scriptedHost([
      { ok: true, result: { n: 1, done: false, waitSeconds: 5 } },
      { ok: true, result: { n: 2, done: false, waitSeconds: 7 } },
      { ok: true, result: { n: 3, done: true, waitSeconds: 0, result: { outcome: 'rotated' } } },
    ]);
    const output = await runStateMachine(rotation, { trigger: { kind: 'schedule' } }, host);
    expect(output).toEqual({ n: 3, done: true, waitSeconds: 0, result: { outcome: 'rotated' } });
    expect(calls.map((c) => c.input)).toEqual([
      { trigger: { kind: 'schedule' } },
      { n: 1, done: false, waitSeconds: 5 },
      { n: 2, done: false, waitSeconds: 7 },
    ]);
    expect(calls.every((c) => /:function:RotationFunction[0-9A-F]+$/.test(c.functionArn))).toBe(true);
    expect(waits).toEqual([5, 7]);
  });

  test("a Lambda service error is retried as the definition says; a step's own error ends the execution as RotationStepFailed", async () => {
    const serviceError = { ok: false as const, error: { Error: 'Lambda.ServiceException', Cause: 'try again' } };
    const retried = scriptedHost([serviceError, serviceError, { ok: true, result: { done: true, waitSeconds: 0 } }]);
    await expect(runStateMachine(rotation, {}, retried.host)).resolves.toEqual({ done: true, waitSeconds: 0 });
    // IntervalSeconds 2, BackoffRate 2.
    expect(retried.waits).toEqual([2, 4]);
    const failing = scriptedHost([{ ok: false, error: { Error: 'Error', Cause: 'crashed' } }]);
    await expect(runStateMachine(rotation, {}, failing.host)).rejects.toEqual(
      new StateMachineFailed('RotationStepFailed', 'A rotation step failed or timed out: see the rotation function log'),
    );
  });
});

describe('the start state machine', () => {
  const trigger = { kind: 'parameter-change', parameterName: '/c/access-key' };

  test("waits out the pair, then starts the rotation machine under the name with the naming step's answer as its input: the trigger and the end of the pair wait, so the rotation does not wait it again", async () => {
    const event = { source: 'aws.ssm', detail: { name: '/c/access-key' } };
    const { host, calls, waits, starts } = scriptedHost([
      { ok: true, result: { ready: false, trigger, pairWaitUntil: 1, waitSeconds: 5 } },
      { ok: true, result: { ready: true, trigger, pairWaitUntil: 1, name: 'rotation-a1-2-s1-2-c1-1', waitSeconds: 5 } },
    ]);
    await runStateMachine(start, event, host);
    expect(calls[0].input).toEqual({ event });
    expect(calls[1].input).toMatchObject({ ready: false, pairWaitUntil: 1 });
    expect(calls.every((c) => /:function:RotationNameFunction[0-9A-F]+$/.test(c.functionArn))).toBe(true);
    expect(waits).toEqual([5]);
    expect(starts).toEqual([
      {
        arn: expect.stringMatching(/:stateMachine:RotationStateMachine[0-9A-F]+$/),
        name: 'rotation-a1-2-s1-2-c1-1',
        input: { ready: true, trigger, pairWaitUntil: 1, name: 'rotation-a1-2-s1-2-c1-1', waitSeconds: 5 },
      },
    ]);
  });

  test('a name already used ends quietly, and so does nothing to start; any other start error fails', async () => {
    const named = { ok: true as const, result: { ready: true, trigger, name: 'rotation-x', waitSeconds: 5 } };
    const exists = () => {
      throw { Error: 'StepFunctions.ExecutionAlreadyExistsException', Cause: 'Execution Already Exists' };
    };
    await expect(runStateMachine(start, {}, scriptedHost([named], exists).host)).resolves.toEqual({
      Error: 'StepFunctions.ExecutionAlreadyExistsException',
      Cause: 'Execution Already Exists',
    });
    const nothing = scriptedHost([{ ok: true, result: { ready: true, trigger, deferred: 'a deployment is in progress', waitSeconds: 5 } }]);
    await expect(runStateMachine(start, {}, nothing.host)).resolves.toMatchObject({ deferred: 'a deployment is in progress' });
    expect(nothing.starts).toEqual([]);
    const denied = () => {
      throw { Error: 'StepFunctions.AccessDeniedException', Cause: 'no' };
    };
    await expect(runStateMachine(start, {}, scriptedHost([named], denied).host)).rejects.toBeInstanceOf(StateMachineFailed);
  });
});

test('the harness refuses a state type or field it does not run, by name', async () => {
  const { host } = scriptedHost([]);
  await expect(runStateMachine({ StartAt: 'M', States: { M: { Type: 'Map', End: true } } }, {}, host)).rejects.toThrow(
    /state M: the local harness does not run Map states/,
  );
  await expect(
    runStateMachine({ StartAt: 'T', States: { T: { Type: 'Task', Resource: functionArn('f'), ResultPath: '$.x', End: true } } }, {}, host),
  ).rejects.toThrow(/state T, a Task state: the local harness does not run the fields ResultPath/);
});

describe('the harness runs the Amazon States Language as Step Functions does, or refuses by name', () => {
  test('the top-level TimeoutSeconds ends an execution that runs past it with States.Timeout, cutting its last wait short', async () => {
    expect(rotation.TimeoutSeconds).toBe(3360);
    const pending = { ok: true as const, result: { done: false, waitSeconds: 1000 } };
    const { host, waits } = scriptedHost(Array.from({ length: 10 }, () => pending));
    await expect(runStateMachine(rotation, { trigger: { kind: 'schedule' } }, host)).rejects.toMatchObject({ error: 'States.Timeout' });
    expect(waits.slice(0, 3)).toEqual([1000, 1000, 1000]);
    expect(waits).toHaveLength(4);
    expect(waits[3]).toBeGreaterThan(359);
    expect(waits[3]).toBeLessThanOrEqual(360);
  });

  test('each retrier counts its own attempts (states-language.net, Complex retry scenarios)', async () => {
    const service = { ok: false as const, error: { Error: 'Lambda.ServiceException', Cause: 'try again' } };
    const throttled = { ok: false as const, error: { Error: 'Lambda.TooManyRequestsException', Cause: 'slow down' } };
    const done = { ok: true as const, result: { done: true, waitSeconds: 0 } };
    // Service errors: IntervalSeconds 2, BackoffRate 2; throttles: IntervalSeconds 5, BackoffRate 2.
    const mixed = scriptedHost([service, throttled, service, done]);
    await expect(runStateMachine(rotation, {}, mixed.host)).resolves.toEqual({ done: true, waitSeconds: 0 });
    expect(mixed.waits).toEqual([2, 5, 4]);
    // Six service errors use up their retrier (MaxAttempts 6), not the throttle's.
    const many = scriptedHost([...Array.from({ length: 6 }, () => service), throttled, done]);
    await expect(runStateMachine(rotation, {}, many.host)).resolves.toEqual({ done: true, waitSeconds: 0 });
    expect(many.waits).toEqual([2, 4, 8, 16, 32, 64, 5]);
  });

  test('a field of a retrier, a catcher or the machine that the harness does not run is refused by name', async () => {
    const { host } = scriptedHost([]);
    const withStep = (change: (step: any) => void, top: Record<string, unknown> = {}) => {
      const copy = JSON.parse(JSON.stringify(rotation));
      change(copy.States.Step);
      return { ...copy, ...top };
    };
    await expect(
      runStateMachine(
        withStep((step) => (step.Retry[0].JitterStrategy = 'FULL')),
        {},
        host,
      ),
    ).rejects.toThrow(/state Step, Retry\[0\]: the local harness does not run the fields JitterStrategy/);
    await expect(
      runStateMachine(
        withStep((step) => (step.Retry[1].MaxDelaySeconds = 30)),
        {},
        host,
      ),
    ).rejects.toThrow(/state Step, Retry\[1\]: the local harness does not run the fields MaxDelaySeconds/);
    await expect(
      runStateMachine(
        withStep((step) => (step.Catch[0].ResultPath = '$.error')),
        {},
        host,
      ),
    ).rejects.toThrow(/state Step, Catch\[0\]: the local harness does not run the fields ResultPath/);
    await expect(
      runStateMachine(
        withStep(() => undefined, { QueryLanguage: 'JSONata', Version: '1.0' }),
        {},
        host,
      ),
    ).rejects.toThrow(/the state machine: the local harness does not run the fields QueryLanguage, Version/);
  });

  test('a Choice comparison on a variable the input does not have fails the execution with States.Runtime, it is not false', async () => {
    const { host, calls } = scriptedHost([
      { ok: true, result: { waitSeconds: 5 } },
      { ok: true, result: { done: true, waitSeconds: 0 } },
    ]);
    await expect(runStateMachine(rotation, {}, host)).rejects.toEqual(
      new StateMachineFailed('States.Runtime', "Invalid path '$.done': the Choice state Done? compares a value its input does not have"),
    );
    expect(calls).toHaveLength(1);
  });
});
