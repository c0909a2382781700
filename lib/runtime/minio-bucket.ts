import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { diagnose } from '../core/diagnose';
import { validateDirectory, validateEndpoint } from '../core/validate';
import { DEFAULT_CHECK_OPTIONS, FindingError, MinioCheckOptions, observeS3Error, withAbortAfter } from './minio-checks';
import { connectionSecrets, createMinioS3Client, MinioConnection } from './s3-client';

export interface EnsuredBucket {
  readonly bucketCreated: boolean;
  readonly directoryCreated: boolean;
}

/**
 * Creates the bucket and the directory marker (`<directory>/`, the folder form Alluxio's S3 UFS reads)
 * unless they exist. Idempotent: BucketAlreadyOwnedByYou counts as success, and an existing marker is
 * left alone. Uses the same S3 client and diagnosis as the health check, so a failure reads the same.
 */
export async function ensureBucketAndDirectory(
  connection: MinioConnection,
  bucket: string,
  directory: string | undefined,
  options: MinioCheckOptions = DEFAULT_CHECK_OPTIONS,
): Promise<EnsuredBucket> {
  const dir = validateDirectory(directory);
  const ctx = { endpoint: validateEndpoint(connection.endpoint).url, bucket, directory: dir };
  const s3 = createMinioS3Client(connection, { connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs });
  const bound = options.requestTimeoutMs;
  const secrets = connectionSecrets(connection);
  const fail = (observation: Parameters<typeof diagnose>[0]): never => {
    const finding = diagnose(observation, ctx);
    throw finding ? new FindingError(finding) : new Error(`${observation.kind} failed without a diagnosis`);
  };
  try {
    let bucketCreated = false;
    try {
      await withAbortAfter(bound, (abortSignal) => s3.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal }));
      bucketCreated = true;
    } catch (error) {
      const observation = observeS3Error('CreateBucket', error, secrets);
      // BucketAlreadyExists means someone else owns it: the keys will meet it as REQUEST_FORBIDDEN below.
      if (observation.code !== 'BucketAlreadyOwnedByYou') fail(observation);
    }
    if (dir === '') return { bucketCreated, directoryCreated: false };
    const marker = `${dir}/`;
    try {
      await withAbortAfter(bound, (abortSignal) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: marker }), { abortSignal }));
      return { bucketCreated, directoryCreated: false };
    } catch (error) {
      const observation = observeS3Error('HeadObject', error, secrets, marker);
      if (observation.httpStatus !== 404) fail(observation);
    }
    try {
      await withAbortAfter(bound, (abortSignal) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: new Uint8Array(0), ContentLength: 0 }), { abortSignal }));
    } catch (error) {
      fail(observeS3Error('PutObject', error, secrets, marker));
    }
    return { bucketCreated, directoryCreated: true };
  } finally {
    s3.destroy();
  }
}
