import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { LocalExecution, SfnFront } from '../../local/cloudformation/sfn-front';
import { loadSandbox } from '../support/sandbox';

/*
 * The local deployer's Step Functions front (ListExecutions over the executions it runs) against
 * the reference the sandbox has, moto's Step Functions, with the same SDK calls: what the rotation's
 * naming step reads from it must read the same from both.
 */
const { aws } = loadSandbox();
const credentials = { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
const moto = new SFNClient({ endpoint: aws.endpoint, region: aws.region, credentials });
const executions: LocalExecution[] = [];
let front: SfnFront;
let local: SFNClient;
let reference: { stateMachineArn: string };

beforeAll(async () => {
  const created = await moto.send(
    new CreateStateMachineCommand({
      name: `sfn-front-${Date.now()}`,
      roleArn: 'arn:aws:iam::123456789012:role/rotation',
      definition: JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } }),
    }),
  );
  reference = { stateMachineArn: created.stateMachineArn! };
  const ended = await moto.send(new StartExecutionCommand({ stateMachineArn: reference.stateMachineArn, name: 'rotation-ended' }));
  await moto.send(new StopExecutionCommand({ executionArn: ended.executionArn }));
  await moto.send(new StartExecutionCommand({ stateMachineArn: reference.stateMachineArn, name: 'rotation-running' }));
  // The same executions as the deployer records them, on the same ARN.
  executions.push({ stateMachineArn: reference.stateMachineArn, name: 'rotation-ended', status: 'SUCCEEDED', startDate: Date.now() - 60_000 });
  executions.push({ stateMachineArn: reference.stateMachineArn, name: 'rotation-running', status: 'RUNNING', startDate: Date.now() });
  front = await SfnFront.start(
    () => executions,
    (arn) => arn === reference.stateMachineArn,
  );
  local = new SFNClient({ endpoint: front.endpoint, region: aws.region, credentials });
});

afterAll(async () => {
  local?.destroy();
  moto.destroy();
  await front?.close();
});

test('ListExecutions of the RUNNING ones, as the naming step asks: the same execution, ARN, status and date type from both', async () => {
  const ask = (client: SFNClient) =>
    client.send(new ListExecutionsCommand({ stateMachineArn: reference.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }));
  const [fromMoto, fromFront] = await Promise.all([ask(moto), ask(local)]);
  const shape = (listed: typeof fromMoto) =>
    (listed.executions ?? []).map((execution) => ({
      ...execution,
      startDate: execution.startDate instanceof Date && !Number.isNaN(execution.startDate.getTime()),
    }));
  expect(shape(fromFront)).toEqual(shape(fromMoto));
  expect(shape(fromFront)).toEqual([
    {
      executionArn: `${reference.stateMachineArn.replace(':stateMachine:', ':execution:')}:rotation-running`,
      stateMachineArn: reference.stateMachineArn,
      name: 'rotation-running',
      status: 'RUNNING',
      startDate: true,
    },
  ]);
});

test('without a filter every execution is listed, newest first, by both', async () => {
  const names = async (client: SFNClient) =>
    ((await client.send(new ListExecutionsCommand({ stateMachineArn: reference.stateMachineArn }))).executions ?? []).map((e) => e.name);
  expect(await names(local)).toEqual(await names(moto));
  expect(await names(local)).toEqual(['rotation-running', 'rotation-ended']);
});

test('a state machine it does not know is StateMachineDoesNotExist from both; any other operation is refused by name', async () => {
  const errorOf = async (client: SFNClient, arn: string) =>
    client.send(new ListExecutionsCommand({ stateMachineArn: arn })).then(
      () => undefined,
      (error: Error) => error.name,
    );
  const unknown = `${reference.stateMachineArn}-gone`;
  expect(await errorOf(local, unknown)).toBe('StateMachineDoesNotExist');
  expect(await errorOf(moto, unknown)).toBe('StateMachineDoesNotExist');
  const executionArn = `${reference.stateMachineArn.replace(':stateMachine:', ':execution:')}:rotation-running`;
  await expect(local.send(new DescribeExecutionCommand({ executionArn }))).rejects.toThrow(/serves ListExecutions only, not DescribeExecution/);
});
