import { createHash } from 'node:crypto';
import { InputError } from './input-error';
import { withoutCredentials } from './site-properties';

/*
 * The decisions of credential rotation, free of I/O: what to do given the key parameters' versions
 * and labels, and the arithmetic of SSM's limits (100 versions of history, 10 labels per version,
 * label naming). lib/runtime/credential-rotation.ts gathers the state and carries the decision out.
 */

/** SSM keeps this many versions of a parameter; writing one more deletes the oldest. */
export const SSM_MAX_VERSIONS = 100;
/** SSM allows this many labels on one parameter version. */
export const SSM_MAX_LABELS_PER_VERSION = 10;
export const SSM_MAX_LABEL_LENGTH = 100;
export const DEFAULT_LAST_KNOWN_GOOD_LABEL = 'last-known-good';

/**
 * SSM's label rules: 1-100 characters from letters, digits, `.`, `-`, `_`; not starting with a
 * digit, nor with `aws` or `ssm` in any case. Throws an InputError naming `input`.
 */
export function validateLabelName(label: string, input = 'lastKnownGoodLabel'): string {
  if (label.length < 1 || label.length > SSM_MAX_LABEL_LENGTH) {
    throw new InputError(input, `is ${label.length} characters long`, `use 1 to ${SSM_MAX_LABEL_LENGTH} characters, e.g. "${DEFAULT_LAST_KNOWN_GOOD_LABEL}"`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(label)) {
    throw new InputError(input, `${JSON.stringify(label)} has characters SSM refuses in a label`, 'use only letters, digits, ".", "-" and "_"');
  }
  if (/^[0-9]/.test(label)) {
    throw new InputError(input, `${JSON.stringify(label)} starts with a digit`, 'start the label with a letter');
  }
  if (/^(aws|ssm)/i.test(label)) {
    throw new InputError(
      input,
      `${JSON.stringify(label)} starts with a prefix SSM reserves (aws, ssm)`,
      `choose another name, e.g. "${DEFAULT_LAST_KNOWN_GOOD_LABEL}"`,
    );
  }
  return label;
}

/** One key parameter as its history shows it (no value). */
export interface KeyParameterVersions {
  readonly name: string;
  readonly currentVersion: number;
  /** The version carrying the last-known-good label; undefined when no version has it. */
  readonly labelledVersion?: number;
  /** Labels per version, for the versions the plan may label (at least the current one). */
  readonly labelsByVersion: Readonly<Record<number, readonly string[]>>;
}

/**
 * How many more versions can be written before the labelled version would be the one SSM must
 * delete: SSM holds current-99..current, and a label on the oldest one refuses the next write
 * (ParameterMaxVersionLimitExceeded). Infinity when nothing is labelled.
 */
export function writesLeftBeforeLabelBlocks(parameter: Pick<KeyParameterVersions, 'currentVersion' | 'labelledVersion'>): number {
  if (parameter.labelledVersion === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, SSM_MAX_VERSIONS - 1 - (parameter.currentVersion - parameter.labelledVersion));
}

/** The oldest version SSM still holds when `currentVersion` is the newest. */
export function oldestRetainedVersion(currentVersion: number): number {
  return Math.max(1, currentVersion - SSM_MAX_VERSIONS + 1);
}

/**
 * Why `label` cannot be put on `version`, or undefined when it can: SSM refuses an eleventh label on
 * one version (a label already there moves for free).
 */
export function labelRefusal(parameter: KeyParameterVersions, version: number, label: string): string | undefined {
  const labels = parameter.labelsByVersion[version] ?? [];
  if (labels.includes(label) || labels.length < SSM_MAX_LABELS_PER_VERSION) return undefined;
  return (
    `version ${version} of ${parameter.name} already has ${SSM_MAX_LABELS_PER_VERSION} labels (${labels.join(', ')}), so '${label}' cannot move there. ` +
    `Fix: remove one of them (aws ssm unlabel-parameter-version --name ${parameter.name} --parameter-version ${version} --labels <label>)`
  );
}

/** Everything the plan looks at; gathered by the runtime without logging any value. */
export interface RotationState {
  readonly accessKey: KeyParameterVersions;
  readonly secretKey: KeyParameterVersions;
  /**
   * Whether the current values equal the labelled (last-known-good) values, both halves; false
   * when nothing is labelled.
   */
  readonly currentEqualsLastKnownGood: boolean;
  /** Whether the site-properties parameter holds exactly what the current pair renders to. */
  readonly sitePropertiesInSync: boolean;
}

export type RotationAction =
  /** Labelled pair in use and rendered: nothing to do. */
  | 'none'
  /** One half changed; the other is usually written moments later. */
  | 'wait-for-pair'
  /** Nothing labelled yet (first run after a deploy): verify the pair in use and label it. */
  | 'adopt'
  /** New versions hold the last-known-good values again: label them, restart nothing. */
  | 'move-label'
  /** Verify the current pair, re-render, restart, verify again, label; roll back on failure. */
  | 'rotate';

export interface RotationDecision {
  readonly action: RotationAction;
  /** A provisioned MinIO takes its root credentials from the pair: restart it before verifying. */
  readonly restartMinio: boolean;
  /** Why, in words, for logs and reports. */
  readonly reason: string;
}

export interface PlanOptions {
  /** The bounded wait for the other half is over. */
  readonly pairWaitOver: boolean;
  /** MinIO is provisioned by the construct (its root credentials are the pair). */
  readonly provisionedMinio: boolean;
}

function changed(parameter: KeyParameterVersions): boolean {
  return parameter.labelledVersion !== parameter.currentVersion;
}

export function planRotation(state: RotationState, options: PlanOptions): RotationDecision {
  const decide = (action: RotationAction, reason: string, restartMinio = false): RotationDecision => ({ action, reason, restartMinio });
  const unlabelled = state.accessKey.labelledVersion === undefined || state.secretKey.labelledVersion === undefined;
  if (unlabelled) {
    return state.sitePropertiesInSync
      ? decide('adopt', 'no last-known-good label yet; the rendered pair is the one in use')
      : decide('rotate', 'no last-known-good label yet and the site properties differ from the current pair', options.provisionedMinio);
  }
  const accessChanged = changed(state.accessKey);
  const secretChanged = changed(state.secretKey);
  if (!accessChanged && !secretChanged) {
    return state.sitePropertiesInSync
      ? decide('none', 'the last-known-good pair is current and rendered')
      : decide('rotate', 'the site properties differ from the last-known-good pair (drift)');
  }
  if (state.currentEqualsLastKnownGood) {
    return state.sitePropertiesInSync
      ? decide('move-label', 'the new versions hold the last-known-good values')
      : decide('rotate', 'the site properties differ from the last-known-good pair (drift)');
  }
  if (accessChanged !== secretChanged && !options.pairWaitOver) {
    const which = accessChanged ? state.accessKey.name : state.secretKey.name;
    return decide('wait-for-pair', `only ${which} changed; waiting for the other half`);
  }
  const halves = accessChanged && secretChanged ? 'both keys changed' : `only ${accessChanged ? state.accessKey.name : state.secretKey.name} changed`;
  return decide('rotate', halves, options.provisionedMinio);
}

/*
 * Where rotation outcomes are counted: the runtime publishes these metrics and the construct alarms
 * on them, so both read the names from here.
 */
export const DEFAULT_METRIC_NAMESPACE = 'AlluxioMinio';
export const SUCCESS_METRIC = 'RotationSuccesses';
export const FAILURE_METRIC = 'RotationFailures';
/** The metrics' one dimension; its value is the site-properties parameter's name. */
export const METRIC_DIMENSION = 'SitePropertiesParameter';

/** How a rotation run ended ('deferred': a deployment was in progress, nothing was done). */
export type RotationOutcome = 'in-sync' | 'deferred' | 'adopted' | 'label-moved' | 'rotated' | 'rolled-back' | 'failed';

/** Outcomes that count as a failure in the metric and the alarm. */
export function isFailureOutcome(outcome: RotationOutcome): boolean {
  return outcome === 'rolled-back' || outcome === 'failed';
}

/** A short, stable code for why a rotation did not complete (never a value). */
export type RotationFailureCode =
  | 'PAIR_REJECTED'
  | 'RENDER_REFUSED'
  | 'SERVICE_NOT_STABLE'
  | 'HEALTH_CHECK_FAILED'
  | 'LABEL_REFUSED'
  | 'NO_LAST_KNOWN_GOOD'
  | 'ROLLBACK_FAILED'
  /** Written by versions before the rotation ran in Step Functions (a Lambda run's deadline); still read from tags. */
  | 'OUT_OF_TIME'
  | 'UNEXPECTED_ERROR';

/** What the status command shows and the tags on the site-properties parameter record. */
export interface RotationRecord {
  readonly outcome: RotationOutcome;
  /** ISO-8601 time the run ended. */
  readonly at: string;
  readonly accessKeyVersion: number;
  readonly secretKeyVersion: number;
  readonly code?: RotationFailureCode | string;
}

export const ROTATION_TAG_KEYS = {
  outcome: 'alluxio-minio:rotation-outcome',
  at: 'alluxio-minio:rotation-at',
  versions: 'alluxio-minio:rotation-versions',
  code: 'alluxio-minio:rotation-code',
  /** Last-known-good versions of key parameters the deployment does not own (it labels only its own). */
  lastKnownGood: 'alluxio-minio:last-known-good',
  /** The name of the last rotation that found a deployment in progress and did nothing (rotationExecutionName). */
  deferredRotation: 'alluxio-minio:deferred-rotation',
} as const;

/** The tag that records a rotation deferred after it was named: `name` is then used up. */
export function deferredRotationTags(name: string): Array<{ Key: string; Value: string }> {
  return [{ Key: ROTATION_TAG_KEYS.deferredRotation, Value: name }];
}

/** The name recorded by deferredRotationTags, if any. */
export function deferredRotationFromTags(tags: ReadonlyArray<{ Key?: string; Value?: string }>): string | undefined {
  return tags.find((tag) => tag.Key === ROTATION_TAG_KEYS.deferredRotation)?.Value;
}

/** The last-known-good versions as a tag for the deployment's configuration parameter. */
export function lastKnownGoodTags(accessKeyVersion: number, secretKeyVersion: number): Array<{ Key: string; Value: string }> {
  return [{ Key: ROTATION_TAG_KEYS.lastKnownGood, Value: `access:${accessKeyVersion} secret:${secretKeyVersion}` }];
}

/** The last-known-good versions back from the tags; undefined when none were recorded. */
export function lastKnownGoodFromTags(
  tags: ReadonlyArray<{ Key?: string; Value?: string }>,
): { accessKeyVersion: number; secretKeyVersion: number } | undefined {
  const value = tags.find((tag) => tag.Key === ROTATION_TAG_KEYS.lastKnownGood)?.Value;
  const versions = /^access:(\d+) secret:(\d+)$/.exec(value ?? '');
  return versions ? { accessKeyVersion: Number(versions[1]), secretKeyVersion: Number(versions[2]) } : undefined;
}

/** The record as SSM tags (values from SSM's tag alphabet: letters, digits, space, + - = . _ : / @). */
export function rotationRecordTags(record: RotationRecord): Array<{ Key: string; Value: string }> {
  return [
    { Key: ROTATION_TAG_KEYS.outcome, Value: record.outcome },
    { Key: ROTATION_TAG_KEYS.at, Value: record.at },
    { Key: ROTATION_TAG_KEYS.versions, Value: `access:${record.accessKeyVersion} secret:${record.secretKeyVersion}` },
    { Key: ROTATION_TAG_KEYS.code, Value: (record.code ?? 'none').replace(/[^A-Za-z0-9 +\-=._:/@]/g, '_').slice(0, 256) },
  ];
}

/** The record back from tags; undefined when no rotation has run. */
export function rotationRecordFromTags(tags: ReadonlyArray<{ Key?: string; Value?: string }>): RotationRecord | undefined {
  const value = (key: string) => tags.find((tag) => tag.Key === key)?.Value;
  const outcome = value(ROTATION_TAG_KEYS.outcome);
  if (outcome === undefined) return undefined;
  const versions = /^access:(\d+) secret:(\d+)$/.exec(value(ROTATION_TAG_KEYS.versions) ?? '');
  const code = value(ROTATION_TAG_KEYS.code);
  return {
    outcome: outcome as RotationOutcome,
    at: value(ROTATION_TAG_KEYS.at) ?? '',
    accessKeyVersion: versions ? Number(versions[1]) : 0,
    secretKeyVersion: versions ? Number(versions[2]) : 0,
    code: code === undefined || code === 'none' ? undefined : code,
  };
}

/**
 * The order a rotation restarts masters in: every follower first, in the order given, the leader
 * last, so the quorum keeps its leader while the followers take the new file and loses it once,
 * at the end. `leader` undefined (none found, or not asked): the order given. `masters` are indexes
 * into the deployment's master list; a leader not among them changes nothing.
 *
 * `unsettled`, in a rollback: the master whose restart did not settle, which may be down now. It goes
 * first, before any other is taken down: restarting a healthy one first would leave two of three
 * down at once, and the quorum without a majority.
 */
export function masterRestartOrder(masters: readonly number[], leader: number | undefined, unsettled?: number): number[] {
  if (unsettled !== undefined && masters.includes(unsettled)) {
    return [
      unsettled,
      ...masterRestartOrder(
        masters.filter((index) => index !== unsettled),
        leader,
      ),
    ];
  }
  const followers = masters.filter((index) => index !== leader);
  return leader !== undefined && masters.includes(leader) ? [...followers, leader] : [...masters];
}

/**
 * The Step Functions execution name of the rotation from `state` on `configuration`, run with
 * `settings` (what the rotation function is configured with: key ownership, services, label): the
 * versions it starts from (last-known-good and current, both keys), the configuration's generation,
 * a digest of its text without the two credential lines, and a digest of the settings. Step Functions
 * refuses a second StartExecution with a name it has seen (ExecutionAlreadyExists; names are kept 90
 * days: https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html), so
 * the events for one change (both halves, after the pair wait, and the schedule) start one rotation,
 * and a pair that failed is not tried again every hour. The credential lines are left out because a
 * rotation writes them and a rollback writes them back: a parameter version would change with each
 * and name the failed pair's rotation anew. A new key version, a new generation or configuration
 * (a deploy) or new settings make the next name. Names take 1-80 of [A-Za-z0-9_-].
 *
 * `deferred` is the name of the last rotation that was deferred after it was named (a deployment
 * began between the naming and its first step; deferredRotationTags): it did nothing, but its name
 * is used up. When it is this rotation's name (or one of its retries, `-r<n>`), the next retry's
 * name is given, so the schedule or the next event runs the change once the deployment is done; a
 * deploy that leaves the configuration as it was would otherwise leave the change unrotated until a
 * key got a new version.
 */
export function rotationExecutionName(
  state: Pick<RotationState, 'accessKey' | 'secretKey'>,
  configuration: { readonly parameterName: string; readonly text: string },
  settings: object,
  deferred?: string,
): string {
  const label = (version: number | undefined) => (version === undefined ? 'n' : String(version));
  const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);
  const generation = configuration.parameterName
    .split('/')
    .pop()!
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(-24);
  const versions =
    `a${label(state.accessKey.labelledVersion)}-${state.accessKey.currentVersion}` +
    `-s${label(state.secretKey.labelledVersion)}-${state.secretKey.currentVersion}`;
  // 72 characters leave room for a retry's suffix within Step Functions' 80.
  const name = `rotation-${digest(JSON.stringify(settings))}-${versions}-c${generation}-${digest(withoutCredentials(configuration.text))}`.slice(0, 72);
  if (deferred === name) return `${name}-r1`;
  const retry = deferred?.startsWith(`${name}-r`) ? /^\d{1,5}$/.exec(deferred.slice(name.length + 2)) : null;
  return retry ? `${name}-r${Number(retry[0]) + 1}` : name;
}
