import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../../lib';
import { formatCfnLintFindings, runCfnLint } from '../support/cfn-lint';

// The example app keeps the S3 endpoint off (its default); this lints a stack with it on and a client
// admitted, so the proxy's task definition, service, Cloud Map name and security groups are linted too.
test("a stack with the S3 endpoint on and a client admitted: cfn-lint reports zero errors, and nothing at all on the endpoint's resources", async () => {
  const outdir = mkdtempSync(join(tmpdir(), 's3-endpoint-synth-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'S3Endpoint');
    const cache = new AlluxioMinio(stack, 'Cache', {
      minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
      credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
      s3Endpoint: { enabled: true },
    });
    cache.allowS3ClientsFrom(new ec2.SecurityGroup(stack, 'Clients', { vpc: cache.cluster.vpc, description: 'S3 clients' }));
    app.synth();
    const templatePath = join(outdir, 'S3Endpoint.template.json');
    const endpointResources = Object.keys(JSON.parse(readFileSync(templatePath, 'utf8')).Resources).filter((id) => id.startsWith('CacheS3Endpoint'));
    expect(endpointResources.length).toBeGreaterThanOrEqual(4);
    const findings = await runCfnLint(templatePath);
    expect(formatCfnLintFindings(findings.filter((f) => f.level === 'Error'))).toBe('');
    // No finding of any level on the endpoint's resources (the rest of the stack has aws-cdk-lib's
    // W3005 redundant-DependsOn warnings on its Lambda functions, as the example app does).
    expect(formatCfnLintFindings(findings.filter((f) => f.path.startsWith('Resources/CacheS3Endpoint')))).toBe('');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 300_000);
