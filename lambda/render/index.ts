import { SSMClient } from '@aws-sdk/client-ssm';
import {
  CustomResourceEvent,
  CustomResourceResponse,
  isSitePropertiesParameterOf,
  keyFreeSitePropertiesName,
  parseRenderProperties,
  RenderRequest,
  RenderResourceData,
} from '../../lib/core/custom-resource-props';
import { renderKmsContext, renderSitePropertiesToParameter } from '../../lib/runtime/render-site-properties';
import { SsmParameters } from '../../lib/runtime/ssm-parameters';

// Created once per container; region and endpoint come from the Lambda environment.
const parameters = new SsmParameters(new SSMClient({}));

async function renderToParameter(request: RenderRequest, keyChanged: boolean, runningParameterName?: string): Promise<RenderResourceData> {
  const rendered = await renderSitePropertiesToParameter(parameters, request, keyChanged, runningParameterName);
  console.log(
    JSON.stringify({
      resource: 'render',
      parameter: { name: rendered.parameterName, version: rendered.version, written: rendered.written, bytes: rendered.bytes },
      keyFreeParameter: { name: rendered.keyFreeParameterName },
      accessKey: { name: request.accessKeyParameterName, version: rendered.accessKeyVersion },
      secretKey: { name: request.secretKeyParameterName, version: rendered.secretKeyVersion },
    }),
  );
  return {
    ParameterName: rendered.parameterName,
    KeyFreeParameterName: rendered.keyFreeParameterName,
    ParameterVersion: String(rendered.version),
    ConfigHash: rendered.configHash,
  };
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
  // Only the parameter this resource instance wrote: the id names it (a configuration's own parameter,
  // or the single one an earlier version of this library wrote).
  const base = request.sitePropertiesParameterName;
  const owned = isSitePropertiesParameterOf(base, event.PhysicalResourceId) ? event.PhysicalResourceId! : undefined;
  // With its key-free twin; the base itself (an earlier version's single parameter) has none.
  const deleting = owned === undefined ? [] : owned === base ? [owned] : [owned, keyFreeSitePropertiesName(base, owned)];
  console.log(JSON.stringify({ resource: 'render', requestType: 'Delete', deleting }));
  for (const name of deleting) {
    await parameters.deleteIfPresent(name, renderKmsContext(request));
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
  const running =
    event.RequestType === 'Update' && isSitePropertiesParameterOf(request.sitePropertiesParameterName, event.PhysicalResourceId)
      ? event.PhysicalResourceId
      : undefined;
  const data = await renderToParameter(request, keyChanged, running);
  // A new configuration gets a new parameter, hence a new physical id: CloudFormation then deletes the
  // old parameter after the update succeeded, or the new one when the stack rolls back. The hash is
  // derived from versions, not values, but the whole response stays out of the console anyway.
  return { PhysicalResourceId: data.ParameterName, Data: data, NoEcho: true };
}
