import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion } from './alluxio-version';
import { InputError } from './input-error';
import { parseMasterAddressList } from './master-leader';
import { ClusterLayout, DEFAULT_MINIO_REGION, SitePropertiesInput } from './site-properties';
import { validateBucket, validateDirectory, validateEndpoint, validateRegion } from './validate';

/*
 * The contract between the constructs (which write ResourceProperties into the template) and the
 * custom-resource handlers (which read them back). CloudFormation delivers every property value
 * as a string, so the wire types are strings and the parsers below turn them into typed requests.
 */

/** Who creates the two credential parameters. */
export type CredentialsMode = 'generated' | 'existing';

/** What happens to generated parameters when the resource is deleted or replaced. */
export type CredentialsRemovalPolicy = 'retain' | 'destroy';

/** ResourceProperties of the credentials custom resource, as the construct writes them. */
export interface CredentialsResourceProperties {
  readonly Mode: CredentialsMode;
  readonly AccessKeyParameterName: string;
  readonly SecretKeyParameterName: string;
  /** Omitted: SSM encrypts with the AWS managed key alias/aws/ssm. */
  readonly KmsKeyId?: string;
  readonly RemovalPolicy: CredentialsRemovalPolicy;
}

/** ResourceProperties of the render custom resource, as the construct writes them. */
export interface RenderResourceProperties {
  readonly AccessKeyParameterName: string;
  readonly SecretKeyParameterName: string;
  readonly SitePropertiesParameterName: string;
  /** Omitted: SSM encrypts with the AWS managed key alias/aws/ssm. */
  readonly KmsKeyId?: string;
  readonly AlluxioVersion: string;
  readonly Endpoint: string;
  readonly Bucket: string;
  readonly Directory?: string;
  readonly Region?: string;
  readonly MasterHostname?: string;
  /** The names of highly available masters, comma-separated in index order (not with MasterHostname). */
  readonly MasterQuorum?: string;
  /** `UFS`, or `EMBEDDED` with MasterQuorum; with JournalFolder, both or neither. */
  readonly JournalType?: string;
  readonly JournalFolder?: string;
  readonly WorkerTierAlias?: string;
  readonly WorkerTierPath?: string;
  readonly WorkerTierQuota?: string;
  /** "false" turns the master's update check off. */
  readonly MasterUpdateCheck?: string;
  /** Alluxio interval after which the master drops a silent worker, e.g. `30sec`. */
  readonly LostWorkerTimeout?: string;
  /** The clients' default write type, e.g. CACHE_THROUGH. */
  readonly WriteType?: string;
  /** Alluxio interval, e.g. `60sec`. */
  readonly MetadataSyncInterval?: string;
  /** JSON text of a `{ "key": "value" }` map. */
  readonly ExtraProperties?: string;
  /**
   * "abandon-namespace": the user consented to a deploy that moves the masters to the other journal
   * (UFS ↔ EMBEDDED). Not part of the rendered settings, so adding or removing it restarts nothing.
   */
  readonly JournalMigration?: string;
  /** RENDER_RESPONSE_VERSION; read by no handler. */
  readonly ResponseVersion: string;
}

/**
 * The attributes the render resource answers with, as a version: 2 added KeyFreeParameterName. A
 * resource whose properties do not change gets no Update, keeps its old answer, and a GetAtt of an
 * attribute that answer lacks fails the deploy; a new version is a changed property, so the stack that
 * upgrades the library gets the Update that answers with every attribute (same configuration, same
 * parameter: no replacement).
 */
export const RENDER_RESPONSE_VERSION = '2';

/**
 * What a deployment renders, apart from the parameter names: the one description the render
 * resource's properties and the rotation function's copy of them are both built from.
 */
export interface RenderSettingsSource {
  readonly alluxioVersion: string;
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory?: string;
  readonly region?: string;
  readonly masterHostname?: string;
  readonly masterQuorum?: readonly string[];
  readonly journalType?: string;
  readonly journalFolder?: string;
  readonly workerTierAlias?: string;
  readonly workerTierPath?: string;
  readonly workerTierQuota?: string;
  readonly masterUpdateCheck?: boolean;
  readonly lostWorkerTimeout?: string;
  readonly writeType?: string;
  readonly metadataSyncInterval?: string;
  readonly extraProperties?: { readonly [key: string]: string };
}

