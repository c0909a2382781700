import { SSMClient } from '@aws-sdk/client-ssm';
import {
  checkCredentialsUpdate,
  checkGeneratedParameterKey,
  credentialsPhysicalResourceId,
  CredentialsRequest,
  CredentialsResourceData,
  CustomResourceEvent,
  CustomResourceResponse,
  parseCredentialsProperties,
} from '../../lib/core/custom-resource-props';
import { InputError } from '../../lib/core/input-error';
import { generateMinioCredentials } from '../../lib/runtime/generate-credentials';
import { KmsKeyContext, ParameterMetadata, SsmParameters } from '../../lib/runtime/ssm-parameters';

// Created once per container; region and endpoint come from the Lambda environment.
const parameters = new SsmParameters(new SSMClient({}));

function kmsContext(request: CredentialsRequest): KmsKeyContext {
  return { kmsKeyId: request.kmsKeyId, kmsKeyInput: 'KmsKeyId' };
}

async function requireSecureString(name: string, input: string, kms: KmsKeyContext): Promise<ParameterMetadata> {
  const metadata = await parameters.getMetadata(name, kms);
  if (metadata === undefined) {
    throw new InputError(input, `SSM parameter ${name} does not exist`, `create ${name} as a SecureString before deploying, or correct the name`);
  }
  if (metadata.type !== 'SecureString') {
    throw new InputError(
      input,
      `SSM parameter ${name} is a ${metadata.type}, not a SecureString`,
      `store the key in a SecureString parameter (aws ssm put-parameter --type SecureString --name ${name} ...)`,
    );
  }
  return metadata;
}

async function ensureCredentials(request: CredentialsRequest): Promise<CredentialsResourceData> {
  const kms = kmsContext(request);
  let written: string[] = [];
  if (request.mode === 'generated') {
    // Both are checked before either is written, so a refusal leaves SSM as it was.
    for (const name of [request.accessKeyParameterName, request.secretKeyParameterName]) {
      checkGeneratedParameterKey(name, await parameters.getKeyId(name, kms), request);
    }
    // A retried or duplicated event finds the parameters from the first delivery and keeps them.
    const generated = generateMinioCredentials();
    const accessWritten = await parameters.createSecureStringIfAbsent(request.accessKeyParameterName, generated.accessKeyId, kms);
    const secretWritten = await parameters.createSecureStringIfAbsent(request.secretKeyParameterName, generated.secretKey, kms);
    written = [...(accessWritten ? [request.accessKeyParameterName] : []), ...(secretWritten ? [request.secretKeyParameterName] : [])];
  }
  const access = await requireSecureString(request.accessKeyParameterName, 'AccessKeyParameterName', kms);
  const secret = await requireSecureString(request.secretKeyParameterName, 'SecretKeyParameterName', kms);
  console.log(
    JSON.stringify({
      resource: 'credentials',
      mode: request.mode,
      written,
      accessKey: { name: access.name, version: access.version },
      secretKey: { name: secret.name, version: secret.version },
    }),
  );
  return {
    AccessKeyParameterName: access.name,
    AccessKeyParameterVersion: String(access.version),
    SecretKeyParameterName: secret.name,
    SecretKeyParameterVersion: String(secret.version),
  };
}

async function deleteCredentials(event: CustomResourceEvent): Promise<void> {
  let request: CredentialsRequest;
  try {
    request = parseCredentialsProperties(event.ResourceProperties);
  } catch {
    // Properties this handler would have refused never created anything; failing here would only
    // leave the stack stuck in DELETE_FAILED.
    console.log(JSON.stringify({ resource: 'credentials', requestType: 'Delete', skipped: 'invalid properties' }));
    return;
  }
  const owned = event.PhysicalResourceId === credentialsPhysicalResourceId(request);
  const destroy = owned && request.mode === 'generated' && request.removalPolicy === 'destroy';
  console.log(
    JSON.stringify({
      resource: 'credentials',
      requestType: 'Delete',
      mode: request.mode,
      removalPolicy: request.removalPolicy,
      deleting: destroy ? [request.accessKeyParameterName, request.secretKeyParameterName] : [],
    }),
  );
  if (destroy) {
    const kms = kmsContext(request);
    await parameters.deleteIfPresent(request.accessKeyParameterName, kms);
    await parameters.deleteIfPresent(request.secretKeyParameterName, kms);
  }
}

/** Provider-framework onEvent handler for the MinIO credentials parameters; a throw reports FAILED. */
export async function handler(event: CustomResourceEvent): Promise<CustomResourceResponse<CredentialsResourceData>> {
  console.log(JSON.stringify({ resource: 'credentials', requestType: event.RequestType, physicalResourceId: event.PhysicalResourceId }));
  if (event.RequestType === 'Delete') {
    await deleteCredentials(event);
    return { PhysicalResourceId: event.PhysicalResourceId ?? '' };
  }
  const request = parseCredentialsProperties(event.ResourceProperties);
  if (event.RequestType === 'Update' && event.OldResourceProperties) {
    const previous = parseCredentialsProperties(event.OldResourceProperties);
    checkCredentialsUpdate(previous, request, event.PhysicalResourceId ?? credentialsPhysicalResourceId(previous));
  }
  const data = await ensureCredentials(request);
  return { PhysicalResourceId: credentialsPhysicalResourceId(request), Data: data };
}
