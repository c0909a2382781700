/*
 * The credential rotation's run: a rotation as steps (runRotationStep, one Step Functions invocation
 * each, or runCredentialRotation in-process), and the naming step (nameRotation). Its types are in
 * rotation-types.ts, its ECS calls in rotation-ecs-services.ts, its report in rotation-report.ts.
 */
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { formatFinding } from '../core/diagnose';
import { InputError } from '../core/input-error';
import { leaderIndexes } from '../core/master-leader';
import {
  deferredRotationFromTags,
  deferredRotationTags,
  KeyParameterVersions,
  labelRefusal,
  lastKnownGoodFromTags,
  lastKnownGoodTags,
  masterRestartOrder,
  planRotation,
  RotationOutcome,
  rotationExecutionName,
  RotationState,
  writesLeftBeforeLabelBlocks,
} from '../core/rotation-plan';
import { credentialsOf, minioLocationOf, withCredentials } from '../core/site-properties';
import { askMasters, runMinioChecks } from './minio-checks';
import { labelParameterVersion, listParameterTags, readParameterVersions, tagParameter, unlabelParameterVersion } from './parameter-labels';
import { forceNewDeployment, runningConfigurationParameter, serviceRollout } from './rotation-ecs-services';
import { reportRotation, versionsOf } from './rotation-report';
import {
  asFailure,
  DEFAULT_ROTATION_TIMING,
  Deferred,
  masterRole,
  newRotationExecution,
  RotationClients,
  RotationConfig,
  RotationExecution,
  RotationFailure,
  RotationProgress,
  RotationResult,
  RotationStart,
  RotationTask,
  RotationTiming,
  RotationTrigger,
} from './rotation-types';
import { DecryptedParameter, KmsKeyContext, SsmParameters } from './ssm-parameters';

// What callers (the rotation handler, the CLI, the benches and tests) import from here.
export { DEFAULT_ROTATION_TIMING, newRotationExecution } from './rotation-types';
export type {
  RotationClients,
  RotationConfig,
  RotationExecution,
  RotationNaming,
  RotationParameters,
  RotationProgress,
  RotationResult,
  RotationServices,
  RotationStart,
  RotationTask,
  RotationTiming,
  RotationTrigger,
} from './rotation-types';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a rotation to its end in this process, one step after the other with the waits in between
 * (the CLI, the benches and the tests). Deployed, Step Functions runs the same steps
 * (lib/features/credential-rotation.ts), and its Wait state does what the sleep does here.
 */
export async function runCredentialRotation(
  config: RotationConfig,
  clients: RotationClients,
  trigger: RotationTrigger,
  timing: RotationTiming = DEFAULT_ROTATION_TIMING,
  onProgress: (progress: RotationProgress) => void = () => undefined,
): Promise<RotationResult> {
  let execution = newRotationExecution(trigger);
  for (;;) {
    execution = await runRotationStep(config, clients, execution, timing, onProgress);
    if (execution.done) return execution.result!;
    await sleep(timing.pollMs);
  }
}

/**
 * One step of a rotation: everything that can be done now without waiting, up to the next wait or
 * the end. Every wait has its own bound: the pair wait, each restart (forceNewDeployment to one stable
 * deployment) and each verification. A forward path that fails is rolled back: the last-known-good
 * pair written back (the deployment's own keys) or the previous configuration restored (the user's),
 * and what was restarted restarted again, one service at a time and each waited for. A rollback
 * restart that is not stable within its bound ends the rollback there: no further master is taken
 * down. The outcome goes to SNS, CloudWatch and tags on the configuration parameter when the
 * execution ends. A step does not throw for a failed rotation: it reports it and ends the execution.
 */
export async function runRotationStep(
  config: RotationConfig,
  clients: RotationClients,
  execution: RotationExecution,
  timing: RotationTiming = DEFAULT_ROTATION_TIMING,
  onProgress: (progress: RotationProgress) => void = () => undefined,
): Promise<RotationExecution> {
  const step = new RotationStep(config, clients, timing, onProgress, execution);
  return step.run();
}

