import { S3Client } from '@aws-sdk/client-s3';

/** Where a MinIO (or any S3-compatible server) answers and who to sign as. */
export interface MinioConnection {
  /** `http(s)://host[:port][/]`, as in `alluxio.underfs.s3.endpoint`. */
  readonly endpoint: string;
  /** Signing region; MinIO accepts us-east-1 unless it was configured otherwise. */
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Bounds every S3 call makes, so a silent server yields a TIMEOUT finding instead of a hang. */
export interface S3Timeouts {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/**
 * The values of a connection that must never reach a finding, a report or a log: the secret key, and
 * the access key too, which this library keeps in SSM beside it and treats as half of the credential.
 */
export function connectionSecrets(connection: MinioConnection): string[] {
  return [connection.accessKeyId, connection.secretAccessKey];
}

export const DEFAULT_S3_TIMEOUTS: S3Timeouts = { connectTimeoutMs: 2000, requestTimeoutMs: 5000 };

/**
 * The one way this library talks S3 to MinIO: the health check, the doctor command, bucket
 * creation and rotation all use it, so they see the server the same way Alluxio does.
 */
export function createMinioS3Client(connection: MinioConnection, timeouts: S3Timeouts = DEFAULT_S3_TIMEOUTS): S3Client {
  return new S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
    // Alluxio runs with alluxio.underfs.s3.disable.dns.buckets=true; path style is the SDK's form of it.
    forcePathStyle: true,
    // SDK >= 3.729 adds CRC32 checksums by default, which some S3-compatible servers reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A probe must answer within its bound: one attempt, no SDK-side retry storms.
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
    requestHandler: {
      connectionTimeout: timeouts.connectTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}
