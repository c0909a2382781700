import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { createTestBucket, sandboxMinioConnection, uniqueBucketName } from '../support/sandbox';

// The sandbox's S3 server stands in for MinIO in every suite that checks credentials and buckets;
// these tests prove it really authenticates and really distinguishes buckets, so those suites can fail.

async function s3Error(client: S3Client, bucket: string): Promise<S3ServiceException> {
  try {
    await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  } finally {
    client.destroy();
  }
  throw new Error(`ListObjectsV2 on ${bucket} succeeded`);
}

describe('sandbox S3 server (versitygw)', () => {
  let bucket: string;

  beforeAll(async () => {
    bucket = await createTestBucket('s3-smoke');
  });

  test('the right keys write and read an object back', async () => {
    const client = createMinioS3Client(sandboxMinioConnection());
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt', Body: 'hello sandbox' }));
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
      expect(await got.Body?.transformToString()).toBe('hello sandbox');
    } finally {
      client.destroy();
    }
  });

  test('a wrong secret key is refused with 403 SignatureDoesNotMatch', async () => {
    const err = await s3Error(createMinioS3Client(sandboxMinioConnection({ secretAccessKey: 'not-the-secret-key-0000' })), bucket);
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.name).toBe('SignatureDoesNotMatch');
  });

  test('an unknown access key is refused with 403 InvalidAccessKeyId', async () => {
    const err = await s3Error(createMinioS3Client(sandboxMinioConnection({ accessKeyId: 'NOSUCHKEY000000000' })), bucket);
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.name).toBe('InvalidAccessKeyId');
  });

  test('a bucket that does not exist gives 404 NoSuchBucket', async () => {
    const err = await s3Error(createMinioS3Client(sandboxMinioConnection()), uniqueBucketName('never-created'));
    expect(err.$metadata.httpStatusCode).toBe(404);
    expect(err.name).toBe('NoSuchBucket');
  });
});