/** The render resource's ResourceProperties for these names and settings (undefined entries are left out). */
export function renderResourceProperties(
  names: { readonly accessKey: string; readonly secretKey: string; readonly siteProperties: string },
  kmsKeyId: string | undefined,
  settings: RenderSettingsSource,
  options: { readonly journalMigration?: boolean } = {},
): RenderResourceProperties {
  const properties: RenderResourceProperties = {
    AccessKeyParameterName: names.accessKey,
    SecretKeyParameterName: names.secretKey,
    SitePropertiesParameterName: names.siteProperties,
    KmsKeyId: kmsKeyId,
    AlluxioVersion: settings.alluxioVersion,
    Endpoint: settings.endpoint,
    Bucket: settings.bucket,
    Directory: settings.directory,
    Region: settings.region,
    MasterHostname: settings.masterHostname,
    MasterQuorum: settings.masterQuorum?.join(','),
    JournalType: settings.journalType,
    JournalFolder: settings.journalFolder,
    WorkerTierAlias: settings.workerTierAlias,
    WorkerTierPath: settings.workerTierPath,
    WorkerTierQuota: settings.workerTierQuota,
    MasterUpdateCheck: settings.masterUpdateCheck === undefined ? undefined : String(settings.masterUpdateCheck),
    LostWorkerTimeout: settings.lostWorkerTimeout,
    WriteType: settings.writeType,
    MetadataSyncInterval: settings.metadataSyncInterval,
    ExtraProperties: settings.extraProperties ? JSON.stringify(settings.extraProperties) : undefined,
    JournalMigration: options.journalMigration ? JOURNAL_MIGRATION_ABANDON_NAMESPACE : undefined,
    ResponseVersion: RENDER_RESPONSE_VERSION,
  };
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)) as unknown as RenderResourceProperties;
}

/** ResourceProperties of the health-check custom resource, as the construct writes them. */
export interface HealthCheckResourceProperties {
  readonly AccessKeyParameterName: string;
  readonly SecretKeyParameterName: string;
  readonly Endpoint: string;
  readonly Bucket: string;
  readonly Directory?: string;
  readonly Region?: string;
  /** Picks the root-UFS key the master is checked for; omitted: the default release. */
  readonly AlluxioVersion?: string;
  /**
   * `host[:port]` of the master's web port, or of every master's, separated by commas (the leader is
   * the one answering); set on the check that runs after Alluxio started.
   */
  readonly AlluxioMaster?: string;
  /** Whole number: the leading master must list this many live workers before the check passes. */
  readonly ExpectedWorkers?: string;
  readonly ExpectedRootUfs?: string;
  /** "true" creates the bucket and directory marker first. */
  readonly EnsureBucket?: string;
  /** "true" creates the directory marker in the (existing) bucket once the checks pass. */
  readonly EnsureDirectory?: string;
  /** Whole seconds the check keeps polling a transient finding. */
  readonly TimeoutSeconds?: string;
  /** Echoed back, so dependants change when the rendered configuration does. */
  readonly ConfigHash?: string;
}

/** Data the credentials resource returns: names and versions, never a value. */
export interface CredentialsResourceData {
  readonly AccessKeyParameterName: string;
  readonly AccessKeyParameterVersion: string;
  readonly SecretKeyParameterName: string;
  readonly SecretKeyParameterVersion: string;
}

/**
 * The parameter one rendered configuration lives in: `<base>/<first 16 hex digits of its hash>`. Each
 * task definition names the parameter of the configuration it was deployed with, so an ECS or
 * CloudFormation rollback that relaunches an older task definition gets that older file back, not the
 * newest one (ECS reads the secret when a task starts). The render resource's physical id is this
 * name: a new configuration replaces the resource, and CloudFormation deletes the old parameter only
 * once the update has succeeded (or the new one when it rolls back).
 */
export function sitePropertiesGenerationName(baseName: string, configHash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(configHash)) {
    throw new InputError('ConfigHash', 'is not a hex digest', 'pass the configuration fingerprint (SHA-256 hex)');
  }
  return `${baseName}/${configHash.slice(0, 16)}`;
}

/**
 * The base of the key-free configurations (withoutCredentials) of the S3 proxy and the preload task:
 * beside `<base>`, not under it, so a grant on `<base>/*` (the master's and workers') never covers
 * them and a grant on this base (the proxy's and the preload task's) never covers a file with keys.
 */
export function keyFreeSitePropertiesBaseName(baseName: string): string {
  return `${baseName}-without-keys`;
}

