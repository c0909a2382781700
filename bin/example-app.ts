import { App, Stack } from 'aws-cdk-lib';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../lib';

/** The stacks `cdk synth` builds from this repository: one per MinIO mode. */
export const EXAMPLE_STACKS = {
  provisioned: 'AlluxioMinioProvisioned',
  existing: 'AlluxioMinioExisting',
} as const;

/**
 * The example app: the embedded default the README's first command synthesizes. Both stacks are
 * environment-agnostic, so they synthesize with no AWS account, credentials or network.
 */
export function createExampleApp(outdir?: string): App {
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
    minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
    credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
  });

  return app;
}