/**
 * Names the rotation an event asks for, after the pair wait (so the events of both halves name the
 * same rotation): the start state machine passes the name to StartExecution, which refuses a name
 * it has seen. Reads versions only; changes nothing.
 */
export async function nameRotation(
  config: RotationConfig,
  clients: RotationClients,
  start: Pick<RotationStart, 'trigger' | 'pairWaitUntil'>,
  timing: RotationTiming = DEFAULT_ROTATION_TIMING,
  onProgress: (progress: RotationProgress) => void = () => undefined,
): Promise<RotationStart> {
  const step = new RotationStep(config, clients, timing, onProgress, newRotationExecution(start.trigger));
  return step.name(start.pairWaitUntil);
}

/** What a task did: finished (the next one runs now) or has to wait. */
type TaskProgress = { readonly finished: true; readonly insert?: RotationTask[] } | { readonly finished: false; readonly task: RotationTask };

class RotationStep {
  private readonly parameters: SsmParameters;
  private execution: RotationExecution;
  private restarted: string[];

  constructor(
    private readonly config: RotationConfig,
    private readonly clients: RotationClients,
    private readonly timing: RotationTiming,
    private readonly onProgress: (progress: RotationProgress) => void,
    execution: RotationExecution,
  ) {
    this.parameters = new SsmParameters(clients.ssm);
    this.execution = execution;
    this.restarted = [...execution.restarted];
  }

  private get names() {
    return { access: this.config.parameters.accessKeyParameterName, secret: this.config.parameters.secretKeyParameterName };
  }

  private get kms(): KmsKeyContext {
    return { kmsKeyId: this.config.parameters.kmsKeyId, kmsKeyInput: 'KmsKeyId' };
  }

  private progress(step: string, detail: Record<string, unknown> = {}): void {
    this.onProgress({ step, ...detail });
  }

  private waiting(todo: readonly RotationTask[]): RotationExecution {
    return { ...this.execution, todo, restarted: [...this.restarted], done: false, waitSeconds: Math.max(1, Math.ceil(this.timing.pollMs / 1000)) };
  }

  async run(): Promise<RotationExecution> {
    try {
      if (this.execution.stage === 'plan') {
        const planned = await this.plan();
        if (planned) return planned;
      }
      return await this.work();
    } catch (error) {
      if (error instanceof Deferred) return this.deferred(error);
      // Reading the state failed (SSM down, permissions) before anything was changed; still reported.
      const failure = asFailure(error);
      return this.finish({ outcome: 'failed', code: failure.code, reason: failure.message });
    }
  }