/** The key-free twin of one configuration parameter (`<base>/<generation>` to `<base>-without-keys/<generation>`). */
export function keyFreeSitePropertiesName(baseName: string, generationName: string): string {
  if (!isSitePropertiesParameterOf(baseName, generationName) || generationName === baseName) {
    throw new InputError(
      'ParameterName',
      `${generationName} is not a configuration parameter under ${baseName}`,
      'pass a name made by sitePropertiesGenerationName',
    );
  }
  return `${keyFreeSitePropertiesBaseName(baseName)}${generationName.slice(baseName.length)}`;
}

/** Whether `name` is one of the configuration parameters under `baseName` (or the base itself, as an earlier version wrote it). */
export function isSitePropertiesParameterOf(baseName: string, name: string | undefined): boolean {
  return name === baseName || (name !== undefined && name.startsWith(`${baseName}/`) && /^[0-9a-f]{16}$/.test(name.slice(baseName.length + 1)));
}

/** Data the render resource returns (marked NoEcho). */
export interface RenderResourceData {
  readonly ParameterName: string;
  /** The same configuration without the MinIO keys (keyFreeSitePropertiesName), for the S3 proxy and the preload task. */
  readonly KeyFreeParameterName: string;
  readonly ParameterVersion: string;
  readonly ConfigHash: string;
}

/** The part of a CloudFormation custom-resource event the Provider framework hands to onEvent. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
  readonly StackId?: string;
  readonly ResourceType?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** What onEvent returns to the Provider framework. */
export interface CustomResourceResponse<D> {
  readonly PhysicalResourceId: string;
  readonly Data?: D;
  readonly NoEcho?: boolean;
}

export interface CredentialsRequest {
  readonly mode: CredentialsMode;
  readonly accessKeyParameterName: string;
  readonly secretKeyParameterName: string;
  readonly kmsKeyId?: string;
  readonly removalPolicy: CredentialsRemovalPolicy;
}

export interface RenderRequest {
  readonly accessKeyParameterName: string;
  readonly secretKeyParameterName: string;
  readonly sitePropertiesParameterName: string;
  readonly kmsKeyId?: string;
  /** Everything the renderer needs except the two secrets, which the handler reads from SSM. */
  readonly settings: Omit<SitePropertiesInput, 'accessKeyId' | 'secretKey'>;
  /** The deploy may move the masters to the other journal (JournalMigration property). */
  readonly journalMigration?: boolean;
}

/** The JournalMigration property's one value. */
export const JOURNAL_MIGRATION_ABANDON_NAMESPACE = 'abandon-namespace';

export interface HealthCheckRequest {
  readonly accessKeyParameterName: string;
  readonly secretKeyParameterName: string;
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory: string;
  readonly region: string;
  readonly rootUfsProperty: string;
  /** One entry, or one per master of a quorum. */
  readonly alluxioMasters?: readonly string[];
  readonly expectedWorkers?: number;
  readonly expectedRootUfs?: string;
  readonly ensureBucket: boolean;
  readonly ensureDirectory: boolean;
  readonly timeoutSeconds: number;
  readonly configHash: string;
}

export const DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS = 600;
/** The Provider framework polls isComplete at most 2 h. */
const MAX_HEALTH_CHECK_TIMEOUT_SECONDS = 7200;

/** The key SSM encrypts a SecureString with when KmsKeyId is omitted, and reports for it. */
export const DEFAULT_SSM_KMS_KEY = 'alias/aws/ssm';

// SSM's own naming rule: letters, digits and . - _ /, at most 1011 characters for a name.
const PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]+$/;
const PARAMETER_NAME_MAX_LENGTH = 1011;

function requiredString(props: Record<string, unknown>, input: string, what: string): string {
  const value = props[input];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(input, `missing (${what})`, `set ${input} in the custom resource properties`);
  }
  return value;
}

function optionalString(props: Record<string, unknown>, input: string): string | undefined {
  const value = props[input];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InputError(input, `must be a string, got ${typeof value}`, `pass ${input} as a string`);
  }
  return value;
}

