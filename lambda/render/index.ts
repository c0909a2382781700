import { SSMClient } from '@aws-sdk/client-ssm';
import { configFingerprint } from '../../lib/core/config-fingerprint';
import {
  CustomResourceEvent,
  CustomResourceResponse,
  parseRenderProperties,
  RenderRequest,
  RenderResourceData,
} from '../../lib/core/custom-resource-props';
import { renderSiteProperties } from '../../lib/core/site-properties';
import { KmsKeyContext, SsmParameters } from '../../lib/runtime/ssm-parameters';

// Created once per container; region and endpoint come from the Lambda environment.
const parameters = new SsmParameters(new SSMClient({}));

function kmsContext(request: RenderRequest): KmsKeyContext {
  return { kmsKeyId: request.kmsKeyId, kmsKeyInput: 'KmsKeyId' };
}

async function renderToParameter(request: RenderRequest, keyChanged: boolean): Promise<RenderResourceData> {
  const kms = kmsContext(request);
  const accessKey = await parameters.getDecrypted(request.accessKeyParameterName, 'AccessKeyParameterName', kms);
  const secretKey = await parameters.getDecrypted(request.secretKeyParameterName, 'SecretKeyParameterName', kms);
  // Everything that can refuse the input runs before the write, so a failed Update leaves the
  // previous file (and version) in place.
  const text = renderSiteProperties({ ...request.settings, accessKeyId: accessKey.value, secretKey: secretKey.value });
  const { version, written, bytes } = await parameters.putSecureStringIfChanged(
    request.sitePropertiesParameterName,
    text,
    'ExtraProperties',
    kms,
    keyChanged,
  );
  const configHash = configFingerprint(request.settings, accessKey.version, secretKey.version);
  console.log(
    JSON.stringify({
      resource: 'render',
      parameter: { name: request.sitePropertiesParameterName, version, written, bytes },
      accessKey: { name: accessKey.name, version: accessKey.version },
      secretKey: { name: secretKey.name, version: secretKey.version },
    }),
  );
  return { ParameterName: request.sitePropertiesParameterName, ParameterVersion: String(version), ConfigHash: configHash };
}

async function deleteRendered(event: CustomResourceEvent): Promise<void> {
  let request: RenderRequest;
  try {
    request = parseRenderProperties(event.ResourceProperties);
  } catch {
    // Properties this handler would have refused never wrote anything; failing here would only
    // leave the stack stuck in DELETE_FAILED.
    console.log(JSON.stringify({ resource: 'render', requestType: 'Delete', skipped: 'invalid properties' }));
    return;
  }
  // Only the parameter this resource instance wrote: the id names it.
  const owned = event.PhysicalResourceId === request.sitePropertiesParameterName;
  console.log(JSON.stringify({ resource: 'render', requestType: 'Delete', deleting: owned ? [request.sitePropertiesParameterName] : [] }));
  if (owned) {
    await parameters.deleteIfPresent(request.sitePropertiesParameterName, kmsContext(request));
  }
}

/** Provider-framework onEvent handler that renders alluxio-site.properties into SSM; a throw reports FAILED. */
export async function handler(event: CustomResourceEvent): Promise<CustomResourceResponse<RenderResourceData>> {
  console.log(JSON.stringify({ resource: 'render', requestType: event.RequestType, physicalResourceId: event.PhysicalResourceId }));
  if (event.RequestType === 'Delete') {
    await deleteRendered(event);
    return { PhysicalResourceId: event.PhysicalResourceId ?? '' };
  }
  const request = parseRenderProperties(event.ResourceProperties);
  const previousKey = event.OldResourceProperties?.KmsKeyId || undefined;
  const keyChanged = event.RequestType === 'Update' && previousKey !== request.kmsKeyId;
  const data = await renderToParameter(request, keyChanged);
  // The hash is derived from versions, not values, but the whole response stays out of
  // CloudFormation's console and describe calls anyway.
  return { PhysicalResourceId: request.sitePropertiesParameterName, Data: data, NoEcho: true };
}
