import { SSMClient } from '@aws-sdk/client-ssm';
import { parseAlluxioVersion, DEFAULT_ALLUXIO_VERSION } from '../../lib/core/alluxio-version';
import { CustomResourceEvent, CustomResourceResponse } from '../../lib/core/custom-resource-props';
import { Finding, formatFinding } from '../../lib/core/diagnose';
import { InputError } from '../../lib/core/input-error';
import { DEFAULT_MINIO_REGION } from '../../lib/core/site-properties';
import { validateBucket, validateDirectory, validateEndpoint, validateRegion } from '../../lib/core/validate';
import { ensureBucketAndDirectory } from '../../lib/runtime/minio-bucket';
import { DEFAULT_CHECK_OPTIONS, FindingError, MinioCheckTarget, runMinioChecks } from '../../lib/runtime/minio-checks';
import { SsmParameters } from '../../lib/runtime/ssm-parameters';

/*
 * Post-deploy health check as a Provider-framework resource: onEvent only records when the check
 * started; isComplete runs the checks on every poll. A transient finding (a server still starting)
 * is polled again until the deadline; a definitive one (wrong keys, no bucket) fails the deploy at
 * once with "<CODE>: <cause>. Fix: <fix>". Nothing returned or logged carries a key.
 */

// Created once per container; region and endpoint come from the Lambda environment.
const parameters = new SsmParameters(new SSMClient({}));

export const DEFAULT_TIMEOUT_SECONDS = 600;
/** The Provider framework polls isComplete at most 2 h. */
const MAX_TIMEOUT_SECONDS = 7200;
/**
 * Give up this long before the deadline so the deploy fails with the last finding rather than with
 * the Provider framework's bare "Operation timed out": one poll interval (15 s) plus one bounded run.
 */
export const DEADLINE_MARGIN_MS = DEFAULT_CHECK_OPTIONS.totalTimeoutMs + 15_000;

/** Data onEvent hands to isComplete (and so to the resource's attributes): when polling began. */
export const STARTED_AT_KEY = 'HealthCheckStartedAt';

export interface HealthCheckRequest {
  readonly accessKeyParameterName: string;
  readonly secretKeyParameterName: string;
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory: string;
  readonly region: string;
  readonly rootUfsProperty: string;
  readonly alluxioMaster?: string;
  readonly expectedRootUfs?: string;
  readonly ensureBucket: boolean;
  readonly timeoutSeconds: number;
  readonly configHash: string;
}

function stringProperty(props: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = props[name];
  if (value === undefined || value === '') {
    if (required) throw new InputError(name, 'is missing from the resource properties', `set ${name} on the health-check resource`);
    return undefined;
  }
  if (typeof value !== 'string') throw new InputError(name, 'is not a string', `pass ${name} as a string`);
  return value;
}

/** ResourceProperties → a validated request; every error names the property. */
export function parseHealthCheckProperties(props: Record<string, unknown>): HealthCheckRequest {
  const endpoint = validateEndpoint(stringProperty(props, 'Endpoint', true)!, 'Endpoint').url;
  const bucket = stringProperty(props, 'Bucket', true)!;
  validateBucket(bucket, 'Bucket');
  const directory = validateDirectory(stringProperty(props, 'Directory', false), 'Directory');
  const region = stringProperty(props, 'Region', false) ?? DEFAULT_MINIO_REGION;
  validateRegion(region, 'Region');
  const timeoutText = stringProperty(props, 'TimeoutSeconds', false) ?? String(DEFAULT_TIMEOUT_SECONDS);
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
    throw new InputError('TimeoutSeconds', `${JSON.stringify(timeoutText)} is not a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`, 'pass the health-check timeout in seconds, e.g. "600"');
  }
  const ensure = stringProperty(props, 'EnsureBucket', false) ?? 'false';
  if (ensure !== 'true' && ensure !== 'false') {
    throw new InputError('EnsureBucket', `${JSON.stringify(ensure)} is not "true" or "false"`, 'pass "true" to create the bucket and directory, else "false"');
  }
  return {
    accessKeyParameterName: stringProperty(props, 'AccessKeyParameterName', true)!,
    secretKeyParameterName: stringProperty(props, 'SecretKeyParameterName', true)!,
    endpoint,
    bucket,
    directory,
    region,
    rootUfsProperty: parseAlluxioVersion(stringProperty(props, 'AlluxioVersion', false) ?? DEFAULT_ALLUXIO_VERSION).rootUfsKey,
    alluxioMaster: stringProperty(props, 'AlluxioMaster', false),
    expectedRootUfs: stringProperty(props, 'ExpectedRootUfs', false),
    ensureBucket: ensure === 'true',
    timeoutSeconds,
    configHash: stringProperty(props, 'ConfigHash', false) ?? '',
  };
}

export interface IsCompleteEvent extends CustomResourceEvent {
  readonly Data?: Record<string, string>;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: { readonly Healthy: string; readonly ConfigHash: string };
}

export async function onEvent(event: CustomResourceEvent): Promise<CustomResourceResponse<Record<string, string>>> {
  const physicalResourceId = event.PhysicalResourceId ?? `health-check-${event.LogicalResourceId ?? 'resource'}`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  // Refuse bad properties now rather than on every poll.
  parseHealthCheckProperties(event.ResourceProperties);
  return { PhysicalResourceId: physicalResourceId, Data: { [STARTED_AT_KEY]: String(Date.now()) } };
}

export async function isComplete(event: IsCompleteEvent): Promise<IsCompleteResponse> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const request = parseHealthCheckProperties(event.ResourceProperties);
  const startedAt = Number(event.Data?.[STARTED_AT_KEY] ?? Date.now());
  const deadline = startedAt + request.timeoutSeconds * 1000 - DEADLINE_MARGIN_MS;
  const target = await targetFor(request);

  let finding: Finding | undefined;
  try {
    if (request.ensureBucket) {
      await ensureBucketAndDirectory(target.connection, request.bucket, request.directory);
    }
    const run = await runMinioChecks(target);
    log({ checks: run.checks.map(({ id, status, ms, finding: f }) => ({ id, status, ms, code: f?.code })) });
    finding = run.failure;
  } catch (error) {
    if (!(error instanceof FindingError)) throw error;
    finding = error.finding;
  }
  if (!finding) {
    return { IsComplete: true, Data: { Healthy: 'true', ConfigHash: request.configHash } };
  }
  const elapsedSeconds = Math.round((Date.now() - startedAt) / 1000);
  if (finding.transient && Date.now() < deadline) {
    log({ retrying: finding.code, cause: finding.cause, elapsedSeconds });
    return { IsComplete: false };
  }
  throw new Error(finding.transient ? `${formatFinding(finding)} (still failing after ${elapsedSeconds} s)` : formatFinding(finding));
}

async function targetFor(request: HealthCheckRequest): Promise<MinioCheckTarget> {
  const kms = { kmsKeyInput: 'KmsKeyId' };
  const accessKey = await parameters.getDecrypted(request.accessKeyParameterName, 'AccessKeyParameterName', kms);
  const secretKey = await parameters.getDecrypted(request.secretKeyParameterName, 'SecretKeyParameterName', kms);
  return {
    connection: { endpoint: request.endpoint, region: request.region, accessKeyId: accessKey.value, secretAccessKey: secretKey.value },
    bucket: request.bucket,
    directory: request.directory,
    alluxioMaster: request.alluxioMaster,
    expectedRootUfs: request.expectedRootUfs,
    rootUfsProperty: request.rootUfsProperty,
  };
}

function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ resource: 'health-check', ...entry }));
}
