/*
 * The credential rotation's types: what a deployment tells it (config, clients, timing), what carries it
 * from one step to the next (RotationExecution, RotationTask), what it returns, and its two errors. The
 * run is credential-rotation.ts; the ECS calls rotation-ecs-services.ts; the report rotation-report.ts.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_PAIR_WAIT_SECONDS, DEFAULT_SERVICE_RESTART_SECONDS, DEFAULT_VERIFICATION_SECONDS, ROTATION_POLL_SECONDS } from '../core/rotation-budget';
import { RotationDecision, RotationFailureCode, RotationOutcome, RotationState } from '../core/rotation-plan';
import { DEFAULT_CHECK_OPTIONS, MinioCheckOptions } from './minio-checks';

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
  /**
   * The rotation state machine. While one of its executions runs, the naming step starts no other
   * (a second pair written during a rotation would otherwise start a second rotation racing the first).
   */
  readonly rotationStateMachineArn?: string;
}

/** The clients, injected so tests pass the sandbox's SSM, SNS and CloudWatch and a mocked ECS. */
export interface RotationClients {
  readonly ssm: SSMClient;
  readonly ecs: ECSClient;
  readonly sns?: SNSClient;
  readonly cloudwatch?: CloudWatchClient;
  /** For the naming step's look for a running rotation (RotationConfig.rotationStateMachineArn). */
  readonly sfn?: SFNClient;
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

// The construct passes its own bounds (lib/core/rotation-budget); these are for a caller that passes none.
export const DEFAULT_ROTATION_TIMING: RotationTiming = {
  pairWaitMs: DEFAULT_PAIR_WAIT_SECONDS * 1000,
  pollMs: ROTATION_POLL_SECONDS * 1000,
  serviceStableTimeoutMs: DEFAULT_SERVICE_RESTART_SECONDS * 1000,
  healthTimeoutMs: DEFAULT_VERIFICATION_SECONDS * 1000,
  checkOptions: DEFAULT_CHECK_OPTIONS,
};

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

/** A failed rotation step, with the code it is reported under. */
export class RotationFailure extends Error {
  constructor(
    public readonly code: RotationFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** Raised while ECS or CloudFormation is changing a service: the run then does nothing and says why. */
export class Deferred extends Error {}

/** One thing left to do; the first of RotationExecution.todo is the one in progress. */
export type RotationTask =
  /** forceNewDeployment (once), then wait for one stable deployment until `until`. */
  | { readonly kind: 'restart'; readonly role: string; readonly service: string; readonly until?: number }
  /**
   * Expands into one restart per master, followers first and the leader (the one answering) last; in a
   * rollback, the master whose restart did not settle (`unsettled`) before all of them.
   */
  | { readonly kind: 'restart-masters'; readonly indexes: readonly number[]; readonly unsettled?: number }
  /** The current pair against MinIO (and the leader's root mount), retried while transient until `until`. */
  | { readonly kind: 'verify'; readonly code: RotationFailureCode; readonly withMasters: boolean; readonly until?: number }
  /** The current pair into the live configuration; restarts the masters and workers when it changed. */
  | { readonly kind: 'render' }
  /** The current versions become last-known-good. */
  | { readonly kind: 'label' };

/**
 * Where a rotation stands between two steps: what the Step Functions state machine carries from one
 * invocation to the next (and the in-process driver from one loop to the next). It holds versions,
 * names and times, never a value: Step Functions keeps every state's input and output in the
 * execution history. A step reads the values it needs again, by version.
 */
export interface RotationExecution {
  readonly trigger: RotationTrigger;
  readonly startedAt: number;
  /** plan: gathering and deciding (the pair wait too); forward; rollback; done. */
  readonly stage: 'plan' | 'forward' | 'rollback' | 'done';
  readonly todo: readonly RotationTask[];
  readonly restarted: readonly string[];
  readonly pairWaitUntil?: number;
  /** The execution's name and the configuration parameter it was named from (absent when run in-process): where a deferral is recorded. */
  readonly named?: RotationNaming;
  readonly decision?: Pick<RotationDecision, 'action' | 'reason'>;
  readonly plan?: RotationState;
  /** The configuration the services ran when the rotation was planned: its name and that version. */
  readonly live?: { readonly parameterName: string; readonly version: number };
  readonly lastKnownGood?: { readonly accessKeyVersion: number; readonly secretKeyVersion: number };
  readonly sitePropertiesRewritten?: boolean;
  /** Why the forward path failed, while it is rolled back. */
  readonly failure?: { readonly code: RotationFailureCode; readonly message: string };
  /** Set once done; also reported. */
  readonly result?: RotationResult;
  /** For the state machine's Choice state: true when nothing is left. */
  readonly done: boolean;
  /** For the state machine's Wait state: how long to wait before the next step. */
  readonly waitSeconds: number;
}

/** What the naming step named a rotation, and from which configuration parameter. */
export interface RotationNaming {
  readonly name: string;
  readonly configurationParameter: string;
}

/**
 * A new execution for `trigger`: the first step plans it. `pairWaitUntil` is the end of a pair wait
 * already waited (by the start state machine), so the rotation does not wait it again; `named` is
 * what the start state machine named it.
 */
export function newRotationExecution(trigger: RotationTrigger, now = Date.now(), pairWaitUntil?: number, named?: RotationNaming): RotationExecution {
  return {
    trigger,
    startedAt: now,
    stage: 'plan',
    todo: [],
    restarted: [],
    done: false,
    waitSeconds: 0,
    ...(pairWaitUntil !== undefined ? { pairWaitUntil } : {}),
    ...(named ? { named } : {}),
  };
}

/** Where a start stands: waiting for the other half of a pair, not to start (and why), or started under `name`. */
export interface RotationStart {
  readonly ready: boolean;
  /** The execution name (lib/core rotationExecutionName); absent when nothing is to start. */
  readonly name?: string;
  /** The configuration parameter the name was taken from (absent with `name` absent, or a state that could not be read). */
  readonly configurationParameter?: string;
  /** Why nothing is started: a deployment in progress (the outcome `deferred`, which is not reported, as before). */
  readonly deferred?: string;
  readonly trigger: RotationTrigger;
  readonly pairWaitUntil?: number;
  readonly waitSeconds: number;
}

/** How a master is named in progress and results: `master` when there is one, `master-<index>` in a quorum. */
export function masterRole(index: number, masterCount: number): string {
  return masterCount === 1 ? 'master' : `master-${index}`;
}

/** A step's error as the failure it is reported under. */
export function asFailure(error: unknown): RotationFailure {
  if (error instanceof RotationFailure) return error;
  // SSM/ECS adapters explain their faults without values; keep their sentence.
  return new RotationFailure('UNEXPECTED_ERROR', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
