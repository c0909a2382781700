// One synth in a fresh process, so every sample pays module loading as `cdk synth` does.
// Usage: node synth-once.cjs example|baseline <outdir>; prints {"ms": n, "templates": {...}} on stdout.
const { mkdtempSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const which = process.argv[2];
const outdir = process.argv[3] || mkdtempSync(join(tmpdir(), 'bench-synth-'));
const started = process.hrtime.bigint();

let app;
if (which === 'example') {
  app = require('../../bin/example-app.js').createExampleApp(outdir);
} else if (which === 'baseline') {
  // The anchor: the smallest idiomatic ECS-on-Fargate app from aws-cdk-lib itself.
  const { App, Stack } = require('aws-cdk-lib');
  const ecs = require('aws-cdk-lib/aws-ecs');
  const patterns = require('aws-cdk-lib/aws-ecs-patterns');
  app = new App({ outdir });
  const stack = new Stack(app, 'Baseline');
  new patterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
    taskImageOptions: { image: ecs.ContainerImage.fromRegistry('amazon/amazon-ecs-sample') },
  });
} else {
  throw new Error(`unknown app '${which}'`);
}
const assembly = app.synth();
const ms = Number(process.hrtime.bigint() - started) / 1e6;

const templates = {};
for (const stack of assembly.stacks) {
  const resources = Object.values(stack.template.Resources || {});
  templates[stack.stackName] = {
    bytes: statSync(join(outdir, stack.templateFile)).size,
    resources: resources.length,
    lambdaFunctions: resources.filter((r) => r.Type === 'AWS::Lambda::Function').length,
  };
}
process.stdout.write(JSON.stringify({ ms, templates }));
