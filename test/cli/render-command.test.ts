import { getProperties } from 'properties-file';
import { runCommand } from '../support/cli';
import { expectNoSecret } from '../support/secrets';

const render = (args: string[], env: NodeJS.ProcessEnv = KEYS_ENV) => runCommand(['render', ...args], env);

const ACCESS = 'AKIA-CLI-ACCESS';
const SECRET = 'cli/Secret+Key=with:specials#!é';
const KEYS_ENV = { MINIO_ACCESS_KEY: ACCESS, MINIO_SECRET_KEY: SECRET };
const REQUIRED = ['--endpoint', 'http://10.0.12.7:9000', '--bucket', 'datalake'];

describe('alluxio-minio render', () => {
  test('prints the file with both keys masked and exits 0', async () => {
    const out = await render([...REQUIRED, '--directory', '/alluxio/']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const parsed = getProperties(out.stdout);
    expect(parsed['s3a.accessKeyId']).toBe('********');
    expect(parsed['s3a.secretKey']).toBe('********');
    expect(parsed['alluxio.master.mount.table.root.ufs']).toBe('s3://datalake/alluxio');
    expect(parsed['alluxio.underfs.s3.endpoint']).toBe('http://10.0.12.7:9000/');
    expectNoSecret(out, [ACCESS, SECRET, 'cli/Secret', 'specials']);
  });

  test('--reveal-secrets prints the keys as Java will read them', async () => {
    const out = await render([...REQUIRED, '--reveal-secrets']);
    expect(out.code).toBe(0);
    const parsed = getProperties(out.stdout);
    expect(parsed['s3a.accessKeyId']).toBe(ACCESS);
    expect(parsed['s3a.secretKey']).toBe(SECRET);
  });

  test('by default clients write through to MinIO, sync metadata every minute, and the master does not call home', async () => {
    const parsed = getProperties((await render(REQUIRED)).stdout);
    expect(parsed).toMatchObject({
      'alluxio.user.file.writetype.default': 'CACHE_THROUGH',
      'alluxio.user.file.metadata.sync.interval': '60sec',
      'alluxio.master.update.check.enabled': 'false',
    });
  });

  test('--alluxio-version, --region, --write-type, --metadata-sync-interval and repeated --property shape the file', async () => {
    const out = await render([
      ...REQUIRED,
      '--alluxio-version',
      '313',
      '--region',
      'eu-west-3',
      '--write-type',
      'THROUGH',
      '--metadata-sync-interval',
      '5min',
      '--property',
      'alluxio.user.file.replication.min=1',
      '--property',
      'alluxio.user.note=a=b',
    ]);
    expect(out.code).toBe(0);
    const parsed = getProperties(out.stdout);
    expect(parsed['alluxio.dora.client.ufs.root']).toBe('s3://datalake/');
    expect(parsed['alluxio.master.mount.table.root.ufs']).toBeUndefined();
    expect(parsed['alluxio.underfs.s3.endpoint.region']).toBe('eu-west-3');
    expect(parsed['alluxio.user.file.writetype.default']).toBe('THROUGH');
    expect(parsed['alluxio.user.file.metadata.sync.interval']).toBe('5min');
    expect(parsed['alluxio.user.file.replication.min']).toBe('1');
    expect(parsed['alluxio.user.note']).toBe('a=b');
    expect(out.stdout.split('\n')[0]).toContain('Alluxio 313');
  });

  test('the output is identical on every run', async () => {
    const args = [...REQUIRED, '--property', 'alluxio.b=2', '--property', 'alluxio.a=1'];
    expect((await render(args)).stdout).toBe((await render(args)).stdout);
  });

  test.each([
    [
      ['--endpoint', 'http://10.0.12.7:70000', '--bucket', 'datalake'],
      /^alluxio-minio render: --endpoint \(minio\.endpoint: port "70000".*80 for http and 443 for https/,
    ],
    [['--endpoint', '10.0.12.7:9000', '--bucket', 'datalake'], /--endpoint .*http\(s\):\/\/host\[:port\]\//],
    [['--endpoint', 'http://10.0.12.7:9000', '--bucket', 'Bad_Bucket'], /--bucket \(minio\.bucket: .*Fix: /],
    [[...REQUIRED, '--directory', 'a/../b'], /--directory \(minio\.directory: .*"\.\." segment/],
    [[...REQUIRED, '--region', 'us east'], /--region \(minio\.region: /],
    [[...REQUIRED, '--alluxio-version', '1.8.1'], /--alluxio-version \(alluxio\.version: .*294 to 313/],
    [[...REQUIRED, '--property', 'alluxio.user.file.writetype.default'], /--property: .*has no "=value"/],
    [
      [...REQUIRED, '--property', 'alluxio.underfs.s3.endpoint=http://x:1'],
      /--property \(extraProperties\["alluxio\.underfs\.s3\.endpoint"\]: is set by this library/,
    ],
    [[...REQUIRED, '--property', 'alluxio.user.file.writetype.default=THROUGH'], /--property \(.*is set by this library from the write type/],
    [[...REQUIRED, '--write-type', 'FAST'], /^alluxio-minio render: --write-type \(.*CACHE_THROUGH, THROUGH, ASYNC_THROUGH, MUST_CACHE/],
    [[...REQUIRED, '--metadata-sync-interval', '1m'], /^alluxio-minio render: --metadata-sync-interval \(.*"60sec"/],
    [['--bucket', 'datalake'], /--endpoint: is required/],
    [['--endpoint', 'http://10.0.12.7:9000'], /--bucket: is required/],
  ])('invalid input %j exits 2 with the message on stderr and prints nothing', async (args, message) => {
    const out = await render(args);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('Fix: ');
    expectNoSecret(out, [ACCESS, SECRET]);
  });

  test('a credential passed as --property is refused without echoing its value', async () => {
    const out = await render([...REQUIRED, '--property', `s3a.secretKey=${SECRET}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/names a credential/);
    expectNoSecret(out, [SECRET, ACCESS]);
  });

  test('an unknown option is named without its value', async () => {
    const out = await render([...REQUIRED, `--secret-key=${SECRET}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/unknown option '--secret-key'/);
    expectNoSecret(out, [SECRET]);
  });

  test.each([
    [{ MINIO_ACCESS_KEY: ACCESS, MINIO_SECRET_KEY: `${SECRET}\n` }, /s3a\.secretKey: contains a line break/],
    [{ MINIO_ACCESS_KEY: '', MINIO_SECRET_KEY: SECRET }, /s3a\.accessKeyId: is empty/],
    [{ MINIO_ACCESS_KEY: ACCESS }, /MINIO_SECRET_KEY: is not set/],
    [{}, /MINIO_ACCESS_KEY: is not set/],
  ])('unusable keys in the environment exit 2 naming the key, never its value (%#)', async (env, message) => {
    const out = await render(REQUIRED, env);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    // Only the values this row hands to the command can leak.
    expectNoSecret(
      out,
      Object.values(env)
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    );
  });

  test('only one of the two key parameters is an input error', async () => {
    const out = await render([...REQUIRED, '--access-key-parameter', '/team/minio/access-key'], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--secret-key-parameter: is missing/);
  });

  test('settings are validated before any key is needed', async () => {
    const out = await render(['--endpoint', 'http://x:0', '--bucket', 'datalake'], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--endpoint/);
  });

  test('--help prints the options and exits 0', async () => {
    const out = await render(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--access-key-parameter NAME/);
    expect(out.stdout).toMatch(/80 for http, 443 for https/);
  });
});
