import { randomBytes, randomUUID } from 'node:crypto';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ensureBucketAndDirectory } from '../../lib/runtime/minio-bucket';
import { runCommand } from '../support/cli';
import { loadSandbox, sandboxAwsEnv, sandboxSsmClient } from '../support/sandbox';

// `alluxio-minio doctor` against the sandbox's versitygw (and moto's SSM for the parameter flags).
const { s3 } = loadSandbox();
const bucket = `doctor-${randomBytes(4).toString('hex')}`;
const keysEnv = { MINIO_ACCESS_KEY: s3.accessKeyId, MINIO_SECRET_KEY: s3.secretAccessKey };

const doctor = (args: string[], env: NodeJS.ProcessEnv = keysEnv) => runCommand(['doctor', ...args], env);

beforeAll(async () => {
  await ensureBucketAndDirectory(
    { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    bucket,
    'alluxio',
  );
});

describe('alluxio-minio doctor', () => {
  test('healthy: exit 0, one ✓ line per check and a verdict', async () => {
    const { code, stdout, stderr } = await doctor(['--endpoint', s3.endpoint, '--bucket', bucket, '--directory', 'alluxio']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`alluxio-minio doctor: ${s3.endpoint}/ bucket '${bucket}' directory 'alluxio'`);
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['✓ endpoint', '✓ liveness', '✓ bucket', '✓ directory']);
    expect(lines.at(-1)).toBe('healthy: 4 checks passed');
  });

  test('--json: exactly one JSON document of the documented shape; a missing bucket exits 1', async () => {
    const { code, stdout } = await doctor(['--endpoint', s3.endpoint, '--bucket', 'no-such-bucket-here', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(report.ok).toBe(false);
    for (const check of report.checks) {
      expect(Object.keys(check).sort()).toEqual(['code', 'fix', 'id', 'message', 'ms', 'ok']);
    }
    expect(report.checks.at(-1)).toMatchObject({ id: 'bucket', ok: false, code: 'NO_SUCH_BUCKET' });
    expect(report.checks.at(-1).fix).toContain("create bucket 'no-such-bucket-here'");
  });

  test('a wrong secret: exit 1 with ✗ and the fix, and the secret nowhere in the output', async () => {
    const secret = `wrong-${randomBytes(10).toString('hex')}`;
    const { code, stdout, stderr } = await doctor(['--endpoint', s3.endpoint, '--bucket', bucket], { ...keysEnv, MINIO_SECRET_KEY: secret });
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ bucket +REQUEST_FORBIDDEN: .*SignatureDoesNotMatch.*\. Fix: /);
    expect(stdout + stderr).not.toContain(secret);
  });

  test('credentials from SSM parameters (SecureString, decrypted) instead of the environment', async () => {
    const ssm = sandboxSsmClient();
    const prefix = `/test-doctor/${randomUUID()}`;
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/access-key`, Value: s3.accessKeyId, Type: 'SecureString' }));
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/secret-key`, Value: s3.secretAccessKey, Type: 'SecureString' }));
    // Through the SSM-only endpoint variable, as a shell that sets no general AWS endpoint would.
    const { AWS_ENDPOINT_URL: endpoint, ...rest } = sandboxAwsEnv();
    const env = { ...rest, AWS_ENDPOINT_URL_SSM: endpoint };
    const { code, stdout } = await doctor(
      [
        '--endpoint',
        s3.endpoint,
        '--bucket',
        bucket,
        '--access-key-parameter',
        `${prefix}/access-key`,
        '--secret-key-parameter',
        `${prefix}/secret-key`,
        '--json',
      ],
      env,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).ok).toBe(true);
  });

  describe('usage errors exit 2 and name the flag', () => {
    test.each([
      [['--bucket', 'b'], /--endpoint: is required/],
      [['--endpoint', 'ftp://x', '--bucket', 'datalake'], /^alluxio-minio doctor: --endpoint \(minio\.endpoint: scheme "ftp"/],
      [['--endpoint', 'http://x:9000', '--bucket', 'Bad_Bucket'], /--bucket \(minio\.bucket: /],
      [['--endpoint', 'http://x:9000', '--bucket', 'datalake', '--directory', 'a/../b'], /--directory/],
      [['--endpoint', 'http://x:9000', '--bucket', 'datalake', '--alluxio-master', 'http://m:19999'], /--alluxio-master: /],
    ])('%j', async (args, message) => {
      const { code, stdout, stderr } = await doctor(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    });

    test('missing keys name the environment variables', async () => {
      const { code, stderr } = await doctor(['--endpoint', 'http://x:9000', '--bucket', 'datalake'], {});
      expect(code).toBe(2);
      expect(stderr).toContain('MINIO_ACCESS_KEY');
    });

    test('an unknown option is refused without echoing what followed it', async () => {
      const { code, stderr } = await doctor(['--endpoint', 'http://x:9000', '--bucket', 'datalake', '--secret=hunter2-value']);
      expect(code).toBe(2);
      expect(stderr).not.toContain('hunter2-value');
    });
  });

  test('reached through the dispatcher as `doctor`', async () => {
    const { code, stdout } = await runCommand(['doctor', '--help'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('usage: alluxio-minio doctor');
  });
});