  async name(pairWaitUntil: number | undefined): Promise<RotationStart> {
    const trigger = this.execution.trigger;
    const waitSeconds = Math.max(1, Math.ceil(this.timing.pollMs / 1000));
    let gathered;
    try {
      gathered = await this.gather();
    } catch (error) {
      // A deployment in progress: nothing is started (and no name used up); the schedule comes back.
      if (error instanceof Deferred) return { ready: true, trigger, waitSeconds, deferred: error.message };
      // The state cannot be read: a rotation of its own (a name not seen before) reads it again and
      // reports the failure as before, unless another rotation runs (which this one would race).
      const name = `rotation-unread-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
      return (await this.deferredWhileAnotherRuns(name, trigger, waitSeconds)) ?? { ready: true, trigger, waitSeconds, name };
    }
    const decision = planRotation(gathered.plan, { pairWaitOver: false, provisionedMinio: this.config.services.minioService !== undefined });
    let waited: { pairWaitUntil: number } | undefined;
    if (decision.action === 'wait-for-pair') {
      const until = pairWaitUntil ?? Date.now() + this.timing.pairWaitMs;
      if (Date.now() < until) return { ready: false, trigger, pairWaitUntil: until, waitSeconds };
      // Passed to the rotation (the start machine's StartExecution input), which then does not wait again.
      waited = { pairWaitUntil: until };
    }
    const parameterName = gathered.live.parameterName;
    const settings = { ownsKeys: this.config.ownsKeys, services: this.config.services, label: this.config.label };
    const name = rotationExecutionName(gathered.plan, { parameterName, text: gathered.liveText }, settings, gathered.deferredRotation);
    return (
      (await this.deferredWhileAnotherRuns(name, trigger, waitSeconds)) ?? {
        ready: true,
        trigger,
        waitSeconds,
        ...waited,
        name,
        configurationParameter: parameterName,
      }
    );
  }

  /**
   * A deferral when an execution of the rotation state machine other than `name` runs; undefined
   * when none does (the same name running is the other half's event: StartExecution starts nothing).
   * Two per page, so this rotation's own execution cannot hide another. When they cannot be listed
   * (no permission, the API down), the rotation starts as it would without the look, and the log
   * says so: a look that fails must not stop every rotation. ListExecutions is eventually consistent
   * (API reference), so two namings in the same moment can still both start: best effort.
   */
  private async deferredWhileAnotherRuns(name: string, trigger: RotationTrigger, waitSeconds: number): Promise<RotationStart | undefined> {
    const stateMachineArn = this.config.rotationStateMachineArn;
    if (!stateMachineArn || !this.clients.sfn) return undefined;
    let running: string[];
    try {
      const listed = await this.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 2 }));
      running = (listed.executions ?? []).map((execution) => execution.name ?? '');
      this.progress('running-rotations', { running });
    } catch (error) {
      this.progress('running-rotation-unknown', { reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      return undefined;
    }
    const other = running.find((runningName) => runningName !== name);
    if (other === undefined) return undefined;
    return {
      ready: true,
      trigger,
      waitSeconds,
      deferred: `rotation ${other} is still running: a second one would race it; the next run (the reconcile schedule) rotates once it has ended`,
    };
  }

  /**
   * A deployment in progress at the first step: nothing is done. The naming step saw none, so one
   * began in between, and this execution's name is used up (Step Functions keeps it): the deferral
   * is recorded on the configuration the name was taken from, and the next naming (the schedule, or
   * the next event) names the same change's retry. Recording it is best effort: when it fails, the
   * change waits for a new key version, as before the record existed, and the log says so.
   */
  private async deferred(deferral: Deferred): Promise<RotationExecution> {
    const named = this.execution.named;
    if (named && this.execution.stage === 'plan') {
      try {
        await tagParameter(this.clients.ssm, named.configurationParameter, deferredRotationTags(named.name));
        this.progress('deferral-recorded', { name: named.name, parameter: named.configurationParameter });
      } catch (error) {
        this.progress('deferral-not-recorded', { name: named.name, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return this.finish({ outcome: 'deferred', reason: deferral.message }, { accessKeyVersion: 0, secretKeyVersion: 0 });
  }

  /** Gathers and decides; returns the execution when it waits for the pair or is done, undefined to go on. */
  private async plan(): Promise<RotationExecution | undefined> {
    const provisionedMinio = this.config.services.minioService !== undefined;
    const gathered = await this.gather();
    // The first step has no plan yet (a pair wait the start machine waited may already be set).
    const first = this.execution.plan === undefined;
    let decision = planRotation(gathered.plan, { pairWaitOver: false, provisionedMinio });
    if (first)
      this.progress('planned', { trigger: this.execution.trigger.kind, action: decision.action, reason: decision.reason, ...versionsOf(gathered.plan) });
    this.execution = { ...this.execution, plan: gathered.plan, live: gathered.live, lastKnownGood: gathered.lastKnownGood };
    if (decision.action === 'wait-for-pair') {
      const until = this.execution.pairWaitUntil ?? Date.now() + this.timing.pairWaitMs;
      this.execution = { ...this.execution, pairWaitUntil: until };
      if (Date.now() < until) return this.waiting([]);
      decision = planRotation(gathered.plan, { pairWaitOver: true, provisionedMinio });
      this.progress('pair-wait-over', { action: decision.action, reason: decision.reason });
    }
    this.execution = { ...this.execution, decision: { action: decision.action, reason: decision.reason } };
    switch (decision.action) {
      case 'none':
        return this.finish({ outcome: 'in-sync', reason: decision.reason });
      case 'move-label':
        try {
          await this.moveLabel();
        } catch (error) {
          const failure = asFailure(error);
          return this.finish({ outcome: 'failed', code: failure.code, reason: failure.message });
        }
        return this.finish({ outcome: 'label-moved', reason: decision.reason });
      case 'adopt':
        this.execution = { ...this.execution, stage: 'forward', todo: [{ kind: 'verify', code: 'PAIR_REJECTED', withMasters: false }, { kind: 'label' }] };
        return undefined;
      default: {
        const minio: RotationTask[] =
          decision.restartMinio && this.config.services.minioService ? [{ kind: 'restart', role: 'minio', service: this.config.services.minioService }] : [];
        this.execution = {
          ...this.execution,
          stage: 'forward',
          todo: [
            ...minio,
            { kind: 'verify', code: 'PAIR_REJECTED', withMasters: false },
            { kind: 'render' },
            { kind: 'verify', code: 'HEALTH_CHECK_FAILED', withMasters: true },
            { kind: 'label' },
          ],
        };
        return undefined;
      }
    }
  }

  /** Runs the tasks left until one has to wait or none is left. */
  private async work(): Promise<RotationExecution> {
    let todo = [...this.execution.todo];
    while (todo.length > 0) {
      let done: TaskProgress;
      try {
        done = await this.runTask(todo[0]);
      } catch (error) {
        return this.failed(asFailure(error));
      }
      if (!done.finished) return this.waiting([done.task, ...todo.slice(1)]);
      todo = [...(done.insert ?? []), ...todo.slice(1)];
      this.execution = { ...this.execution, todo };
    }
    return this.completed();
  }

  private async runTask(task: RotationTask): Promise<TaskProgress> {
    switch (task.kind) {
      case 'restart':
        return this.restart(task);
      case 'restart-masters':
        return { finished: true, insert: await this.mastersInOrder(task.indexes, task.unsettled) };
      case 'verify':
        return this.verify(task);
      case 'render':
        return { finished: true, insert: await this.render() };
      case 'label':
        await this.moveLabel();
        return { finished: true };
    }
  }

  /** Every task done: the forward path's or the rollback's outcome. */
  private async completed(): Promise<RotationExecution> {
    const { decision, failure } = this.execution;
    if (this.execution.stage === 'rollback') {
      const untouched = this.config.ownsKeys ? 'the last-known-good pair is back' : `the cluster runs its previous configuration again; ${USER_KEYS_UNTOUCHED}`;
      return this.finish({ outcome: 'rolled-back', code: failure!.code, reason: `${failure!.message}; ${untouched}` });
    }
    return this.finish({ outcome: decision!.action === 'adopt' ? 'adopted' : 'rotated', reason: decision!.reason });
  }

  /** The forward path failed: roll back what it changed; the rollback itself failing ends it. */
  private async failed(failure: RotationFailure): Promise<RotationExecution> {
    if (this.execution.stage === 'rollback') {
      const first = this.execution.failure!;
      return this.finish({ outcome: 'failed', code: 'ROLLBACK_FAILED', reason: `${first.message}; rolling back stopped: ${failure.message}` });
    }
    this.progress('failed', { code: failure.code, reason: failure.message });
    const fail = (reason: string, code: string = failure.code) => this.finish({ outcome: 'failed', code, reason });
    // Adopting verifies what already runs: nothing to undo. A refused label: the new pair works and is in use.
    if (this.execution.decision?.action !== 'rotate' || failure.code === 'LABEL_REFUSED') return fail(failure.message);
    const rewritten = this.execution.sitePropertiesRewritten ?? false;
    this.execution = { ...this.execution, failure: { code: failure.code, message: failure.message } };
    try {
      if (!this.config.ownsKeys) {
        if (!rewritten && this.restarted.length === 0) return fail(`${failure.message}; nothing was changed; ${USER_KEYS_UNTOUCHED}`);
        const previous = await this.liveText();
        const restored = await this.parameters.putSecureStringIfChanged(this.execution.live!.parameterName, previous, 'SiteProperties', this.kms, false);
        this.progress('re-rendered', { version: restored.version, written: restored.written });
      } else {
        if (!this.execution.lastKnownGood) return fail(`${failure.message}; no last-known-good pair to return to`);
        await this.writeLastKnownGoodBack();
      }
    } catch (rollbackError) {
      const reason = rollbackError instanceof Error ? rollbackError.message : String(rollbackError);
      return fail(
        `${failure.message}; ${this.config.ownsKeys ? 'rolling back' : 'restoring the previous configuration'} failed too: ${reason}`,
        'ROLLBACK_FAILED',
      );
    }
    this.execution = { ...this.execution, stage: 'rollback', todo: this.restartsAgain(rewritten, failure) };
    return this.work();
  }

  /**
   * The restarts that put the restored configuration into service: what this run restarted, MinIO
   * first, then the masters (the one whose restart failed to settle first, then followers, the leader
   * last), then the workers, each a task of its own and each waited for. Masters and workers run the
   * new file only if it was written.
   */
  private restartsAgain(rewritten: boolean, failure: RotationFailure): RotationTask[] {
    const { services } = this.config;
    const tasks: RotationTask[] = [];
    if (this.restarted.includes('minio') && services.minioService) tasks.push({ kind: 'restart', role: 'minio', service: services.minioService });
    if (rewritten) {
      const masters = services.masterServices.map((_, index) => index).filter((index) => this.restarted.includes(this.masterRole(index)));
      const unsettled =
        failure.code === 'SERVICE_NOT_STABLE' ? masters.find((index) => this.masterRole(index) === this.restarted[this.restarted.length - 1]) : undefined;
      if (masters.length > 0) tasks.push({ kind: 'restart-masters', indexes: masters, unsettled });
      if (this.restarted.includes('workers')) tasks.push({ kind: 'restart', role: 'workers', service: services.workerService });
    }
    return tasks;
  }

  private async finish(
    outcome: { outcome: RotationOutcome; reason: string; code?: string },
    versions?: { accessKeyVersion: number; secretKeyVersion: number },
  ): Promise<RotationExecution> {
    const plan = this.execution.plan;
    const result: RotationResult = {
      outcome: outcome.outcome,
      code: outcome.code,
      reason: outcome.reason,
      accessKeyVersion: versions?.accessKeyVersion ?? plan?.accessKey.currentVersion ?? 0,
      secretKeyVersion: versions?.secretKeyVersion ?? plan?.secretKey.currentVersion ?? 0,
      restarted: [...this.restarted],
      durationMs: Date.now() - this.execution.startedAt,
    };
    await reportRotation(this.config, this.clients, result, this.execution.trigger, this.execution.live?.parameterName, this.onProgress);
    this.execution = { ...this.execution, stage: 'done', todo: [], restarted: [...this.restarted], result, done: true, waitSeconds: 0 };
    return this.execution;
  }

  /** The configuration the services run (rotation-ecs-services), and its text and version. */
  private async liveConfiguration(): Promise<{ parameterName: string; version: number; text: string }> {
    const parameterName = await runningConfigurationParameter(this.clients.ecs, this.config.services);
    const stored = await this.parameters.getDecrypted(parameterName, 'SitePropertiesParameterName', this.kms);
    return { parameterName, version: stored.version, text: stored.value };
  }

  /** Versions and last-known-good of both keys, whether the current values are the last good ones, and whether the cluster runs them. */
  private async gather(): Promise<{
    plan: RotationState;
    live: { parameterName: string; version: number };
    /** The configuration's text, keys included: for this step only, never carried in the execution. */
    liveText: string;
    lastKnownGood?: { accessKeyVersion: number; secretKeyVersion: number };
    /** The last rotation deferred after it was named (deferredRotationTags), if any. */
    deferredRotation?: string;
  }> {
    const { access, secret } = this.names;
    const kms = this.kms;
    const live = await this.liveConfiguration();
    try {
      minioLocationOf(live.text);
    } catch (error) {
      throw new RotationFailure('RENDER_REFUSED', error instanceof Error ? error.message : String(error));
    }
    let accessKey = await readParameterVersions(this.clients.ssm, access, this.config.label);
    let secretKey = await readParameterVersions(this.clients.ssm, secret, this.config.label);
    const tags = await listParameterTags(this.clients.ssm, live.parameterName);
    if (!this.config.ownsKeys) {
      // The user's parameters carry no label of ours: the last good versions are recorded on our own parameter.
      const recorded = lastKnownGoodFromTags(tags);
      accessKey = { ...accessKey, labelledVersion: recorded?.accessKeyVersion };
      secretKey = { ...secretKey, labelledVersion: recorded?.secretKeyVersion };
    }
    const currentAccess = await this.parameters.getDecrypted(access, 'AccessKeyParameterName', kms);
    const currentSecret = await this.parameters.getDecrypted(secret, 'SecretKeyParameterName', kms);
    let lastKnownGood: { accessKeyVersion: number; secretKeyVersion: number } | undefined;
    let currentEqualsLastKnownGood = false;
    if (accessKey.labelledVersion !== undefined && secretKey.labelledVersion !== undefined) {
      lastKnownGood = { accessKeyVersion: accessKey.labelledVersion, secretKeyVersion: secretKey.labelledVersion };
      const good = await this.pairAt(lastKnownGood);
      currentEqualsLastKnownGood = currentAccess.value === good.accessKey.value && currentSecret.value === good.secretKey.value;
    }
    const running = credentialsOf(live.text);
    const inSync = running.accessKeyId === currentAccess.value && running.secretKey === currentSecret.value;
    return {
      plan: { accessKey, secretKey, currentEqualsLastKnownGood, sitePropertiesInSync: inSync },
      live: { parameterName: live.parameterName, version: live.version },
      liveText: live.text,
      lastKnownGood,
      deferredRotation: deferredRotationFromTags(tags),
    };
  }

  /** The values of these versions of the keys; held in memory for one step, never logged or returned. */
  private async pairAt(versions: {
    accessKeyVersion: number;
    secretKeyVersion: number;
  }): Promise<{ accessKey: DecryptedParameter; secretKey: DecryptedParameter }> {
    const { access, secret } = this.names;
    return {
      accessKey: await this.parameters.getDecrypted(`${access}:${versions.accessKeyVersion}`, 'AccessKeyParameterName', this.kms),
      secretKey: await this.parameters.getDecrypted(`${secret}:${versions.secretKeyVersion}`, 'SecretKeyParameterName', this.kms),
    };
  }

  /**
   * The pair this rotation planned, read by version: what it renders and checks is what it labels
   * as last-known-good. A pair written since is the next rotation's (the naming step starts none
   * while this one runs), never taken up half-way under this one's versions.
   */
  private async plannedPair(): Promise<{ accessKey: DecryptedParameter; secretKey: DecryptedParameter }> {
    const { accessKey, secretKey } = this.execution.plan!;
    return this.pairAt({ accessKeyVersion: accessKey.currentVersion, secretKeyVersion: secretKey.currentVersion });
  }

  /** The configuration text as it was when the rotation was planned (that version, read again). */
  private async liveText(): Promise<string> {
    const live = this.execution.live!;
    return (await this.parameters.getDecrypted(`${live.parameterName}:${live.version}`, 'SitePropertiesParameterName', this.kms)).value;
  }

  private async render(): Promise<RotationTask[]> {
    const live = this.execution.live!;
    const previous = await this.liveText();
    const { accessKey, secretKey } = await this.plannedPair();
    let text: string;
    try {
      text = withCredentials(previous, accessKey.value, secretKey.value);
    } catch (error) {
      if (error instanceof InputError) throw new RotationFailure('RENDER_REFUSED', error.message);
      throw error;
    }
    const written = await this.parameters.putSecureStringIfChanged(live.parameterName, text, 'SiteProperties', this.kms, false);
    this.execution = { ...this.execution, sitePropertiesRewritten: written.written };
    this.progress('rendered', { parameter: live.parameterName, version: written.version, written: written.written });
    if (!written.written) return [];
    return [
      { kind: 'restart-masters', indexes: this.config.services.masterServices.map((_, index) => index) },
      { kind: 'restart', role: 'workers', service: this.config.services.workerService },
    ];
  }

  /**
   * Checks the current pair against MinIO (as the cluster's configuration names it) with the health
   * check's checks, and the leader's root mount when asked. A transient finding (a server still
   * starting, a timeout) is retried until the verification bound, so a MinIO that is restarting does
   * not get a good pair rolled back; a definitive one (wrong key, no bucket) fails at once.
   */
  private async verify(task: Extract<RotationTask, { kind: 'verify' }>): Promise<TaskProgress> {
    const until = task.until ?? Date.now() + this.timing.healthTimeoutMs;
    const location = minioLocationOf(await this.liveText());
    const { accessKey, secretKey } = await this.plannedPair();
    const alluxioMasters = task.withMasters ? this.config.alluxioMasters : undefined;
    const run = await runMinioChecks(
      {
        connection: { endpoint: location.endpoint, region: location.region, accessKeyId: accessKey.value, secretAccessKey: secretKey.value },
        bucket: location.bucket,
        directory: location.directory,
        alluxioMasters,
        rootUfsProperty: location.rootUfsKey,
      },
      this.timing.checkOptions,
    );
    this.progress('verified', {
      alluxioMaster: alluxioMasters !== undefined,
      ok: !run.failure,
      code: run.failure?.code,
      versions: { access: accessKey.version, secret: secretKey.version },
    });
    if (!run.failure) return { finished: true };
    if (!run.failure.transient || Date.now() + this.timing.pollMs >= until) throw new RotationFailure(task.code, formatFinding(run.failure));
    return { finished: false, task: { ...task, until } };
  }

  private masterRole(index: number): string {
    return masterRole(index, this.config.services.masterServices.length);
  }

  /**
   * The masters at `indexes` as restart tasks, one at a time: followers first, the leader last
   * (lib/core masterRestartOrder), so a quorum elects a new leader once, not once per restart.
   */
  private async mastersInOrder(indexes: readonly number[], unsettled?: number): Promise<RotationTask[]> {
    const order = masterRestartOrder(indexes, await this.findLeader(), unsettled);
    return order.map((index) => ({ kind: 'restart', role: this.masterRole(index), service: this.config.services.masterServices[index] }));
  }

  /**
   * The leader's index among the masters, from what their web ports answer now (only the leader
   * serves it); undefined when there is one master, no addresses, or not exactly one answers.
   */
  private async findLeader(): Promise<number | undefined> {
    const addresses = this.config.alluxioMasters;
    if (this.config.services.masterServices.length < 2) return undefined;
    if (!addresses) {
      this.progress('master-order', { leader: null, why: 'no master web addresses given: restarting in the given order' });
      return undefined;
    }
    const answers = await askMasters(addresses, this.timing.checkOptions.requestTimeoutMs);
    const leaders = leaderIndexes(answers);
    if (leaders.length !== 1) {
      this.progress('master-order', {
        leader: null,
        why: `${leaders.length === 0 ? 'no master answered as the leader' : `${leaders.length} masters answered as the leader`}: restarting in the given order`,
      });
      return undefined;
    }
    this.progress('master-order', { leader: answers[leaders[0]].address });
    return leaders[0];
  }

  /**
   * forceNewDeployment once (the master's journal is on its own volume and is not formatted again),
   * then one stable deployment within the restart bound, or the rotation (or its rollback) fails.
   */
  private async restart(task: Extract<RotationTask, { kind: 'restart' }>): Promise<TaskProgress> {
    const { cluster } = this.config.services;
    const { service, role } = task;
    let until = task.until;
    if (until === undefined) {
      this.progress('restarting', { role, service });
      await forceNewDeployment(this.clients.ecs, cluster, service);
      this.restarted.push(role);
      until = Date.now() + this.timing.serviceStableTimeoutMs;
      this.execution = { ...this.execution, restarted: [...this.restarted] };
    }
    const rollout = await serviceRollout(this.clients.ecs, cluster, service);
    if (rollout.failedReason !== undefined) {
      throw new RotationFailure('SERVICE_NOT_STABLE', `ECS service ${service} (${role}) failed its deployment: ${rollout.failedReason}`);
    }
    if (rollout.stable) {
      this.progress('stable', { role, service });
      return { finished: true };
    }
    if (Date.now() + this.timing.pollMs >= until) {
      const rest = this.execution.stage === 'rollback' ? '; no further service is restarted, so a quorum keeps its majority' : '';
      throw new RotationFailure(
        'SERVICE_NOT_STABLE',
        `ECS service ${service} (${role}) was not stable within ${Math.round(this.timing.serviceStableTimeoutMs / 1000)} s ${rollout.counts}${rest}`,
      );
    }
    return { finished: false, task: { ...task, until } };
  }

  /**
   * Records the current versions as last-known-good: the label on both (after checking SSM's
   * 10-label limit) when the keys are ours, tags on the deployment's own configuration parameter when
   * they are the user's (their parameters are only read).
   */
  private async moveLabel(): Promise<void> {
    const state = this.execution.plan!;
    const live = this.execution.live!;
    if (!this.config.ownsKeys) {
      await tagParameter(this.clients.ssm, live.parameterName, lastKnownGoodTags(state.accessKey.currentVersion, state.secretKey.currentVersion));
      this.progress('recorded', { parameter: live.parameterName, ...versionsOf(state) });
      return;
    }
    for (const parameter of [state.accessKey, state.secretKey]) {
      const refusal = labelRefusal(parameter, parameter.currentVersion, this.config.label);
      if (refusal) throw new RotationFailure('LABEL_REFUSED', refusal);
    }
    for (const parameter of [state.accessKey, state.secretKey]) {
      await labelParameterVersion(this.clients.ssm, parameter.name, parameter.currentVersion, this.config.label);
    }
    this.progress('labelled', { label: this.config.label, ...versionsOf(state) });
  }

  /**
   * The last-known-good values written back as new versions (labelled at once, so the label keeps
   * moving forward) and re-rendered into the configuration the cluster ran; the restarts follow as
   * tasks.
   */
  private async writeLastKnownGoodBack(): Promise<void> {
    const lastKnownGood = await this.pairAt(this.execution.lastKnownGood!);
    const kms = this.kms;
    this.progress('rolling-back');
    const restoredVersions: KeyParameterVersions[] = [];
    for (const [good, input] of [
      [lastKnownGood.accessKey, 'AccessKeyParameterName'],
      [lastKnownGood.secretKey, 'SecretKeyParameterName'],
    ] as const) {
      const name = good.name.replace(/:\d+$/, '');
      // Re-read: the other half may have been written while this run was verifying.
      let versions = await readParameterVersions(this.clients.ssm, name, this.config.label);
      if (writesLeftBeforeLabelBlocks(versions) === 0) {
        // The label sits on the oldest version SSM keeps, which would refuse this write
        // (ParameterMaxVersionLimitExceeded). The value is in memory; the label follows at once.
        await unlabelParameterVersion(this.clients.ssm, name, versions.labelledVersion!, this.config.label);
      }
      const written = await this.parameters.putSecureStringIfChanged(name, good.value, input, kms, false);
      versions = {
        ...versions,
        currentVersion: written.version,
        labelsByVersion: { ...versions.labelsByVersion, [written.version]: versions.labelsByVersion[written.version] ?? [] },
      };
      await labelParameterVersion(this.clients.ssm, name, written.version, this.config.label);
      restoredVersions.push({ ...versions, labelledVersion: written.version });
    }
    this.progress('restored', { access: restoredVersions[0].currentVersion, secret: restoredVersions[1].currentVersion });
    const text = withCredentials(await this.liveText(), lastKnownGood.accessKey.value, lastKnownGood.secretKey.value);
    const rendered = await this.parameters.putSecureStringIfChanged(this.execution.live!.parameterName, text, 'SiteProperties', kms, false);
    this.progress('re-rendered', { version: rendered.version, written: rendered.written });
    this.execution = { ...this.execution, plan: { ...this.execution.plan!, accessKey: restoredVersions[0], secretKey: restoredVersions[1] } };
  }
}

const USER_KEYS_UNTOUCHED = 'the key parameters are yours and were left as they are: put a pair MinIO accepts into them (the next run rolls it out)';
