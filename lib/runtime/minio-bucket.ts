import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
  return withBucketClient(connection, bucket, directory, options, async (client) => {
    let bucketCreated = false;
    try {
      await withAbortAfter(client.boundMs, (abortSignal) => client.s3.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal }));
      bucketCreated = true;
    } catch (error) {
      const observation = client.observe('CreateBucket', error);
      // BucketAlreadyExists means someone else owns it: the keys will meet it as REQUEST_FORBIDDEN below.
      if (observation.code !== 'BucketAlreadyOwnedByYou') client.fail(observation);
    }
    return { bucketCreated, directoryCreated: await putMarkerIfAbsent(client) };
  });
}

/**
 * Creates the directory marker `<directory>/` in an existing bucket unless it is there. Alluxio's S3
 * UFS refuses to create a directory whose parent has no marker ("Cannot create directory ... because
 * parent does not exist"), so without it every mkdir at the root fails once writes go through to
 * MinIO. Returns whether it wrote the marker; the bucket root needs none.
 */
export async function ensureDirectoryMarker(
  connection: MinioConnection,
  bucket: string,
  directory: string | undefined,
  options: MinioCheckOptions = DEFAULT_CHECK_OPTIONS,
): Promise<boolean> {
  return withBucketClient(connection, bucket, directory, options, putMarkerIfAbsent);
}

interface BucketClient {
  readonly directory: string;
  readonly bucket: string;
  readonly s3: S3Client;
  /** Each call's own bound. */
  readonly boundMs: number;
  observe(operation: Parameters<typeof observeS3Error>[0], error: unknown, key?: string): ReturnType<typeof observeS3Error>;
  fail(observation: Parameters<typeof diagnose>[0]): never;
}

async function withBucketClient<T>(
  connection: MinioConnection,
  bucket: string,
  directory: string | undefined,
  options: MinioCheckOptions,
  work: (client: BucketClient) => Promise<T>,
): Promise<T> {
  const dir = validateDirectory(directory);
  const ctx = { endpoint: validateEndpoint(connection.endpoint).url, bucket, directory: dir };
  const s3 = createMinioS3Client(connection, { connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs });
  const secrets = connectionSecrets(connection);
  const client: BucketClient = {
    directory: dir,
    bucket,
    s3,
    boundMs: options.requestTimeoutMs,
    observe: (operation, error, key) => observeS3Error(operation, error, secrets, key),
    fail: (observation) => {
      const finding = diagnose(observation, ctx);
      throw finding ? new FindingError(finding) : new Error(`${observation.kind} failed without a diagnosis`);
    },
  };
  try {
    return await work(client);
  } finally {
    s3.destroy();
  }
}

async function putMarkerIfAbsent(client: BucketClient): Promise<boolean> {
  if (client.directory === '') return false;
  const marker = `${client.directory}/`;
  try {
    await withAbortAfter(client.boundMs, (abortSignal) => client.s3.send(new HeadObjectCommand({ Bucket: client.bucket, Key: marker }), { abortSignal }));
    return false;
  } catch (error) {
    const observation = client.observe('HeadObject', error, marker);
    if (observation.httpStatus !== 404) client.fail(observation);
  }
  try {
    await withAbortAfter(client.boundMs, (abortSignal) =>
      client.s3.send(new PutObjectCommand({ Bucket: client.bucket, Key: marker, Body: new Uint8Array(0), ContentLength: 0 }), { abortSignal }),
    );
  } catch (error) {
    client.fail(client.observe('PutObject', error, marker));
  }
  return true;
}
