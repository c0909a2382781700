import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion, parseDeployableAlluxioVersion } from '../../lib/core/alluxio-version';
import { expectInputError } from './expect-input-error';

describe('parseAlluxioVersion', () => {
  test.each(['2.9.6', '2.9.3', '2.10.0', '2.0.0'])('2.x release %s mounts the root at alluxio.master.mount.table.root.ufs', (version) => {
    expect(parseAlluxioVersion(version)).toEqual({ version, line: 'v2', rootUfsKey: 'alluxio.master.mount.table.root.ufs' });
  });

  test.each(['294', '300', '313'])('dora release %s mounts the root at alluxio.dora.client.ufs.root', (version) => {
    expect(parseAlluxioVersion(version)).toEqual({ version, line: 'dora', rootUfsKey: 'alluxio.dora.client.ufs.root' });
  });

  test('the default is a 2.9 release', () => {
    expect(parseAlluxioVersion(DEFAULT_ALLUXIO_VERSION).line).toBe('v2');
    expect(DEFAULT_ALLUXIO_VERSION).toMatch(/^2\.9\.\d+$/);
  });

  test.each(['293', '314', '1.8.1', '3.0.0', '2.9', '2.9.3-SNAPSHOT', 'latest', '', ' 2.9.3', '2.9.3\n'])(
    'version %j is refused naming alluxio.version and the supported releases',
    (version) => {
      const { message } = expectInputError(() => parseAlluxioVersion(version), 'alluxio.version');
      expect(message).toContain('Fix: use a 2.x release');
      expect(message).toContain('294 to 313');
    },
  );
});

describe('parseDeployableAlluxioVersion', () => {
  test('a 2.x release is deployable', () => {
    expect(parseDeployableAlluxioVersion('2.9.6', 'alluxio.version').line).toBe('v2');
  });

  test.each(['294', '313'])('dora release %s is refused naming the prop, why, and what to use instead', (version) => {
    const { message } = expectInputError(() => parseDeployableAlluxioVersion(version, 'alluxio.version'), 'alluxio.version');
    expect(message).toMatch(/page store.*membership/);
    expect(message).toContain(`Fix: use a 2.x release such as ${DEFAULT_ALLUXIO_VERSION}`);
    expect(message).toContain(`alluxio-minio render --alluxio-version ${version}`);
  });

  test.each(['1.8.2', '3.0.0', 'latest'])('an unknown version %s is refused with a fix the construct accepts (a 2.x release, no dora)', (version) => {
    const error = expectInputError(() => parseDeployableAlluxioVersion(version, 'alluxio.version'), 'alluxio.version');
    expect(error.message).toContain(`${JSON.stringify(version)} is not a supported Alluxio release`);
    expect(error.fix).toContain(`a 2.x release such as ${DEFAULT_ALLUXIO_VERSION}`);
    expect(error.fix).not.toMatch(/dora|3xx|313/);
  });
});
