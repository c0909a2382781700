import { configFingerprint } from '../../lib/core/config-fingerprint';
import { SiteSettings } from '../../lib/core/site-properties';
import { expectInputError } from './expect-input-error';

const settings: SiteSettings = {
  alluxioVersion: '2.9.3',
  minio: { endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' },
};

describe('configFingerprint', () => {
  test('is a SHA-256 hex digest (no text of the file, so no secret) and stable for equal input', () => {
    const fingerprint = configFingerprint(settings, 1, 1);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(configFingerprint({ ...settings }, 1, 1)).toBe(fingerprint);
  });

  test('changes when either credential parameter gets a new version, and tells the two apart', () => {
    const seen = new Set([
      configFingerprint(settings, 1, 1),
      configFingerprint(settings, 2, 1),
      configFingerprint(settings, 1, 2),
      configFingerprint(settings, 2, 2),
      configFingerprint(settings, 12, 1),
      configFingerprint(settings, 1, 21),
    ]);
    expect(seen.size).toBe(6);
  });

  test.each<[string, SiteSettings]>([
    ['endpoint', { ...settings, minio: { ...settings.minio, endpoint: 'http://10.0.12.8:9000' } }],
    ['bucket', { ...settings, minio: { ...settings.minio, bucket: 'datalake2' } }],
    ['directory', { ...settings, minio: { ...settings.minio, directory: 'other' } }],
    ['region', { ...settings, minio: { ...settings.minio, region: 'eu-west-1' } }],
    ['Alluxio version', { ...settings, alluxioVersion: '2.9.6' }],
    ['cluster layout', { ...settings, cluster: { masterHostname: 'master' } }],
    ['extra property', { ...settings, extraProperties: { 'alluxio.user.file.replication.min': '2' } }],
    ['write type', { ...settings, cluster: { clientDefaults: { writeType: 'THROUGH' } } }],
  ])('changes when the %s changes', (_what, changed) => {
    expect(configFingerprint(changed, 1, 1)).not.toBe(configFingerprint(settings, 1, 1));
  });

  test.each([0, -1, 1.5, Number.NaN])('refuses version %p, naming the input', (version) => {
    expectInputError(() => configFingerprint(settings, version, 1), 'accessKeyVersion');
    expectInputError(() => configFingerprint(settings, 1, version), 'secretKeyVersion');
  });

  test('invalid settings fail like the renderer does', () => {
    expectInputError(() => configFingerprint({ ...settings, minio: { ...settings.minio, bucket: 'X' } }, 1, 1), 'minio.bucket');
  });
});