function parameterName(props: Record<string, unknown>, input: string): string {
  const name = requiredString(props, input, 'an SSM parameter name');
  if (name.length > PARAMETER_NAME_MAX_LENGTH || !PARAMETER_NAME.test(name)) {
    throw new InputError(
      input,
      `"${name}" is not a valid SSM parameter name`,
      `use at most ${PARAMETER_NAME_MAX_LENGTH} characters from a-z A-Z 0-9 _ . - /, for example /alluxio/minio/access-key`,
    );
  }
  if (name.includes('/') && !name.startsWith('/')) {
    throw new InputError(input, `"${name}" is a path without a leading "/"`, `write it as /${name}`);
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    throw new InputError(input, `"${name}" starts with a prefix SSM reserves (aws, ssm)`, 'choose a name under your own prefix');
  }
  return name;
}

function oneOf<T extends string>(props: Record<string, unknown>, input: string, allowed: readonly T[]): T {
  const value = requiredString(props, input, `one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(input, `"${value}" is not one of ${allowed.join(', ')}`, `set ${input} to one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function parseCredentialsProperties(props: Record<string, unknown>): CredentialsRequest {
  const request: CredentialsRequest = {
    mode: oneOf(props, 'Mode', ['generated', 'existing'] as const),
    accessKeyParameterName: parameterName(props, 'AccessKeyParameterName'),
    secretKeyParameterName: parameterName(props, 'SecretKeyParameterName'),
    kmsKeyId: optionalString(props, 'KmsKeyId'),
    removalPolicy: oneOf(props, 'RemovalPolicy', ['retain', 'destroy'] as const),
  };
  if (request.accessKeyParameterName === request.secretKeyParameterName) {
    throw new InputError(
      'SecretKeyParameterName',
      `is the same parameter as AccessKeyParameterName (${request.accessKeyParameterName})`,
      'give the access key and the secret key two different parameter names',
    );
  }
  return request;
}

/**
 * The credentials resource's identity is the pair of names it manages: renaming either makes
 * CloudFormation replace the resource and later send Delete (with the old properties) for the
 * old pair, which then obeys the old removal policy.
 */
export function credentialsPhysicalResourceId(request: Pick<CredentialsRequest, 'accessKeyParameterName' | 'secretKeyParameterName'>): string {
  return `ssm-credentials:${request.accessKeyParameterName},${request.secretKeyParameterName}`;
}

/**
 * Refuses an Update whose later clean-up would delete a parameter the new resource still uses.
 * Only a new physical id makes CloudFormation send Delete for the old resource, and that Delete
 * carries only the OLD properties, so a generated+destroy resource renamed to a pair that keeps
 * one old name (or swaps them) would destroy that name. When the requested names give the current
 * physical id, nothing is replaced and nothing is refused: that is also the Update a stack
 * rollback sends, with the property sets swapped, after this check refused the forward one.
 */
export function checkCredentialsUpdate(previous: CredentialsRequest, next: CredentialsRequest, physicalResourceId: string): void {
  if (credentialsPhysicalResourceId(next) === physicalResourceId) {
    return;
  }
  const oldNames = [previous.accessKeyParameterName, previous.secretKeyParameterName];
  const shared = [next.accessKeyParameterName, next.secretKeyParameterName].filter((name) => oldNames.includes(name));
  if (previous.mode === 'generated' && previous.removalPolicy === 'destroy' && shared.length > 0) {
    throw new InputError(
      'AccessKeyParameterName/SecretKeyParameterName',
      `the new names keep ${shared.join(' and ')} from the old pair, which the old resource deletes on replacement (removal policy destroy)`,
      'rename both parameters to new names, or deploy once with removal policy RETAIN before renaming',
    );
  }
}

/**
 * Refuses generated parameters that already exist under another KMS key than the requested one
 * (`storedKeyId` undefined: the parameter does not exist yet). They are never overwritten, so they
 * would stay under the old key while every grant moves to the new one. Decided on what SSM holds,
 * not on the Old/New property diff, so the Update a stack rollback sends (asking for the key the
 * parameters still have) passes, and so does a key change after the user re-encrypted by hand.
 * Re-encrypting in the handler is not offered: it needs kms:Decrypt on the old key, which the same
 * deploy takes away, and a rollback would have to write under the old key again.
 */
export function checkGeneratedParameterKey(parameterName: string, storedKeyId: string | undefined, request: CredentialsRequest): void {
  const requested = request.kmsKeyId ?? DEFAULT_SSM_KMS_KEY;
  if (storedKeyId === undefined || sameKmsKey(storedKeyId, requested)) {
    return;
  }
  throw new InputError(
    'KmsKeyId',
    `the generated parameter ${parameterName} already exists encrypted under ${storedKeyId}, not the requested ${requested}, ` +
      'and generated parameters are never rewritten, so it would stay under the old key',
    `keep the old key (${storedKeyId}), or use a new parameterPrefix so fresh parameters are generated under the new key ` +
      '(a provisioned MinIO restarts with them), or re-encrypt both parameters under the new key by hand ' +
      `(aws ssm put-parameter --overwrite --type SecureString --key-id ${requested} with the current value) and deploy again`,
  );
}

/**
 * Whether two references name the same KMS key. The construct passes a key ARN; SSM may report the
 * key as given or as its bare id (`arn:...:key/<id>` and `<id>`), and an alias likewise
 * (`arn:...:alias/<name>` and `alias/<name>`), so both sides are reduced to that last part.
 */
export function sameKmsKey(a: string, b: string): boolean {
  const reduce = (ref: string) => ref.match(/:key\/(.+)$/)?.[1] ?? ref.match(/:(alias\/.+)$/)?.[1] ?? ref;
  return reduce(a) === reduce(b);
}

function extraProperties(props: Record<string, unknown>): Record<string, string> | undefined {
  const text = optionalString(props, 'ExtraProperties');
  if (text === undefined) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError('ExtraProperties', 'is not valid JSON', 'pass a JSON object of string keys to string values');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('ExtraProperties', 'is not a JSON object', 'pass a JSON object of string keys to string values');
  }
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new InputError(`ExtraProperties.${key}`, `has a ${typeof value} value`, 'give every extra property a string value');
    }
    map[key] = value;
  }
  return map;
}

