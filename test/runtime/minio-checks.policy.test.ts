import { runMinioChecks } from '../../lib/runtime/minio-checks';
import { MinioConnection } from '../../lib/runtime/s3-client';
import { S3Identity, startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

/*
 * DIRECTORY_NOT_WRITABLE needs an identity that may list the bucket but not write the directory.
 * The shared sandbox's versitygw has only its root account, which no policy restricts, so this suite
 * runs a private versitygw with internal IAM and a "user" account granted, by bucket policy, listing
 * plus object access under `writable/` only.
 */
const bucket = 'policy-checks';
let server: VersitygwWithIam | undefined;
let user: S3Identity;

beforeAll(async () => {
  server = await startVersitygwWithIam();
  await server.createBucket(bucket);
  user = await server.addUser(bucket, undefined, 'writable/');
}, 30000);

afterAll(async () => {
  await server?.stop();
});

function userConnection(): MinioConnection {
  return { endpoint: server!.endpoint, region: 'us-east-1', ...user };
}

describe('a directory the keys may not write (bucket policy on a versitygw with IAM)', () => {
  test('the granted directory is healthy: the policy really grants, so the denial below is about the directory', async () => {
    const run = await runMinioChecks({ connection: userConnection(), bucket, directory: 'writable' });
    expect(run.failure).toBeUndefined();
  });

  test('another directory: the bucket check passes and the probe write fails with DIRECTORY_NOT_WRITABLE', async () => {
    const run = await runMinioChecks({ connection: userConnection(), bucket, directory: 'alluxio' });
    expect(run.checks.map((c) => [c.id, c.status])).toEqual([
      ['endpoint', 'pass'],
      ['liveness', 'skip'],
      ['bucket', 'pass'],
      ['directory', 'fail'],
    ]);
    expect(run.failure?.code).toBe('DIRECTORY_NOT_WRITABLE');
    expect(run.failure?.cause).toMatch(/may not write s3:\/\/policy-checks\/alluxio\//);
    expect(JSON.stringify(run)).not.toContain(user.secretAccessKey);
    expect(JSON.stringify(run)).not.toContain(user.accessKeyId);
  });
});
