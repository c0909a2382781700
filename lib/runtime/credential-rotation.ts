import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { formatFinding } from '../core/diagnose';
import { InputError } from '../core/input-error';
import { DEFAULT_PAIR_WAIT_SECONDS, DEFAULT_SERVICE_RESTART_SECONDS, DEFAULT_VERIFICATION_SECONDS, ROTATION_DEADLINE_RESERVE_SECONDS } from '../core/rotation-budget';
import {
  FAILURE_METRIC,
  isFailureOutcome,
  KeyParameterVersions,
  labelRefusal,
  METRIC_DIMENSION,
  planRotation,
  RotationDecision,
  lastKnownGoodFromTags,
  lastKnownGoodTags,
  masterRestartOrder,
  RotationFailureCode,
  RotationOutcome,
  rotationRecordTags,
  RotationState,
  SUCCESS_METRIC,
  writesLeftBeforeLabelBlocks,
} from '../core/rotation-plan';
import { credentialsOf, minioLocationOf, RenderedMinioLocation, withCredentials } from '../core/site-properties';
import { leaderIndexes } from '../core/master-leader';
import { askMasters, DEFAULT_CHECK_OPTIONS, MinioCheckOptions, runMinioChecks } from './minio-checks';
import { labelParameterVersion, listParameterTags, readParameterVersions, tagParameter, unlabelParameterVersion } from './parameter-labels';
import { DecryptedParameter, KmsKeyContext, SsmParameters } from './ssm-parameters';

/**
 * The ECS services a rotation restarts, in this order: MinIO (provisioned only), the masters
 * (followers first, the leader last), the workers.
 */
export interface RotationServices {
  readonly cluster: string;
  /** One per master (one entry: a single master), index-aligned with RotationConfig.alluxioMasters. */
  readonly masterServices: readonly string[];
  readonly workerService: string;
  /** Set when the construct runs MinIO, whose root credentials are the pair. */
  readonly minioService?: string;
}

/** The key parameters and the deployment's configuration parameters. */
export interface RotationParameters {
  readonly accessKeyParameterName: string;
  readonly secretKeyParameterName: string;
  /** The base name of the configuration parameters (`<base>/<generation>`): the metric dimension. */
  readonly sitePropertiesBaseName: string;
  /** Omitted: alias/aws/ssm. */
  readonly kmsKeyId?: string;
}

export interface RotationConfig {
  readonly parameters: RotationParameters;
  /**
   * Whether the key parameters are this deployment's own (generated): a failed rotation then writes
   * the last-known-good pair back and labels versions. Parameters the user named are only read: a
   * failure restores the cluster's configuration and reports, and last-known-good is kept in tags on
   * the deployment's own configuration parameter.
   */
  readonly ownsKeys: boolean;
  readonly services: RotationServices;
  /** SSM label marking the versions known to work. */
  readonly label: string;
  /**
   * `host[:port]` of each master's web port, index-aligned with the master services: before the
   * masters are restarted the leader (the one answering) is found and restarted last, and the
   * post-restart check compares the leader's root mount.
   */
  readonly alluxioMasters?: readonly string[];
  /** Where every outcome is published; omitted: metrics and tags only. */
  readonly topicArn?: string;
  readonly metricNamespace: string;
}

/** The clients, injected so tests pass the sandbox's SSM, SNS and CloudWatch and a mocked ECS. */
export interface RotationClients {
  readonly ssm: SSMClient;
  readonly ecs: ECSClient;
  readonly sns?: SNSClient;
  readonly cloudwatch?: CloudWatchClient;
}

/** Every wait is bounded; tests shorten them. */
export interface RotationTiming {
  /** How long to wait for the other half of the pair after one half changed. */
  readonly pairWaitMs: number;
  /** Poll step of every wait. */
  readonly pollMs: number;
  /** Per service, from forceNewDeployment to a single deployment with all tasks running. */
  readonly serviceStableTimeoutMs: number;
  /** After the restarts, until the checks (including the master's root mount) pass. */
  readonly healthTimeoutMs: number;
  readonly checkOptions: MinioCheckOptions;
}

