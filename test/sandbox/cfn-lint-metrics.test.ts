import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../../lib';
import { formatCfnLintFindings, runCfnLint } from '../support/cfn-lint';

// The metrics part (agent sidecars with restart policies, EMF log groups, a dashboard, metric-math
// alarms) is off in the example app, so its resources are linted here: zero errors in the template, and
// no warning on the metrics resources or the task definitions the agents join (the rest of the template
// has aws-cdk-lib's own W3005 warnings, as the example app has).

describe('cfn-lint on a stack with metrics on', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'metrics-synth-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'AlluxioMinioMetrics');
    new AlluxioMinio(stack, 'Cache', {
      minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
      credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
      metrics: { enabled: true },
    });
    app.synth();
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  test('reports no error, and no warning on the metrics resources', async () => {
    const [template] = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
    const findings = await runCfnLint(join(outdir, template));
    expect(formatCfnLintFindings(findings.filter((f) => f.level === 'Error'))).toBe('');
    const metricsPart = (path: string) => /^Resources\/Cache(Metrics|MasterTask|WorkerTask)/.test(path);
    expect(formatCfnLintFindings(findings.filter((f) => f.level === 'Warning' && metricsPart(f.path)))).toBe('');
    // The filter does see the template's warnings (it is not empty because it matched nothing).
    expect(findings.some((f) => f.level === 'Warning')).toBe(true);
  }, 300_000);
});
