/*
 * Steps through a synthesized Step Functions definition (the ASL in the template) on this machine,
 * for the state types and fields the construct's state machines use and no others: Pass with
 * Parameters, Task on a Lambda function's ARN or on arn:<partition>:states:::states:startExecution,
 * Choice with BooleanEquals and IsPresent, Wait with Seconds or SecondsPath, Succeed and Fail, and
 * Retry (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate) and Catch (ErrorEquals, Next) on
 * tasks, and the top-level StartAt, States, Comment and TimeoutSeconds. Anything else in a definition
 * (a state type, a state's field, a retrier's or catcher's field, a top-level field) is refused by
 * name, so a change to the state machines cannot silently run differently here. Not a Step
 * Functions: see docs/local-ecs.md for what differs (waits are scaled, a started execution runs to
 * its end before the start returns). The semantics follow the Amazon States Language:
 * https://states-language.net/spec.html
 */

export interface TaskError {
  readonly Error: string;
  readonly Cause: string;
}

export interface StateMachineHost {
  /** Invokes the Lambda function with this ARN; a failed invocation is returned as `error`. */
  invoke(functionArn: string, input: unknown): Promise<{ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: TaskError }>;
  /** StartExecution of another state machine by name; a name already used throws a TaskError. */
  startExecution(stateMachineArn: string, name: string, input: string): Promise<unknown>;
  /** Step Functions' Wait of `seconds`, as the host scales it. */
  wait(seconds: number): Promise<void>;
  /** One line per state entered, for the test log. */
  trace?(line: string): void;
}

