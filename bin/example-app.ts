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

/** One of the example topologies, by its key in EXAMPLE_STACKS. */
export type ExampleTopology = keyof typeof EXAMPLE_STACKS;

/** What an example stack holds: the stack and its AlluxioMinio (integration tests assert on the latter). */
export interface ExampleStack {
  readonly stack: Stack;
  readonly cache: AlluxioMinio;
}

/** The existing MinIO's location as the existing-MinIO stacks give it. */
function existingBackend(existingMinio: ExistingMinioSettings): MinioBackend {
  return MinioBackend.existing({ endpoint: existingMinio.endpoint, bucket: existingMinio.bucket, directory: existingMinio.directory });
}

function existingCredentials(existingMinio: ExistingMinioSettings): MinioCredentials {
  return MinioCredentials.fromParameters(existingMinio.accessKeyParameter, existingMinio.secretKeyParameter);
}

/**
 * Adds one example topology's stack to `app`. The example app, the integration tests (test/integ) and
 * the local deployment build their stacks here, so each is the stack the README shows.
 */
export function addExampleStack(app: App, topology: ExampleTopology, existingMinio: ExistingMinioSettings = EXAMPLE_EXISTING_MINIO): ExampleStack {
  const stack = new Stack(app, EXAMPLE_STACKS[topology], { description: EXAMPLE_DESCRIPTIONS[topology] });
  switch (topology) {
    case 'provisioned':
      // Defaults throughout: a new VPC, a MinIO this construct runs, a generated key pair.
      return { stack, cache: new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned() }) };
    case 'existing':
      // An existing MinIO, its keys already in SSM under the team's own names.
      return {
        stack,
        cache: new AlluxioMinio(stack, 'Cache', {
          minio: existingBackend(existingMinio),
          credentials: existingCredentials(existingMinio),
          parameterPrefix: existingMinio.parameterPrefix,
          alluxio: existingMinio.alluxio,
          s3Endpoint: existingMinio.s3Endpoint,
          metrics: existingMinio.metrics,
          preload: existingMinio.preload,
        }),
      };
    case 'nvmeWorkers':
      // The same MinIO, with the workers on EC2 hosts caching on their instance-store NVMe.
      return {
        stack,
        cache: new AlluxioMinio(stack, 'Cache', {
          minio: existingBackend(existingMinio),
          credentials: existingCredentials(existingMinio),
          alluxio: { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.xlarge'), count: 2 }) },
        }),
      };
    case 'haMasters':
      // The same MinIO, with three masters on the embedded journal: a lost primary is replaced by election.
      return {
        stack,
        cache: new AlluxioMinio(stack, 'Cache', {
          minio: existingBackend(existingMinio),
          credentials: existingCredentials(existingMinio),
          alluxio: { masters: AlluxioMasters.highlyAvailable({ count: 3 }) },
        }),
      };
  }
}

const EXAMPLE_DESCRIPTIONS: Record<ExampleTopology, string> = {
  provisioned: 'Alluxio on ECS with a provisioned MinIO (cdk-alluxio-minio example)',
  existing: 'Alluxio on ECS against an existing MinIO endpoint (cdk-alluxio-minio example)',
  nvmeWorkers: 'Alluxio on ECS with workers on instance-store NVMe hosts (cdk-alluxio-minio example)',
  haMasters: 'Alluxio on ECS with three highly available masters (cdk-alluxio-minio example)',
};

/**
 * The example app: the embedded default the README's commands synthesize and deploy locally. Every
 * stack is environment-agnostic, so they synthesize with no AWS account, credentials or network.
 */
export function createExampleApp(outdir?: string, existingMinio: ExistingMinioSettings = EXAMPLE_EXISTING_MINIO): App {
  const app = new App({ outdir });
  for (const topology of Object.keys(EXAMPLE_STACKS) as ExampleTopology[]) addExampleStack(app, topology, existingMinio);
  return app;
}