// Each wait has its own bound, and all of them together are cut off by the run's deadline (see
// runCredentialRotation): the bounds alone add up to more than a Lambda's 15 minutes.
// The construct passes its own bounds (lib/core/rotation-budget); these are for a caller that passes none.
export const DEFAULT_ROTATION_TIMING: RotationTiming = {
  pairWaitMs: DEFAULT_PAIR_WAIT_SECONDS * 1000,
  pollMs: 5_000,
  serviceStableTimeoutMs: DEFAULT_SERVICE_RESTART_SECONDS * 1000,
  healthTimeoutMs: DEFAULT_VERIFICATION_SECONDS * 1000,
  checkOptions: DEFAULT_CHECK_OPTIONS,
};

/**
 * How long before the Lambda's own end the Lambda handler sets the run's deadline: enough for a
 * rollback's SSM writes, its re-render, its UpdateService calls and the report, each a single
 * bounded call.
 */
export const ROTATION_DEADLINE_RESERVE_MS = ROTATION_DEADLINE_RESERVE_SECONDS * 1000;

/** What started the run. */
export interface RotationTrigger {
  readonly kind: 'parameter-change' | 'schedule' | 'manual';
  /** For a parameter change: the parameter the event names. */
  readonly parameterName?: string;
}

/** One line of progress; never a value. */
export interface RotationProgress {
  readonly step: string;
  readonly [detail: string]: unknown;
}

export interface RotationResult {
  readonly outcome: RotationOutcome;
  readonly code?: RotationFailureCode | string;
  /** One sentence, no secret. */
  readonly reason: string;
  readonly accessKeyVersion: number;
  readonly secretKeyVersion: number;
  /** Services restarted, in order (a rollback's restarts included). */
  readonly restarted: string[];
  readonly durationMs: number;
}

