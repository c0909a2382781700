// One cold start of a bundled handler in a fresh process: module load, then its first call against
// the sandbox. Usage: node handler-cold-start.cjs <credentials|render> ; prints {"loadMs","firstCallMs"}.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const sandbox = JSON.parse(readFileSync(join(root, '.sandbox', 'endpoints.json'), 'utf8'));
Object.assign(process.env, {
  AWS_ENDPOINT_URL: sandbox.aws.endpoint,
  AWS_REGION: sandbox.aws.region,
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const name = process.argv[2];
const prefix = `/bench/${process.pid}-${Date.now()}`;
// Handlers log event types and names; the bench prints only its own figures.
console.log = () => {};

const t0 = process.hrtime.bigint();
const handler = require(join(root, 'lambda-dist', name, 'index.js')).handler;
const t1 = process.hrtime.bigint();

const credentials = {
  Mode: 'generated',
  AccessKeyParameterName: `${prefix}/access-key`,
  SecretKeyParameterName: `${prefix}/secret-key`,
  RemovalPolicy: 'destroy',
};
const event = (properties) => ({
  RequestType: 'Create',
  ResourceProperties: { ServiceToken: 'bench', ...properties },
  LogicalResourceId: 'Bench',
  RequestId: `bench-${process.pid}`,
  ResourceType: 'Custom::Bench',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/bench/1',
  ServiceToken: 'bench',
  ResponseURL: 'http://127.0.0.1/unused',
});

(async () => {
  let first;
  if (name === 'credentials') {
    first = () => handler(event(credentials));
  } else if (name === 'render') {
    // The keys the render handler reads must exist first; they are written by the credentials bundle.
    await require(join(root, 'lambda-dist', 'credentials', 'index.js')).handler(event(credentials));
    first = () =>
      handler(
        event({
          AccessKeyParameterName: credentials.AccessKeyParameterName,
          SecretKeyParameterName: credentials.SecretKeyParameterName,
          SitePropertiesParameterName: `${prefix}/site-properties`,
          AlluxioVersion: '2.9.5',
          Endpoint: 'http://127.0.0.1:9000',
          Bucket: 'bench',
          Directory: 'alluxio',
        }),
      );
  } else {
    throw new Error(`no cold-start scenario for '${name}'`);
  }
  const t2 = process.hrtime.bigint();
  await first();
  const t3 = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ loadMs: Number(t1 - t0) / 1e6, firstCallMs: Number(t3 - t2) / 1e6 }));
})().catch((err) => {
  process.stderr.write(`${name}: ${err.message}\n`);
  process.exit(1);
});
