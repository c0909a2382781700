import { validateWholeNumber } from '../core/fargate-sizing';
import { validateDataVolumePlacement } from '../core/minio-data-volume';
import { MINIO_PORT } from '../core/alluxio-ports';
import { MinioBackendBinding } from '../parts/minio-backend-binding';
import { ProvisionedMinioServer } from '../parts/provisioned-minio-server';
import { ExistingMinioOptions, ProvisionedMinioOptions } from './minio-backend-options';

/** The shape of a provisioned server's endpoint (its Cloud Map name), for the checks made before it exists. */
const PROVISIONED_ENDPOINT_SHAPE = `http://minio.example.internal:${MINIO_PORT}`;

/** Which MinIO the Alluxio cluster mounts: one you already run, or one this construct provisions. */
export abstract class MinioBackend {
  /** The MinIO image used when `ProvisionedMinioOptions.image` is not given (the last community release). */
  public static readonly DEFAULT_IMAGE_NAME = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';

  /** Mount an existing MinIO endpoint. Credentials must then be given with `MinioCredentials.fromParameters`. */
  public static existing(options: ExistingMinioOptions): MinioBackend {
    return new ExistingMinio(options);
  }

  /** Run MinIO inside the construct's VPC. */
  public static provisioned(options: ProvisionedMinioOptions = {}): MinioBackend {
    return new ProvisionedMinio(options);
  }

  /** True when this construct runs the MinIO server itself. */
  public abstract readonly isProvisioned: boolean;
  /** The bucket mounted as Alluxio's root. */
  public abstract readonly bucket: string;
  /** The directory inside the bucket (empty for the bucket's root). */
  public abstract readonly directory: string;
  /** The region requests are signed for. */
  public abstract readonly region: string;
  /** Whether the deploy creates the bucket and directory when missing. */
  public abstract readonly createBucket: boolean;

  /**
   * This backend as the store builds and the settings check it: the endpoint the site file names, the
   * checks only this kind has, and the server the construct runs for it (none for an existing MinIO).
   * @internal
   */
  public abstract _bind(): MinioBackendBinding;
}

const DEFAULT_REGION = 'us-east-1';

class ExistingMinio extends MinioBackend {
  public readonly isProvisioned = false;
  public readonly bucket: string;
  public readonly directory: string;
  public readonly region: string;
  public readonly createBucket: boolean;

  constructor(private readonly options: ExistingMinioOptions) {
    super();
    this.bucket = options.bucket;
    this.directory = options.directory ?? '';
    this.region = options.region ?? DEFAULT_REGION;
    this.createBucket = options.createBucket ?? false;
  }

  public _bind(): MinioBackendBinding {
    const endpoint = this.options.endpoint;
    return {
      endpoint,
      validate: () => undefined,
      // The user's server and network: nothing to create.
      createServer: () => ({ endpoint }),
    };
  }
}

class ProvisionedMinio extends MinioBackend {
  public readonly isProvisioned = true;
  public readonly bucket: string;
  public readonly directory: string;
  public readonly region = DEFAULT_REGION;
  // The server starts empty, so the bucket is always created.
  public readonly createBucket = true;

  constructor(private readonly options: ProvisionedMinioOptions) {
    super();
    this.bucket = options.bucket ?? 'alluxio';
    this.directory = options.directory ?? '';
  }

  public _bind(): MinioBackendBinding {
    const options = this.options;
    return {
      // The server's own Cloud Map name, valid by construction: its shape stands in for synth-time checks.
      endpoint: PROVISIONED_ENDPOINT_SHAPE,
      validate: (isToken) => {
        if (options.dataVolumeSize) {
          validateWholeNumber('minio.dataVolumeSize', options.dataVolumeSize.toGibibytes(), 10, 16384, 'give 10 to 16384 GiB');
        }
        validateDataVolumePlacement(
          {
            availabilityZone: options.availabilityZone,
            dataVolumeId: options.dataVolumeId,
            dataVolumeSizeGiven: options.dataVolumeSize !== undefined,
            dataVolumeRemovalPolicyGiven: options.dataVolumeRemovalPolicy !== undefined,
          },
          isToken,
        );
      },
      createServer: (scope, props) => {
        // 'Default' keeps the server's logical ids what they were before the construct had parts.
        const server = new ProvisionedMinioServer(scope, 'Default', { ...props, options, defaultImageName: MinioBackend.DEFAULT_IMAGE_NAME });
        return { endpoint: server.endpoint, server };
      },
    };
  }
}
