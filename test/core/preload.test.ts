import { alluxioPreloadCommand, MAX_PRELOAD_PATHS, PRELOAD_PATHS_ENV, preloadPathsValue, validatePreloadEntries, validatePreloadEntry } from '../../lib/core/preload';
import { expectInputError } from './expect-input-error';

const HOUR = 3600;

describe('validatePreloadEntry', () => {
  test.each(['/', '/warm', '/warm/', '/datasets/train/part-0001.parquet', '/lake/year=2024/month=01', '/a_b/c-d/e.f/g+h@i,j'])('accepts %s', (path) => {
    expect(() => validatePreloadEntry(0, { path, timeoutSeconds: HOUR })).not.toThrow();
  });

  test.each([
    ['warm', /is not an absolute Alluxio path/],
    ['', /is not an absolute Alluxio path/],
    ['/warm; rm -rf /', /characters other than/],
    ['/$(reboot)', /characters other than/],
    ['/`id`', /characters other than/],
    ['/a b', /characters other than/],
    ['/a\nb', /characters other than/],
    ['/a|b', /characters other than/],
    ['/a&b', /characters other than/],
    ['/a>b', /characters other than/],
    ["/a'b", /characters other than/],
    ['/a"b', /characters other than/],
    ['/a*', /characters other than/],
    ['/s3:bucket', /characters other than/],
    ['/a//b', /segment "" that is empty/],
    ['/a/../b', /segment "\.\."/],
    ['/./a', /segment "\."/],
  ])('refuses %j, naming preload[i].path and the fix', (path, problem) => {
    const error = expectInputError(() => validatePreloadEntry(3, { path, timeoutSeconds: HOUR }), 'preload[3].path');
    expect(error.message).toMatch(problem);
  });

  test.each([59, 86401, 90.5])('refuses a time bound of %s s, naming preload[i].timeout', (seconds) => {
    expectInputError(() => validatePreloadEntry(1, { path: '/warm', timeoutSeconds: seconds }), 'preload[1].timeout');
  });

  test(`refuses more than ${MAX_PRELOAD_PATHS} paths`, () => {
    const entries = Array.from({ length: MAX_PRELOAD_PATHS + 1 }, (_, i) => ({ path: `/p${i}`, timeoutSeconds: HOUR }));
    expectInputError(() => validatePreloadEntries(entries), 'preload');
    expect(() => validatePreloadEntries(entries.slice(1))).not.toThrow();
  });
});

describe('the preload script', () => {
  const script = alluxioPreloadCommand({ home: '/opt/alluxio', entrypoint: '/entrypoint.sh' });

  test('names no path: the paths are read from the environment and passed as one quoted argument each', () => {
    expect(preloadPathsValue([{ path: '/warm', timeoutSeconds: 60 }, { path: '/cold/x', timeoutSeconds: HOUR }])).toBe('60:/warm 3600:/cold/x');
    expect(script).toContain(`for entry in $${PRELOAD_PATHS_ENV}; do`);
    expect(script).toContain('/opt/alluxio/bin/alluxio fs load "$path" --submit');
    expect(script).toContain('/opt/alluxio/bin/alluxio fs load "$path" --progress');
    expect(script.split('\n')[0]).toBe('set -f');
    // No eval or re-parsing of a value anywhere.
    expect(script).not.toMatch(/\beval\b|sh -c|\$\(\s*echo \$/);
  });

  test('writes the site file first without the MinIO key lines, as the S3 proxy does (a client of the master only)', () => {
    expect(script).toMatch(/printf '%s\\n' "\$ALLUXIO_SITE_PROPERTIES" \| grep -v -e '\^s3a\\\.accessKeyId=' -e '\^s3a\\\.secretKey=' > \/opt\/alluxio\/conf\/alluxio-site\.properties/);
  });
});
