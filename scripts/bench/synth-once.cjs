// One synth in a fresh process, so every sample pays module loading as `cdk synth` does.
// Usage: node synth-once.cjs example|baseline|topology:<fargate-workers|nvme-workers|ha-masters> <outdir>; prints {"ms": n, "templates": {...}} on stdout.
const { mkdtempSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const which = process.argv[2];
const outdir = process.argv[3] || mkdtempSync(join(tmpdir(), 'bench-synth-'));
const started = process.hrtime.bigint();

let app;
if (which === 'example') {
  app = require('../../bin/example-app.js').createExampleApp(outdir);
} else if (which.startsWith('topology:')) {
  // One stack of one topology (the existing-MinIO example's props), so each topology's cost shows alone.
  const { App, Stack } = require('aws-cdk-lib');
  const ec2 = require('aws-cdk-lib/aws-ec2');
  const lib = require('../../lib');
  const { EXAMPLE_EXISTING_MINIO: minio } = require('../../bin/example-app.js');
  const alluxio = {
    'fargate-workers': () => undefined,
    'nvme-workers': () => ({ workers: lib.AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.xlarge'), count: 2 }) }),
    'ha-masters': () => ({ masters: lib.AlluxioMasters.highlyAvailable({ count: 3 }) }),
  }[which.slice('topology:'.length)];
  if (alluxio === undefined) throw new Error(`unknown topology '${which}'`);
  app = new App({ outdir });
  new lib.AlluxioMinio(new Stack(app, which.slice('topology:'.length)), 'Cache', {
    minio: lib.MinioBackend.existing({ endpoint: minio.endpoint, bucket: minio.bucket, directory: minio.directory }),
    credentials: lib.MinioCredentials.fromParameters(minio.accessKeyParameter, minio.secretKeyParameter),
    alluxio: alluxio(),
  });
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