function journalMigration(props: Record<string, unknown>): boolean | undefined {
  const value = optionalString(props, 'JournalMigration');
  if (value === undefined) return undefined;
  if (value !== JOURNAL_MIGRATION_ABANDON_NAMESPACE) {
    throw new InputError(
      'JournalMigration',
      `${JSON.stringify(value)} is not ${JSON.stringify(JOURNAL_MIGRATION_ABANDON_NAMESPACE)}`,
      `pass "${JOURNAL_MIGRATION_ABANDON_NAMESPACE}" or leave it out`,
    );
  }
  return true;
}

export function parseRenderProperties(props: Record<string, unknown>): RenderRequest {
  const alias = optionalString(props, 'WorkerTierAlias');
  const path = optionalString(props, 'WorkerTierPath');
  const quota = optionalString(props, 'WorkerTierQuota');
  const tierParts = [alias, path, quota].filter((part) => part !== undefined).length;
  if (tierParts !== 0 && tierParts !== 3) {
    throw new InputError(
      'WorkerTierAlias/WorkerTierPath/WorkerTierQuota',
      'only some of the worker tier settings are set',
      'set all three (alias, path, quota) or none',
    );
  }
  const journalType = optionalString(props, 'JournalType');
  const journalFolder = optionalString(props, 'JournalFolder');
  if ((journalType === undefined) !== (journalFolder === undefined)) {
    throw new InputError('JournalType/JournalFolder', 'only one of the journal settings is set', 'set both (type and folder) or neither');
  }
  const updateCheck = optionalString(props, 'MasterUpdateCheck');
  if (updateCheck !== undefined && updateCheck !== 'true' && updateCheck !== 'false') {
    throw new InputError('MasterUpdateCheck', `${JSON.stringify(updateCheck)} is not "true" or "false"`, 'pass "false" to turn the update check off');
  }
  const writeType = optionalString(props, 'WriteType');
  const metadataSyncInterval = optionalString(props, 'MetadataSyncInterval');
  const masterHostname = optionalString(props, 'MasterHostname');
  const masterQuorum = optionalString(props, 'MasterQuorum');
  const cluster: ClusterLayout = {
    masterHostname,
    masterQuorum: masterQuorum !== undefined ? { hostnames: masterQuorum.split(',') } : undefined,
    journal: journalType !== undefined ? { type: journalType, folder: journalFolder! } : undefined,
    workerTier: tierParts === 3 ? { alias: alias!, path: path!, quota: quota! } : undefined,
    masterUpdateCheck: updateCheck === undefined ? undefined : updateCheck === 'true',
    lostWorkerTimeout: optionalString(props, 'LostWorkerTimeout'),
    clientDefaults: writeType !== undefined || metadataSyncInterval !== undefined ? { writeType, metadataSyncInterval } : undefined,
  };
  const anyLayout = Object.values(cluster).some((value) => value !== undefined);
  const request: RenderRequest = {
    accessKeyParameterName: parameterName(props, 'AccessKeyParameterName'),
    secretKeyParameterName: parameterName(props, 'SecretKeyParameterName'),
    sitePropertiesParameterName: parameterName(props, 'SitePropertiesParameterName'),
    kmsKeyId: optionalString(props, 'KmsKeyId'),
    settings: {
      alluxioVersion: requiredString(props, 'AlluxioVersion', 'the Alluxio release, e.g. 2.9.5'),
      minio: {
        endpoint: requiredString(props, 'Endpoint', 'the MinIO endpoint URL'),
        bucket: requiredString(props, 'Bucket', 'the MinIO bucket name'),
        directory: optionalString(props, 'Directory'),
        region: optionalString(props, 'Region'),
      },
      cluster: anyLayout ? cluster : undefined,
      extraProperties: extraProperties(props),
    },
    journalMigration: journalMigration(props),
  };
  const names = [request.accessKeyParameterName, request.secretKeyParameterName];
  if (names.includes(request.sitePropertiesParameterName)) {
    throw new InputError(
      'SitePropertiesParameterName',
      `is the same parameter as a credential parameter (${request.sitePropertiesParameterName})`,
      'write the rendered file to its own parameter, e.g. /<prefix>/site-properties',
    );
  }
  return request;
}