class RotationFailure extends Error {
  constructor(
    public readonly code: RotationFailureCode,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The values behind the label; held in memory for a rollback, never logged. */
interface LastKnownGood {
  readonly accessKey: DecryptedParameter;
  readonly secretKey: DecryptedParameter;
}

/**
 * The configuration the cluster runs now: the parameter the services' task definitions name (ECS
 * injects it when a task starts) and its text. Rotation changes only the keys in it, so nothing the
 * deploy rendered is ever reverted from a stale copy of the settings.
 */
interface LiveConfiguration {
  readonly parameterName: string;
  readonly text: string;
  readonly location: RenderedMinioLocation;
}

interface GatheredState {
  readonly plan: RotationState;
  readonly live: LiveConfiguration;
  readonly lastKnownGood?: LastKnownGood;
}

/** The secret the construct's task definitions name the configuration parameter in. */
const SITE_PROPERTIES_SECRET = 'ALLUXIO_SITE_PROPERTIES';

/** Raised while ECS or CloudFormation is changing a service: the run then does nothing and says why. */
class Deferred extends Error {}

/**
 * Rotation runs as one bounded pass: gather the versions, decide (lib/core/rotation-plan), then
 * verify the new pair before anything that works is touched, re-render, restart in order, verify
 * again and move the label. On failure it writes the last-known-good values back as new versions,
 * re-renders, restarts only what it had restarted, and reports. The outcome goes to SNS, CloudWatch
 * and tags on the site-properties parameter; the function itself does not throw for a failed
 * rotation (an async Lambda retry would only run the same rotation again).
 *
 * `deadline` (epoch ms) ends every wait: the pair wait, each service's stabilisation and the health
 * wait stop at it even when their own bound is later. A forward path that reaches it fails with
 * OUT_OF_TIME and is rolled back like any other failure; the rollback's writes, its re-render and
 * its UpdateService calls still run (the caller leaves time for them after the deadline, see
 * ROTATION_DEADLINE_RESERVE_MS), but its waits for stability do not, so a killed run never leaves
 * new values half-deployed without a report.
 */
export async function runCredentialRotation(
  config: RotationConfig,
  clients: RotationClients,
  trigger: RotationTrigger,
  timing: RotationTiming = DEFAULT_ROTATION_TIMING,
  onProgress: (progress: RotationProgress) => void = () => undefined,
  deadline: number = Number.POSITIVE_INFINITY,
): Promise<RotationResult> {
  const run = new RotationRun(config, clients, timing, onProgress, deadline);
  let result: RotationResult;
  try {
    result = await run.execute(trigger);
  } catch (error) {
    if (error instanceof Deferred) {
      result = { outcome: 'deferred', reason: error.message, accessKeyVersion: 0, secretKeyVersion: 0, restarted: [], durationMs: 0 };
      await run.report(result, trigger);
      return result;
    }
    // Reading the state failed (SSM down, permissions): nothing was changed, but the outcome is still reported.
    const failure = asFailure(error);
    result = { outcome: 'failed', code: failure.code, reason: failure.message, accessKeyVersion: 0, secretKeyVersion: 0, restarted: [], durationMs: 0 };
  }
  await run.report(result, trigger);
  return result;
}

class RotationRun {
  private readonly parameters: SsmParameters;
  private readonly started = Date.now();
  private readonly restarted: string[] = [];

  constructor(
    private readonly config: RotationConfig,
    private readonly clients: RotationClients,
    private readonly timing: RotationTiming,
    private readonly onProgress: (progress: RotationProgress) => void,
    private readonly deadline: number,
  ) {
    this.parameters = new SsmParameters(clients.ssm);
  }

  private timeLeft(): number {
    return this.deadline - Date.now();
  }

  /** When a wait of `boundMs` must end, and whether the run's deadline, not its own bound, ends it. */
  private waitEnd(boundMs: number): { readonly at: number; readonly byDeadline: boolean } {
    const own = Date.now() + boundMs;
    return own < this.deadline ? { at: own, byDeadline: false } : { at: this.deadline, byDeadline: true };
  }

  private get names() {
    return { access: this.config.parameters.accessKeyParameterName, secret: this.config.parameters.secretKeyParameterName };
  }

  private get kms(): KmsKeyContext {
    return { kmsKeyId: this.config.parameters.kmsKeyId, kmsKeyInput: 'KmsKeyId' };
  }

  /** Set once the live configuration is known, so the report can tag it. */
  private liveParameterName?: string;

  private progress(step: string, detail: Record<string, unknown> = {}): void {
    this.onProgress({ step, ...detail });
  }

  private result(outcome: RotationOutcome, reason: string, state: RotationState, code?: string): RotationResult {
    return {
      outcome,
      code,
      reason,
      accessKeyVersion: state.accessKey.currentVersion,
      secretKeyVersion: state.secretKey.currentVersion,
      restarted: [...this.restarted],
      durationMs: Date.now() - this.started,
    };
  }

  async execute(trigger: RotationTrigger): Promise<RotationResult> {
    const provisionedMinio = this.config.services.minioService !== undefined;
    let gathered = await this.gather();
    let decision = planRotation(gathered.plan, { pairWaitOver: false, provisionedMinio });
    this.progress('planned', { trigger: trigger.kind, action: decision.action, reason: decision.reason, ...versionsOf(gathered.plan) });
    const pairWait = this.waitEnd(this.timing.pairWaitMs);
    const pairDeadline = pairWait.at;
    while (decision.action === 'wait-for-pair') {
      if (Date.now() >= pairDeadline) {
        if (pairWait.byDeadline) {
          return this.result('failed', 'the run reached its deadline while waiting for the other half of the pair; nothing was changed', gathered.plan, 'OUT_OF_TIME');
        }
        decision = planRotation(gathered.plan, { pairWaitOver: true, provisionedMinio });
        this.progress('pair-wait-over', { action: decision.action, reason: decision.reason });
        break;
      }
      await sleep(Math.min(this.timing.pollMs, Math.max(1, pairDeadline - Date.now())));
      gathered = await this.gather();
      decision = planRotation(gathered.plan, { pairWaitOver: false, provisionedMinio });
    }
    const state = gathered.plan;
    try {
      switch (decision.action) {
        case 'none':
          return this.result('in-sync', decision.reason, state);
        case 'move-label':
          await this.moveLabel(state, gathered.live);
          return this.result('label-moved', decision.reason, state);
        case 'adopt':
          await this.verifyPair('PAIR_REJECTED', gathered.live.location);
          await this.moveLabel(state, gathered.live);
          return this.result('adopted', decision.reason, state);
        default:
          return await this.rotate(decision, gathered);
      }
    } catch (error) {
      const failure = asFailure(error);
      return this.result('failed', failure.message, state, failure.code);
    }
  }

  /**
   * The configuration the services run: each service must have one completed deployment (while ECS or
   * a CloudFormation update is rolling one, a rotation would race it: the run is deferred), and the
   * master's and the workers' task definitions must name the same configuration parameter.
   */
  private async liveConfiguration(): Promise<LiveConfiguration> {
    const { cluster, masterServices, workerService, minioService } = this.config.services;
    const services = [...masterServices, workerService, ...(minioService ? [minioService] : [])];
    const described = await this.clients.ecs.send(new DescribeServicesCommand({ cluster, services }));
    // The environment names services by ARN (or name, in tests); DescribeServices answers with both.
    const serviceNamed = (name: string) => described.services?.find((s) => s.serviceArn === name || s.serviceName === name || name.endsWith(`/${s.serviceName}`));
    for (const name of services) {
      const service = serviceNamed(name);
      const deployments = service?.deployments ?? [];
      if (!service) throw new RotationFailure('UNEXPECTED_ERROR', `ECS service ${name} was not found`);
      if (deployments.length !== 1 || deployments[0].rolloutState === 'IN_PROGRESS') {
        throw new Deferred(`ECS service ${name} has a deployment in progress (${deployments.length} deployments); the next run (the reconcile schedule) rotates once it is done`);
      }
    }
    const parameterOf = async (serviceName: string): Promise<string> => {
      const service = serviceNamed(serviceName)!;
      const { taskDefinition } = await this.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
      const secret = taskDefinition?.containerDefinitions?.flatMap((c) => c.secrets ?? []).find((s) => s.name === SITE_PROPERTIES_SECRET);
      if (!secret?.valueFrom) throw new RotationFailure('UNEXPECTED_ERROR', `the task definition of ${serviceName} has no ${SITE_PROPERTIES_SECRET} secret`);
      return secret.valueFrom.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, '');
    };
    const workerParameter = await parameterOf(workerService);
    let masterParameter = workerParameter;
    for (const [index, masterService] of masterServices.entries()) {
      masterParameter = await parameterOf(masterService);
      if (masterParameter !== workerParameter) {
        throw new Deferred(`the ${this.masterRole(index)} runs ${masterParameter} and the workers ${workerParameter}: a deployment is changing the configuration; the next run rotates once it is done`);
      }
    }
    this.liveParameterName = masterParameter;
    const stored = await this.parameters.getDecrypted(masterParameter, 'SitePropertiesParameterName', this.kms);
    let location: RenderedMinioLocation;
    try {
      location = minioLocationOf(stored.value);
    } catch (error) {
      throw new RotationFailure('RENDER_REFUSED', error instanceof Error ? error.message : String(error));
    }
    return { parameterName: masterParameter, text: stored.value, location };
  }

  /** Versions and last-known-good of both keys, whether the current values are the last good ones, and whether the cluster runs them. */
  private async gather(): Promise<GatheredState> {
    const { access, secret } = this.names;
    const kms = this.kms;
    const live = await this.liveConfiguration();
    let accessKey = await readParameterVersions(this.clients.ssm, access, this.config.label);
    let secretKey = await readParameterVersions(this.clients.ssm, secret, this.config.label);
    if (!this.config.ownsKeys) {
      // The user's parameters carry no label of ours: the last good versions are recorded on our own parameter.
      const recorded = lastKnownGoodFromTags(await listParameterTags(this.clients.ssm, live.parameterName));
      accessKey = { ...accessKey, labelledVersion: recorded?.accessKeyVersion };
      secretKey = { ...secretKey, labelledVersion: recorded?.secretKeyVersion };
    }
    const currentAccess = await this.parameters.getDecrypted(access, 'AccessKeyParameterName', kms);
    const currentSecret = await this.parameters.getDecrypted(secret, 'SecretKeyParameterName', kms);
    let lastKnownGood: LastKnownGood | undefined;
    let currentEqualsLastKnownGood = false;
    if (accessKey.labelledVersion !== undefined && secretKey.labelledVersion !== undefined) {
      lastKnownGood = {
        accessKey: await this.parameters.getDecrypted(`${access}:${accessKey.labelledVersion}`, 'AccessKeyParameterName', kms),
        secretKey: await this.parameters.getDecrypted(`${secret}:${secretKey.labelledVersion}`, 'SecretKeyParameterName', kms),
      };
      currentEqualsLastKnownGood = currentAccess.value === lastKnownGood.accessKey.value && currentSecret.value === lastKnownGood.secretKey.value;
    }
    const running = credentialsOf(live.text);
    const inSync = running.accessKeyId === currentAccess.value && running.secretKey === currentSecret.value;
    return { plan: { accessKey, secretKey, currentEqualsLastKnownGood, sitePropertiesInSync: inSync }, live, lastKnownGood };
  }

  private async rotate(decision: RotationDecision, gathered: GatheredState): Promise<RotationResult> {
    const state = gathered.plan;
    const { services } = this.config;
    let sitePropertiesRewritten = false;
    try {
      if (decision.restartMinio && services.minioService) {
        await this.restartService(services.minioService, 'minio');
      }
      const pair = await this.verifyPair('PAIR_REJECTED', gathered.live.location);
      let text: string;
      try {
        text = withCredentials(gathered.live.text, pair.accessKey.value, pair.secretKey.value);
      } catch (error) {
        if (error instanceof InputError) throw new RotationFailure('RENDER_REFUSED', error.message);
        throw error;
      }
      const written = await this.parameters.putSecureStringIfChanged(gathered.live.parameterName, text, 'SiteProperties', this.kms, false);
      sitePropertiesRewritten = written.written;
      this.progress('rendered', { parameter: gathered.live.parameterName, version: written.version, written: written.written });
      if (written.written) {
        await this.restartMasters(services.masterServices.map((_, index) => index));
        await this.restartService(services.workerService, 'workers');
      }
      await this.verifyPair('HEALTH_CHECK_FAILED', gathered.live.location, this.config.alluxioMasters);
      await this.moveLabel(state, gathered.live);
      return this.result('rotated', decision.reason, state);
    } catch (error) {
      const failure = asFailure(error);
      this.progress('failed', { code: failure.code, reason: failure.message });
      if (failure.code === 'LABEL_REFUSED') {
        // The new pair works and is in use; only the label could not follow. Nothing to undo.
        return this.result('failed', failure.message, state, failure.code);
      }
      if (failure.code === 'OUT_OF_TIME' && this.restarted.length === 0 && !sitePropertiesRewritten) {
        // Nothing deployed yet: the new pair stays in SSM for the next run (the reconcile schedule) to roll out.
        return this.result('failed', `${failure.message}; nothing was changed, the next run tries again`, state, failure.code);
      }
      if (!this.config.ownsKeys) {
        return this.restoreConfiguration(gathered, sitePropertiesRewritten, failure);
      }
      if (!gathered.lastKnownGood) {
        return this.result('failed', `${failure.message}; no last-known-good pair to return to`, state, failure.code);
      }
      try {
        const { restored, unsettled } = await this.rollBack(gathered, sitePropertiesRewritten);
        const pending = unsettled.length ? ` (restart of ${unsettled.join(', ')} requested; not yet stable at the deadline)` : '';
        return this.result('rolled-back', `${failure.message}; the last-known-good pair is back${pending}`, restored, failure.code);
      } catch (rollbackError) {
        const reason = rollbackError instanceof Error ? rollbackError.message : String(rollbackError);
        return this.result('failed', `${failure.message}; rolling back failed too: ${reason}`, state, 'ROLLBACK_FAILED');
      }
    }
  }

  /**
   * Checks the current pair against MinIO (as the cluster's configuration names it) with the health
   * check's checks, and the master's root mount when given. A transient finding (a server still
   * starting, a timeout) is retried until the health bound, so a MinIO that is restarting does not get
   * a good pair rolled back; a definitive one (wrong key, no bucket) fails at once. Returns the pair it
   * verified (held in memory only).
   */
  private async verifyPair(code: RotationFailureCode, location: RenderedMinioLocation, alluxioMasters?: readonly string[]): Promise<LastKnownGood> {
    const end = this.waitEnd(this.timing.healthTimeoutMs);
    for (;;) {
      if (this.timeLeft() <= 0) throw new RotationFailure('OUT_OF_TIME', 'the run reached its deadline before the pair was verified');
      const accessKey = await this.parameters.getDecrypted(this.names.access, 'AccessKeyParameterName', this.kms);
      const secretKey = await this.parameters.getDecrypted(this.names.secret, 'SecretKeyParameterName', this.kms);
      const run = await runMinioChecks(
        {
          connection: { endpoint: location.endpoint, region: location.region, accessKeyId: accessKey.value, secretAccessKey: secretKey.value },
          bucket: location.bucket,
          directory: location.directory,
          alluxioMasters,
          rootUfsProperty: location.rootUfsKey,
        },
        { ...this.timing.checkOptions, totalTimeoutMs: Math.max(1, Math.min(this.timing.checkOptions.totalTimeoutMs, this.timeLeft())) },
      );
      this.progress('verified', { alluxioMaster: alluxioMasters !== undefined, ok: !run.failure, code: run.failure?.code, versions: { access: accessKey.version, secret: secretKey.version } });
      if (!run.failure) return { accessKey, secretKey };
      if (!run.failure.transient) throw new RotationFailure(code, formatFinding(run.failure));
      if (Date.now() + this.timing.pollMs >= end.at) {
        if (end.byDeadline) throw new RotationFailure('OUT_OF_TIME', `${formatFinding(run.failure)} (still so when the run reached its deadline)`);
        throw new RotationFailure(code, formatFinding(run.failure));
      }
      await sleep(this.timing.pollMs);
    }
  }

  /** How a master is named in progress and results: `master` when there is one, `master-<index>` in a quorum. */
  private masterRole(index: number): string {
    return this.config.services.masterServices.length === 1 ? 'master' : `master-${index}`;
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
    const answers = await askMasters(addresses, Math.max(1, Math.min(this.timing.checkOptions.requestTimeoutMs, this.timeLeft())));
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
   * Restarts the masters at `indexes` one at a time, each waited for: followers first, the leader
   * last (lib/core masterRestartOrder), so a quorum elects a new leader once, not once per restart.
   * Returns the roles not yet stable when a rollback reached the deadline.
   */
  private async restartMasters(indexes: readonly number[], rollingBack = false): Promise<string[]> {
    if (indexes.length === 0) return [];
    const order = masterRestartOrder(indexes, await this.findLeader());
    const unsettled: string[] = [];
    for (const index of order) {
      const role = this.masterRole(index);
      if (!(await this.restartService(this.config.services.masterServices[index], role, rollingBack))) unsettled.push(role);
    }
    return unsettled;
  }

  /**
   * forceNewDeployment (the master's journal is on its own volume and is not formatted again), then
   * wait for one stable deployment. Forward, the run's deadline is a failure (OUT_OF_TIME); in a
   * rollback the restart is still requested and a deadline only ends the wait: returns false then.
   */
  private async restartService(service: string, role: string, rollingBack = false): Promise<boolean> {
    const { cluster } = this.config.services;
    if (!rollingBack && this.timeLeft() <= 0) throw new RotationFailure('OUT_OF_TIME', `the run reached its deadline before restarting ${role}`);
    this.progress('restarting', { role, service });
    await this.clients.ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
    this.restarted.push(role);
    const end = this.waitEnd(this.timing.serviceStableTimeoutMs);
    for (;;) {
      const described = await this.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const current = described.services?.[0];
      const deployments = current?.deployments ?? [];
      const primary = deployments.find((d) => d.status === 'PRIMARY') ?? deployments[0];
      if (primary?.rolloutState === 'FAILED') {
        throw new RotationFailure('SERVICE_NOT_STABLE', `ECS service ${service} (${role}) failed its deployment: ${primary.rolloutStateReason ?? 'no reason given'}`);
      }
      if (current && deployments.length === 1 && current.runningCount === current.desiredCount && primary?.rolloutState !== 'IN_PROGRESS') {
        this.progress('stable', { role, service });
        return true;
      }
      if (Date.now() + this.timing.pollMs >= end.at) {
        const tasks = `(${current?.runningCount ?? 0}/${current?.desiredCount ?? '?'} tasks running, ${deployments.length} deployments)`;
        if (!end.byDeadline) {
          throw new RotationFailure(
            'SERVICE_NOT_STABLE',
            `ECS service ${service} (${role}) was not stable within ${Math.round(this.timing.serviceStableTimeoutMs / 1000)} s ${tasks}`,
          );
        }
        if (rollingBack) {
          this.progress('not-awaited', { role, service });
          return false;
        }
        throw new RotationFailure('OUT_OF_TIME', `ECS service ${service} (${role}) was not stable when the run reached its deadline ${tasks}`);
      }
      await sleep(this.timing.pollMs);
    }
  }

  /**
   * Records the current versions as last-known-good: the label on both (after checking SSM's
   * 10-label limit) when the keys are ours, tags on the deployment's own configuration parameter when
   * they are the user's (their parameters are only read).
   */
  private async moveLabel(state: RotationState, live: LiveConfiguration): Promise<void> {
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
   * moving forward), re-rendered, and the services this run restarted restarted again. `unsettled`
   * names the restarts requested but not yet stable when the run's deadline came.
   */
  private async rollBack(gathered: GatheredState, sitePropertiesRewritten: boolean): Promise<{ restored: RotationState; unsettled: string[] }> {
    const lastKnownGood = gathered.lastKnownGood!;
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
      versions = { ...versions, currentVersion: written.version, labelsByVersion: { ...versions.labelsByVersion, [written.version]: versions.labelsByVersion[written.version] ?? [] } };
      await labelParameterVersion(this.clients.ssm, name, written.version, this.config.label);
      restoredVersions.push({ ...versions, labelledVersion: written.version });
    }
    this.progress('restored', { access: restoredVersions[0].currentVersion, secret: restoredVersions[1].currentVersion });
    const text = withCredentials(gathered.live.text, lastKnownGood.accessKey.value, lastKnownGood.secretKey.value);
    const rendered = await this.parameters.putSecureStringIfChanged(gathered.live.parameterName, text, 'SiteProperties', kms, false);
    this.progress('re-rendered', { version: rendered.version, written: rendered.written });
    const unsettled = await this.restartAgain(sitePropertiesRewritten);
    return { restored: { ...gathered.plan, accessKey: restoredVersions[0], secretKey: restoredVersions[1] }, unsettled };
  }

  /**
   * A failed rotation with keys the user owns: their parameters stay as they are (they hold the pair
   * that failed; only they can change it), the cluster gets back the configuration it ran before this
   * run, and whatever was restarted is restarted on it. Reported as rolled back when the cluster had
   * been touched, as failed when the pair was refused before anything changed.
   */
  private async restoreConfiguration(gathered: GatheredState, sitePropertiesRewritten: boolean, failure: RotationFailure): Promise<RotationResult> {
    const state = gathered.plan;
    const untouched = 'the key parameters are yours and were left as they are: put a pair MinIO accepts into them (the next run rolls it out)';
    if (!sitePropertiesRewritten && this.restarted.length === 0) {
      return this.result('failed', `${failure.message}; nothing was changed; ${untouched}`, state, failure.code);
    }
    try {
      const restored = await this.parameters.putSecureStringIfChanged(gathered.live.parameterName, gathered.live.text, 'SiteProperties', this.kms, false);
      this.progress('re-rendered', { version: restored.version, written: restored.written });
      const unsettled = await this.restartAgain(sitePropertiesRewritten);
      const pending = unsettled.length ? ` (restart of ${unsettled.join(', ')} requested; not yet stable at the deadline)` : '';
      return this.result('rolled-back', `${failure.message}; the cluster runs its previous configuration again${pending}; ${untouched}`, state, failure.code);
    } catch (restoreError) {
      const reason = restoreError instanceof Error ? restoreError.message : String(restoreError);
      return this.result('failed', `${failure.message}; restoring the previous configuration failed too: ${reason}`, state, 'ROLLBACK_FAILED');
    }
  }

  /** Restarts again what this run restarted, on the restored configuration; the roles not yet stable at the deadline. */
  private async restartAgain(sitePropertiesRewritten: boolean): Promise<string[]> {
    const { services } = this.config;
    const unsettled: string[] = [];
    if (this.restarted.includes('minio') && services.minioService && !(await this.restartService(services.minioService, 'minio', true))) unsettled.push('minio');
    // Masters and workers run the new file only if they were restarted after it was written.
    if (sitePropertiesRewritten) {
      const masters = services.masterServices.map((_, index) => index).filter((index) => this.restarted.includes(this.masterRole(index)));
      unsettled.push(...(await this.restartMasters(masters, true)));
      if (this.restarted.includes('workers') && !(await this.restartService(services.workerService, 'workers', true))) unsettled.push('workers');
    }
    return unsettled;
  }


  /** SNS, CloudWatch and the site-properties tags; a reporting fault is logged, never thrown. */
  async report(result: RotationResult, trigger: RotationTrigger): Promise<void> {
    const { parameters } = this.config;
    this.progress('outcome', { outcome: result.outcome, code: result.code, reason: result.reason, restarted: result.restarted, durationMs: result.durationMs });
    // Nothing happened: in sync, or a deployment is in progress (the schedule comes back).
    if (result.outcome === 'in-sync' || result.outcome === 'deferred') return;
    const failed = isFailureOutcome(result.outcome);
    const attempts: Array<[string, () => Promise<unknown>]> = [];
    if (this.clients.cloudwatch) {
      const dimensions = [{ Name: METRIC_DIMENSION, Value: parameters.sitePropertiesBaseName }];
      attempts.push([
        'metric',
        () =>
          this.clients.cloudwatch!.send(
            new PutMetricDataCommand({
              Namespace: this.config.metricNamespace,
              MetricData: [
                { MetricName: SUCCESS_METRIC, Dimensions: dimensions, Unit: StandardUnit.Count, Value: failed ? 0 : 1 },
                { MetricName: FAILURE_METRIC, Dimensions: dimensions, Unit: StandardUnit.Count, Value: failed ? 1 : 0 },
              ],
            }),
          ),
      ]);
    }
    if (this.clients.sns && this.config.topicArn) {
      const message = {
        outcome: result.outcome,
        code: result.code,
        reason: result.reason,
        trigger: trigger.kind,
        triggeredBy: trigger.parameterName,
        accessKeyParameter: { name: parameters.accessKeyParameterName, version: result.accessKeyVersion },
        secretKeyParameter: { name: parameters.secretKeyParameterName, version: result.secretKeyVersion },
        siteProperties: this.liveParameterName ?? parameters.sitePropertiesBaseName,
        restarted: result.restarted,
        durationMs: result.durationMs,
      };
      attempts.push([
        'sns',
        () =>
          this.clients.sns!.send(
            new PublishCommand({
              TopicArn: this.config.topicArn,
              Subject: `Alluxio MinIO credential rotation: ${result.outcome}`.slice(0, 100),
              Message: JSON.stringify(message),
            }),
          ),
      ]);
    }
    // The record sits on the configuration the cluster runs (where `alluxio-minio status` finds it).
    const recordOn = this.liveParameterName;
    if (recordOn !== undefined) {
      attempts.push([
        'tags',
        () =>
          tagParameter(
            this.clients.ssm,
            recordOn,
            rotationRecordTags({ outcome: result.outcome, at: new Date().toISOString(), accessKeyVersion: result.accessKeyVersion, secretKeyVersion: result.secretKeyVersion, code: result.code }),
          ),
      ]);
    }
    for (const [what, attempt] of attempts) {
      try {
        await attempt();
      } catch (error) {
        this.progress('report-failed', { what, error: error instanceof Error ? error.name : 'UnknownError' });
      }
    }
  }
}

function versionsOf(state: RotationState): Record<string, unknown> {
  return {
    accessKey: { current: state.accessKey.currentVersion, labelled: state.accessKey.labelledVersion },
    secretKey: { current: state.secretKey.currentVersion, labelled: state.secretKey.labelledVersion },
  };
}

function asFailure(error: unknown): RotationFailure {
  if (error instanceof RotationFailure) return error;
  // SSM/ECS adapters explain their faults without values; keep their sentence.
  return new RotationFailure('UNEXPECTED_ERROR', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
