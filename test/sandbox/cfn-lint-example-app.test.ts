import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { createExampleApp } from '../../bin/example-app';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../../lib';
import { CfnLintFinding, formatCfnLintFindings, runCfnLint } from '../support/cfn-lint';

// cfn-lint is the linter AWS users run on templates; nothing here can `cdk deploy`, so the example
// app's templates passing it with zero errors is the closest check that CloudFormation accepts them.

describe('cfn-lint on the example app', () => {
  let outdir: string;
  let templates: string[];

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'example-app-synth-'));
    createExampleApp(outdir).synth();
    templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  test('synthesizes at least one template to lint', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  test('reports zero errors on every template', async () => {
    const errors: Record<string, CfnLintFinding[]> = {};
    for (const template of templates) {
      const findings = await runCfnLint(join(outdir, template));
      errors[template] = findings.filter((f) => f.level === 'Error');
    }
    const report = Object.entries(errors)
      .filter(([, found]) => found.length > 0)
      .map(([template, found]) => `${template}:\n${formatCfnLintFindings(found)}`)
      .join('\n');
    expect(report).toBe('');
  }, 300_000);

  test('the linter does report an error on a broken template (negative control)', async () => {
    const broken = join(outdir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'not-a-number' } } } }));
    const findings = await runCfnLint(broken);
    expect(findings.filter((f) => f.level === 'Error').length).toBeGreaterThan(0);
  }, 120_000);
});

describe('cfn-lint on a stack with cache warm-up', () => {
  test('reports zero errors with preload paths, one of them scheduled', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'preload-synth-'));
    try {
      const app = new App({ outdir });
      new AlluxioMinio(new Stack(app, 'Preload'), 'Cache', {
        minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
        credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
        preload: [{ path: '/warm' }, { path: '/cold', schedule: events.Schedule.rate(Duration.hours(6)) }],
      });
      app.synth();
      const findings = await runCfnLint(join(outdir, 'Preload.template.json'));
      expect(formatCfnLintFindings(findings.filter((f) => f.level === 'Error'))).toBe('');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