function masterAddresses(props: Record<string, unknown>): string[] | undefined {
  const text = optionalString(props, 'AlluxioMaster');
  return text === undefined ? undefined : parseMasterAddressList(text, 'AlluxioMaster');
}

function expectedWorkers(props: Record<string, unknown>): number | undefined {
  const text = optionalString(props, 'ExpectedWorkers');
  if (text === undefined) return undefined;
  if (!/^\d{1,4}$/.test(text)) {
    throw new InputError('ExpectedWorkers', `${JSON.stringify(text)} is not a whole number`, 'pass the count of workers the deployment runs, e.g. "2"');
  }
  return Number(text);
}

/** Health-check ResourceProperties → a validated request; every error names the property. */
export function parseHealthCheckProperties(props: Record<string, unknown>): HealthCheckRequest {
  const endpoint = validateEndpoint(requiredString(props, 'Endpoint', 'the MinIO endpoint URL'), 'Endpoint').url;
  const bucket = requiredString(props, 'Bucket', 'the MinIO bucket name');
  validateBucket(bucket, 'Bucket');
  const directory = validateDirectory(optionalString(props, 'Directory'), 'Directory');
  const region = optionalString(props, 'Region') ?? DEFAULT_MINIO_REGION;
  validateRegion(region, 'Region');
  const timeoutText = optionalString(props, 'TimeoutSeconds') ?? String(DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS);
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 1 || timeoutSeconds > MAX_HEALTH_CHECK_TIMEOUT_SECONDS) {
    throw new InputError(
      'TimeoutSeconds',
      `${JSON.stringify(timeoutText)} is not a whole number of seconds from 1 to ${MAX_HEALTH_CHECK_TIMEOUT_SECONDS}`,
      'pass the health-check timeout in seconds, e.g. "600"',
    );
  }
  const flag = (input: string, what: string): boolean => {
    const value = optionalString(props, input) ?? 'false';
    if (value !== 'true' && value !== 'false') {
      throw new InputError(input, `${JSON.stringify(value)} is not "true" or "false"`, `pass "true" to create ${what}, else "false"`);
    }
    return value === 'true';
  };
  return {
    accessKeyParameterName: parameterName(props, 'AccessKeyParameterName'),
    secretKeyParameterName: parameterName(props, 'SecretKeyParameterName'),
    endpoint,
    bucket,
    directory,
    region,
    rootUfsProperty: parseAlluxioVersion(optionalString(props, 'AlluxioVersion') ?? DEFAULT_ALLUXIO_VERSION).rootUfsKey,
    alluxioMasters: masterAddresses(props),
    expectedWorkers: expectedWorkers(props),
    expectedRootUfs: optionalString(props, 'ExpectedRootUfs'),
    ensureBucket: flag('EnsureBucket', 'the bucket and directory'),
    ensureDirectory: flag('EnsureDirectory', 'the directory marker'),
    timeoutSeconds,
    configHash: optionalString(props, 'ConfigHash') ?? '',
  };
}
