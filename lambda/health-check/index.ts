import { SSMClient } from '@aws-sdk/client-ssm';
import { CustomResourceEvent, CustomResourceResponse, HealthCheckRequest, parseHealthCheckProperties } from '../../lib/core/custom-resource-props';
import { Finding, formatFinding } from '../../lib/core/diagnose';
import { ensureBucketAndDirectory, ensureDirectoryMarker } from '../../lib/runtime/minio-bucket';
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

/**
 * Give up this long before the deadline so the deploy fails with the last finding rather than with
 * the Provider framework's bare "Operation timed out": one poll interval (15 s) plus one bounded run.
 */
export const DEADLINE_MARGIN_MS = DEFAULT_CHECK_OPTIONS.totalTimeoutMs + 15_000;

/** Data onEvent hands to isComplete (and so to the resource's attributes): when polling began. */
export const STARTED_AT_KEY = 'HealthCheckStartedAt';

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
    if (!finding && request.ensureDirectory && !request.ensureBucket) {
      log({ directoryMarkerCreated: await ensureDirectoryMarker(target.connection, request.bucket, request.directory) });
    }
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
    alluxioMasters: request.alluxioMasters,
    expectedWorkers: request.expectedWorkers,
    expectedRootUfs: request.expectedRootUfs,
    rootUfsProperty: request.rootUfsProperty,
  };
}

function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ resource: 'health-check', ...entry }));
}
