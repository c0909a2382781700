import { createHash } from 'node:crypto';
import { InputError } from './input-error';
import { renderSiteProperties, SiteSettings } from './site-properties';

/**
 * A SHA-256 (hex) of the site properties as rendered with each secret replaced by the version of
 * the SSM parameter holding it. It changes when the configuration or either credential changes
 * (SSM bumps the version on every write), so it can sit in a task definition to roll the tasks,
 * yet it is computed from no secret and reveals none.
 */
export function configFingerprint(settings: SiteSettings, accessKeyVersion: number, secretKeyVersion: number): string {
  for (const [input, version] of [
    ['accessKeyVersion', accessKeyVersion],
    ['secretKeyVersion', secretKeyVersion],
  ] as const) {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new InputError(input, `${version} is not an SSM parameter version`, 'pass the Version that GetParameter returned (a positive integer)');
    }
  }
  const text = renderSiteProperties({
    ...settings,
    // Distinct labels keep (access v1, secret v2) apart from (access v2, secret v1).
    accessKeyId: `ssm-parameter-version:access-key:${accessKeyVersion}`,
    secretKey: `ssm-parameter-version:secret-key:${secretKeyVersion}`,
  });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
