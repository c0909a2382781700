import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  AlluxioMasters,
  AlluxioMinio,
  AlluxioOptions,
  AlluxioWorkers,
  MetricsOptions,
  MinioBackend,
  MinioCredentials,
  PreloadPath,
  S3EndpointOptions,
} from '../lib';

/** The stacks `cdk synth` builds from this repository: one per MinIO mode, and the NVMe-worker topology. */
export const EXAMPLE_STACKS = {
  provisioned: 'AlluxioMinioProvisioned',
  existing: 'AlluxioMinioExisting',
  nvmeWorkers: 'AlluxioMinioNvmeWorkers',
  haMasters: 'AlluxioMinioHaMasters',
} as const;

/** Where the existing-MinIO stack points; the local deployment (npm start) passes its own. */
export interface ExistingMinioSettings {
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory?: string;
  readonly accessKeyParameter: string;
  readonly secretKeyParameter: string;
  /** @default - the construct's default, `/alluxio-minio/<unique id>` */
  readonly parameterPrefix?: string;
  /** @default - the construct's defaults (2 workers, ...) */
  readonly alluxio?: AlluxioOptions;
  /** @default - no S3 endpoint */
  readonly s3Endpoint?: S3EndpointOptions;
  /** @default - the construct's default (off) */
  readonly metrics?: MetricsOptions;
  /** @default - no warm-up */
  readonly preload?: PreloadPath[];
}

/** The existing-MinIO stack as the README shows it. */
export const EXAMPLE_EXISTING_MINIO: ExistingMinioSettings = {
  endpoint: 'http://10.0.12.7:9000',
  bucket: 'datalake',
  directory: 'alluxio',
  accessKeyParameter: '/team/minio/access-key',
  secretKeyParameter: '/team/minio/secret-key',
};

/**
 * The example app: the embedded default the README's commands synthesize and deploy locally. Every
 * stack is environment-agnostic, so they synthesize with no AWS account, credentials or network.
 */
export function createExampleApp(outdir?: string, existingMinio: ExistingMinioSettings = EXAMPLE_EXISTING_MINIO): App {
  const app = new App({ outdir });

  // Defaults throughout: a new VPC, a MinIO this construct runs, a generated key pair.
  const provisioned = new Stack(app, EXAMPLE_STACKS.provisioned, {
    description: 'Alluxio on ECS with a provisioned MinIO (cdk-alluxio-minio example)',
  });
  new AlluxioMinio(provisioned, 'Cache', { minio: MinioBackend.provisioned() });

  // An existing MinIO, its keys already in SSM under the team's own names.
  const existing = new Stack(app, EXAMPLE_STACKS.existing, {
    description: 'Alluxio on ECS against an existing MinIO endpoint (cdk-alluxio-minio example)',
  });
  new AlluxioMinio(existing, 'Cache', {
    minio: MinioBackend.existing({ endpoint: existingMinio.endpoint, bucket: existingMinio.bucket, directory: existingMinio.directory }),
    credentials: MinioCredentials.fromParameters(existingMinio.accessKeyParameter, existingMinio.secretKeyParameter),
    parameterPrefix: existingMinio.parameterPrefix,
    alluxio: existingMinio.alluxio,
    s3Endpoint: existingMinio.s3Endpoint,
    metrics: existingMinio.metrics,
    preload: existingMinio.preload,
  });

  // The same MinIO, with the workers on EC2 hosts caching on their instance-store NVMe.
  const nvme = new Stack(app, EXAMPLE_STACKS.nvmeWorkers, {
    description: 'Alluxio on ECS with workers on instance-store NVMe hosts (cdk-alluxio-minio example)',
  });
  new AlluxioMinio(nvme, 'Cache', {
    minio: MinioBackend.existing({
      endpoint: EXAMPLE_EXISTING_MINIO.endpoint,
      bucket: EXAMPLE_EXISTING_MINIO.bucket,
      directory: EXAMPLE_EXISTING_MINIO.directory,
    }),
    credentials: MinioCredentials.fromParameters(EXAMPLE_EXISTING_MINIO.accessKeyParameter, EXAMPLE_EXISTING_MINIO.secretKeyParameter),
    alluxio: { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.xlarge'), count: 2 }) },
  });

  // The same MinIO, with three masters on the embedded journal: a lost primary is replaced by election.
  const ha = new Stack(app, EXAMPLE_STACKS.haMasters, {
    description: 'Alluxio on ECS with three highly available masters (cdk-alluxio-minio example)',
  });
  new AlluxioMinio(ha, 'Cache', {
    minio: MinioBackend.existing({
      endpoint: EXAMPLE_EXISTING_MINIO.endpoint,
      bucket: EXAMPLE_EXISTING_MINIO.bucket,
      directory: EXAMPLE_EXISTING_MINIO.directory,
    }),
    credentials: MinioCredentials.fromParameters(EXAMPLE_EXISTING_MINIO.accessKeyParameter, EXAMPLE_EXISTING_MINIO.secretKeyParameter),
    alluxio: { masters: AlluxioMasters.highlyAvailable({ count: 3 }) },
  });

  return app;
}