export class StateMachineFailed extends Error {
  constructor(
    public readonly error: string,
    public readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

type State = Record<string, any>;

export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
  readonly Comment?: string;
  /** The execution fails with States.Timeout once it has run this long (states-language.net/spec.html, top-level fields). */
  readonly TimeoutSeconds?: number;
}

const TOP_LEVEL_FIELDS = ['StartAt', 'States', 'Comment', 'TimeoutSeconds'];
const RETRIER_FIELDS = ['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate'];
const CATCHER_FIELDS = ['ErrorEquals', 'Next'];

const KNOWN_FIELDS: Record<string, readonly string[]> = {
  Pass: ['Type', 'Comment', 'Parameters', 'Next', 'End'],
  Task: ['Type', 'Comment', 'Resource', 'Parameters', 'Retry', 'Catch', 'Next', 'End'],
  Choice: ['Type', 'Comment', 'Choices', 'Default'],
  Wait: ['Type', 'Comment', 'Seconds', 'SecondsPath', 'Next', 'End'],
  Succeed: ['Type', 'Comment'],
  Fail: ['Type', 'Comment', 'Error', 'Cause'],
};

function refuseUnknownFields(where: string, value: object, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((field) => !known.includes(field));
  if (unknown.length > 0) throw new Error(`${where}: the local harness does not run the fields ${unknown.join(', ')}`);
}

/** Refuses, by name, anything in `definition` the interpreter does not run. */
function checkDefinition(definition: StateMachineDefinition): void {
  refuseUnknownFields('the state machine', definition, TOP_LEVEL_FIELDS);
  if (definition.TimeoutSeconds !== undefined && !(Number.isInteger(definition.TimeoutSeconds) && definition.TimeoutSeconds > 0)) {
    throw new Error(`the state machine: TimeoutSeconds ${JSON.stringify(definition.TimeoutSeconds)} is not a positive integer`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    const known = KNOWN_FIELDS[state.Type];
    if (!known) throw new Error(`state ${name}: the local harness does not run ${state.Type} states`);
    refuseUnknownFields(`state ${name}, a ${state.Type} state`, state, known);
    (state.Retry ?? []).forEach((retrier: object, index: number) => refuseUnknownFields(`state ${name}, Retry[${index}]`, retrier, RETRIER_FIELDS));
    (state.Catch ?? []).forEach((catcher: object, index: number) => refuseUnknownFields(`state ${name}, Catch[${index}]`, catcher, CATCHER_FIELDS));
    (state.Choices ?? []).forEach((rule: State) => ruleKind(rule));
  }
}

/**
 * The execution's clock, in the definition's seconds: every Wait (a state's or a retrier's) counts
 * the seconds the definition asks for, whatever the host makes of them (the local harness scales
 * them), and the rest is real time. A started execution's run is left out: Step Functions'
 * StartExecution returns at once, the local one only once the started execution ended.
 */
class ExecutionClock {
  private waited = 0;
  private excludedMs = 0;
  private readonly startedMs = Date.now();

  constructor(
    private readonly host: StateMachineHost,
    private readonly timeoutSeconds: number | undefined,
  ) {}

  get elapsedSeconds(): number {
    return this.waited + (Date.now() - this.startedMs - this.excludedMs) / 1000;
  }

  /** Fails the execution as Step Functions does once it has run past its TimeoutSeconds. */
  check(): void {
    if (this.timeoutSeconds !== undefined && this.elapsedSeconds >= this.timeoutSeconds) {
      throw new StateMachineFailed('States.Timeout', `the execution ran past its TimeoutSeconds of ${this.timeoutSeconds}`);
    }
  }

  /** A wait of `seconds`, cut short where the execution's timeout falls inside it. */
  async wait(seconds: number): Promise<void> {
    const remaining = this.timeoutSeconds === undefined ? seconds : Math.max(0, this.timeoutSeconds - this.elapsedSeconds);
    const waited = Math.min(seconds, remaining);
    const before = Date.now();
    await this.host.wait(waited);
    this.excludedMs += Date.now() - before;
    this.waited += waited;
    this.check();
  }

  async outside<T>(run: () => Promise<T>): Promise<T> {
    const before = Date.now();
    try {
      return await run();
    } finally {
      this.excludedMs += Date.now() - before;
    }
  }
}

/** Runs `definition` on `input` to its end: the output of a Succeed state, or a StateMachineFailed. */
export async function runStateMachine(definition: StateMachineDefinition, input: unknown, host: StateMachineHost): Promise<unknown> {
  checkDefinition(definition);
  const clock = new ExecutionClock(host, definition.TimeoutSeconds);
  let current = definition.StartAt;
  let data: unknown = input;
  for (;;) {
    clock.check();
    const state = definition.States[current];
    if (!state) throw new Error(`no state named ${current}`);
    host.trace?.(`${current} (${state.Type})`);
    switch (state.Type) {
      case 'Pass':
        data = state.Parameters === undefined ? data : parameters(state.Parameters, data);
        break;
      case 'Task': {
        const outcome = await runTask(state, data, host, clock);
        clock.check();
        if (outcome.ok) {
          data = outcome.result;
          break;
        }
        const handler = (state.Catch ?? []).find((c: { ErrorEquals: string[] }) => matches(c.ErrorEquals, outcome.error.Error));
        if (!handler) throw new StateMachineFailed(outcome.error.Error, outcome.error.Cause);
        // A Catch without ResultPath replaces the state's output with the error (ResultPath "$").
        data = outcome.error;
        current = handler.Next;
        continue;
      }
      case 'Choice': {
        const chosen = (state.Choices as State[]).find((choice) => holds(current, choice, data));
        current = chosen?.Next ?? state.Default;
        if (current === undefined) throw new StateMachineFailed('States.NoChoiceMatched', 'no choice matched and no Default');
        continue;
      }
      case 'Wait': {
        const seconds = state.SecondsPath !== undefined ? path(state.SecondsPath, data) : state.Seconds;
        if (!Number.isInteger(seconds) || seconds < 0)
          throw new StateMachineFailed('States.Runtime', `Wait seconds ${JSON.stringify(seconds)} is not a non-negative integer`);
        await clock.wait(seconds);
        break;
      }
      case 'Succeed':
        return data;
      case 'Fail':
        throw new StateMachineFailed(state.Error ?? 'States.Fail', state.Cause ?? '');
    }
    if (state.End) return data;
    current = state.Next;
  }
}

async function runTask(
  state: State,
  data: unknown,
  host: StateMachineHost,
  clock: ExecutionClock,
): Promise<{ ok: true; result: unknown } | { ok: false; error: TaskError }> {
  const input = state.Parameters === undefined ? data : parameters(state.Parameters, data);
  // Each retrier counts its own attempts across the state's run: "A Retrier's parameters apply across
  // all visits to that Retrier in the context of a single state execution" (states-language.net/spec.html,
  // Complex retry scenarios).
  const attempts = new Map<number, number>();
  for (;;) {
    let outcome: { ok: true; result: unknown } | { ok: false; error: TaskError };
    if (/^arn:[^:]+:states:::states:startExecution$/.test(state.Resource)) {
      const request = input as { StateMachineArn: string; Name: string; Input: unknown };
      try {
        outcome = {
          ok: true,
          result: await clock.outside(() =>
            host.startExecution(request.StateMachineArn, request.Name, typeof request.Input === 'string' ? request.Input : JSON.stringify(request.Input)),
          ),
        };
      } catch (error) {
        outcome = { ok: false, error: asTaskError(error) };
      }
    } else if (/^arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+$/.test(state.Resource)) {
      outcome = await host.invoke(state.Resource, input);
    } else {
      throw new Error(`the local harness runs tasks on a Lambda function ARN or states:startExecution, not ${state.Resource}`);
    }
    if (outcome.ok) return outcome;
    const index = (state.Retry ?? []).findIndex((r: { ErrorEquals: string[] }) => matches(r.ErrorEquals, outcome.error.Error));
    if (index < 0) return outcome;
    const retry = state.Retry[index];
    const attempt = attempts.get(index) ?? 0;
    // Step Functions' defaults: 3 attempts, 1 s apart, doubling.
    if (attempt >= (retry.MaxAttempts ?? 3)) return outcome;
    attempts.set(index, attempt + 1);
    await clock.wait((retry.IntervalSeconds ?? 1) * (retry.BackoffRate ?? 2) ** attempt);
  }
}

function asTaskError(error: unknown): TaskError {
  if (error && typeof error === 'object' && 'Error' in error && 'Cause' in error) return error as TaskError;
  return { Error: 'States.TaskFailed', Cause: error instanceof Error ? error.message : String(error) };
}

/** ErrorEquals: the name itself, or States.ALL for any error. */
function matches(errorEquals: readonly string[], error: string): boolean {
  return errorEquals.includes(error) || errorEquals.includes('States.ALL');
}

function ruleKind(choice: State): 'IsPresent' | 'BooleanEquals' {
  const fields = Object.keys(choice).filter((field) => field !== 'Next' && field !== 'Variable');
  if (fields.length === 1 && 'Variable' in choice && (fields[0] === 'IsPresent' || fields[0] === 'BooleanEquals')) return fields[0];
  throw new Error(`the local harness runs Choice rules of BooleanEquals or IsPresent, not ${JSON.stringify(choice)}`);
}

function holds(stateName: string, choice: State, data: unknown): boolean {
  const present = has(choice.Variable, data);
  if (ruleKind(choice) === 'IsPresent') return present === choice.IsPresent;
  // A comparison on a variable that is not there fails the execution (States.Runtime), it is not
  // false; test with IsPresent first where a field may be missing.
  if (!present)
    throw new StateMachineFailed('States.Runtime', `Invalid path '${choice.Variable}': the Choice state ${stateName} compares a value its input does not have`);
  return path(choice.Variable, data) === choice.BooleanEquals;
}

/** A reference path: `$` or `$.a.b` (all the definitions use). */
function segments(reference: string): string[] {
  if (reference === '$') return [];
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(reference)) throw new Error(`the local harness reads paths of the form $.a.b, not ${reference}`);
  return reference.slice(2).split('.');
}

function has(reference: string, data: unknown): boolean {
  let value: any = data;
  for (const key of segments(reference)) {
    if (value === null || typeof value !== 'object' || !(key in value)) return false;
    value = value[key];
  }
  return true;
}

function path(reference: string, data: unknown): any {
  if (!has(reference, data)) throw new StateMachineFailed('States.Runtime', `the path ${reference} is not in the state's input`);
  return segments(reference).reduce((value: any, key) => value[key], data);
}

/** Parameters: fields ending in `.$` take the value at their path; the others are taken as written. */
function parameters(template: unknown, data: unknown): unknown {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return template;
  return Object.fromEntries(
    Object.entries(template as Record<string, unknown>).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), path(String(value), data)] : [key, parameters(value, data)],
    ),
  );
}
