import { configFingerprint } from '../core/config-fingerprint';
import type { RenderRequest } from '../core/custom-resource-props';
import { InputError } from '../core/input-error';
import { checkRootMountUnchanged, renderSiteProperties } from '../core/site-properties';
import { KmsKeyContext, SsmParameters } from './ssm-parameters';

/** What one render wrote (or found already in place); names and versions only, never a value. */
export interface RenderedSiteProperties {
  readonly parameterName: string;
  /** The site-properties version now current (unchanged when nothing was written). */
  readonly version: number;
  readonly written: boolean;
  readonly bytes: number;
  /** {@link configFingerprint} of the settings and the two key versions rendered. */
  readonly configHash: string;
  readonly accessKeyVersion: number;
  readonly secretKeyVersion: number;
}

export function renderKmsContext(request: Pick<RenderRequest, 'kmsKeyId'>): KmsKeyContext {
  return { kmsKeyId: request.kmsKeyId, kmsKeyInput: 'KmsKeyId' };
}

/** The file the current key pair renders to, and the versions it came from. `text` holds both secrets. */
export interface RenderedText {
  readonly text: string;
  readonly accessKeyVersion: number;
  readonly secretKeyVersion: number;
}

/** Reads both key parameters with decryption and renders; writes nothing. */
export async function renderFromKeyParameters(parameters: SsmParameters, request: RenderRequest): Promise<RenderedText> {
  const kms = renderKmsContext(request);
  const accessKey = await parameters.getDecrypted(request.accessKeyParameterName, 'AccessKeyParameterName', kms);
  const secretKey = await parameters.getDecrypted(request.secretKeyParameterName, 'SecretKeyParameterName', kms);
  const text = renderSiteProperties({ ...request.settings, accessKeyId: accessKey.value, secretKey: secretKey.value });
  return { text, accessKeyVersion: accessKey.version, secretKeyVersion: secretKey.version };
}

/**
 * Reads both key parameters with decryption, renders alluxio-site.properties and writes it to the
 * site-properties parameter only when the text differs (so a repeated render adds no version). The
 * render custom resource and credential rotation both go through here: one way to produce the file.
 * Everything that can refuse the input runs before the write, so a refused render leaves the
 * previous file (and version) in place.
 */
export async function renderSitePropertiesToParameter(
  parameters: SsmParameters,
  request: RenderRequest,
  keyChanged: boolean,
): Promise<RenderedSiteProperties> {
  const kms = renderKmsContext(request);
  const rendered = await renderFromKeyParameters(parameters, request);
  const current = await parameters.getDecryptedIfPresent(request.sitePropertiesParameterName, kms);
  checkRootMountUnchanged(current?.value, rendered.text);
  const { version, written, bytes } = await parameters.putSecureStringIfChanged(
    request.sitePropertiesParameterName,
    rendered.text,
    'ExtraProperties',
    kms,
    keyChanged,
  );
  return {
    parameterName: request.sitePropertiesParameterName,
    version,
    written,
    bytes,
    configHash: configFingerprint(request.settings, rendered.accessKeyVersion, rendered.secretKeyVersion),
    accessKeyVersion: rendered.accessKeyVersion,
    secretKeyVersion: rendered.secretKeyVersion,
  };
}

/** Whether the site-properties parameter holds exactly what the current key pair renders to. */
export async function sitePropertiesInSync(parameters: SsmParameters, request: RenderRequest): Promise<boolean> {
  let rendered: RenderedText;
  try {
    rendered = await renderFromKeyParameters(parameters, request);
  } catch (error) {
    // A pair the renderer refuses (say, a line break in a key) can never be in sync.
    if (error instanceof InputError) return false;
    throw error;
  }
  const stored = await parameters.getDecryptedIfPresent(request.sitePropertiesParameterName, renderKmsContext(request));
  return stored?.value === rendered.text;
}
