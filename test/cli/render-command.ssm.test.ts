import { randomUUID } from 'node:crypto';
import { DeleteParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { getProperties } from 'properties-file';
import { runCommand } from '../support/cli';
import { loadSandbox, sandboxAwsEnv, sandboxSsmClient } from '../support/sandbox';

// `render --access-key-parameter/--secret-key-parameter` against moto's SSM (the sandbox), with the
// AWS settings passed only through the command's env, as a user's shell would.

const { aws } = loadSandbox();
const ssm = sandboxSsmClient();
const prefix = `/render-cli-test/${randomUUID()}`;
const ACCESS = 'SSM-ACCESS-KEY-1';
const SECRET = 'ssm/secret+key=:#! é日本';
const REQUIRED = ['--endpoint', 'http://10.0.12.7:9000', '--bucket', 'datalake'];

const awsEnv = sandboxAwsEnv();

const render = (args: string[], env: NodeJS.ProcessEnv) => runCommand(['render', ...args], env);

beforeAll(async () => {
  await ssm.send(new PutParameterCommand({ Name: `${prefix}/access-key`, Value: ACCESS, Type: 'SecureString' }));
  await ssm.send(new PutParameterCommand({ Name: `${prefix}/secret-key`, Value: SECRET, Type: 'SecureString' }));
});

afterAll(async () => {
  await ssm.send(new DeleteParametersCommand({ Names: [`${prefix}/access-key`, `${prefix}/secret-key`] }));
  ssm.destroy();
});

const keyFlags = () => ['--access-key-parameter', `${prefix}/access-key`, '--secret-key-parameter', `${prefix}/secret-key`];

test('reads both SecureString parameters with decryption and renders them (revealed)', async () => {
  const out = await render([...REQUIRED, ...keyFlags(), '--reveal-secrets'], awsEnv);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const parsed = getProperties(out.stdout);
  expect(parsed['s3a.accessKeyId']).toBe(ACCESS);
  expect(parsed['s3a.secretKey']).toBe(SECRET);
});

test('masks both keys read from SSM by default, and ignores MINIO_* env when parameters are named', async () => {
  const out = await render([...REQUIRED, ...keyFlags()], { ...awsEnv, MINIO_ACCESS_KEY: 'env-access', MINIO_SECRET_KEY: 'env-secret' });
  expect(out.code).toBe(0);
  expect(getProperties(out.stdout)['s3a.secretKey']).toBe('********');
  for (const secret of [ACCESS, SECRET, 'env-secret', 'ssm/secret']) {
    expect(out.stdout).not.toContain(secret);
  }
});

test('AWS_ENDPOINT_URL_SSM wins over AWS_ENDPOINT_URL', async () => {
  const out = await render([...REQUIRED, ...keyFlags()], { ...awsEnv, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_SSM: aws.endpoint });
  expect(out.code).toBe(0);
});

test('a parameter that does not exist exits 2 naming the flag and the parameter', async () => {
  const out = await render([...REQUIRED, '--access-key-parameter', `${prefix}/access-key`, '--secret-key-parameter', `${prefix}/missing`], awsEnv);
  expect(out.code).toBe(2);
  expect(out.stdout).toBe('');
  expect(out.stderr).toContain(`--secret-key-parameter: SSM parameter "${prefix}/missing" does not exist in ${aws.region}`);
  expect(out.stderr).not.toContain(ACCESS);
});

test('no region exits 2 naming AWS_REGION', async () => {
  const { AWS_REGION: _r, ...noRegion } = awsEnv;
  const out = await render([...REQUIRED, ...keyFlags()], noRegion);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/AWS_REGION: is not set/);
});

test('an unreachable SSM endpoint exits 1 with the SDK error and no key', async () => {
  const out = await render([...REQUIRED, ...keyFlags()], { ...awsEnv, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
  expect(out.code).toBe(1);
  expect(out.stderr).toMatch(/could not read the key parameters from SSM/);
  expect(out.stdout).toBe('');
});
