import { configFingerprint } from '../core/config-fingerprint';
import { keyFreeSitePropertiesName, RenderRequest, sitePropertiesGenerationName } from '../core/custom-resource-props';
import { checkJournalTypeUnchanged, checkRootMountUnchanged, journalTypeChange, renderSiteProperties, withoutCredentials } from '../core/site-properties';
import { KmsKeyContext, SsmParameters } from './ssm-parameters';

/** What one render wrote (or found already in place); names and versions only, never a value. */
export interface RenderedSiteProperties {
  readonly parameterName: string;
  /** The same configuration without the MinIO keys, for the S3 proxy and the preload task. */
  readonly keyFreeParameterName: string;
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
 * Reads both key parameters with decryption, renders alluxio-site.properties and writes it to this
 * configuration's own parameter (sitePropertiesGenerationName) only when the text differs (so a
 * repeated render adds no version). Everything that can refuse the input runs before the write, so a
 * refused render leaves every parameter as it was. `runningParameterName` is the configuration the
 * cluster runs now (the resource's current physical id on an Update): a root mount other than its own
 * is refused (checkRootMountUnchanged). Beside it goes the same file without the key lines
 * (withoutCredentials), in its own parameter (keyFreeSitePropertiesName), which the clients of the
 * master read instead: a rotation changes only the keys, so it never needs to touch that one.
 */
export async function renderSitePropertiesToParameter(
  parameters: SsmParameters,
  request: RenderRequest,
  keyChanged: boolean,
  runningParameterName?: string,
): Promise<RenderedSiteProperties> {
  const kms = renderKmsContext(request);
  const rendered = await renderFromKeyParameters(parameters, request);
  const configHash = configFingerprint(request.settings, rendered.accessKeyVersion, rendered.secretKeyVersion);
  const parameterName = sitePropertiesGenerationName(request.sitePropertiesParameterName, configHash);
  if (runningParameterName !== undefined) {
    const running = await parameters.getDecryptedIfPresent(runningParameterName, kms);
    checkRootMountUnchanged(running?.value, rendered.text);
    const migrationAccepted = request.journalMigration === true;
    if (!migrationAccepted && journalTypeChange(running?.value, rendered.text) !== undefined) {
      // A rollback asks for the configuration it returns to, whose parameter is still there.
      const target = await parameters.getDecryptedIfPresent(parameterName, kms);
      checkJournalTypeUnchanged(running?.value, rendered.text, { migrationAccepted, returningToDeployed: target?.value === rendered.text });
    }
  }
  const { version, written, bytes } = await parameters.putSecureStringIfChanged(parameterName, rendered.text, 'ExtraProperties', kms, keyChanged);
  const keyFreeParameterName = keyFreeSitePropertiesName(request.sitePropertiesParameterName, parameterName);
  await parameters.putSecureStringIfChanged(keyFreeParameterName, withoutCredentials(rendered.text), 'ExtraProperties', kms, keyChanged);
  return {
    parameterName,
    keyFreeParameterName,
    version,
    written,
    bytes,
    configHash,
    accessKeyVersion: rendered.accessKeyVersion,
    secretKeyVersion: rendered.secretKeyVersion,
  };
}
