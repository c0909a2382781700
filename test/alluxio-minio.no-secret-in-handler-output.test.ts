import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../lib';
import { captureOutput, cfnEvent, readParameter, uniquePrefix, useSandboxSsm } from './lambda/handler-harness';

// End to end on the sandbox: the template the construct synthesizes drives the real handlers against
// moto's SSM, and the keys they handle are searched for in their responses and logs. The template
// itself cannot hold a key: the construct's API takes parameter names only and never reads SSM, so
// searching it would prove nothing; the deploy-time handlers are where a key could escape.
const ssm = useSandboxSsm();
// Handlers create their SSM client at module load: required only after the environment points at moto.
const credentialsHandler = require('../lambda/credentials/index').handler;
const renderHandler = require('../lambda/render/index').handler;

function synthesize(build: (stack: Stack) => void): Record<string, any> {
  const app = new App();
  const stack = new Stack(app, 'NoSecret');
  build(stack);
  return app.synth().getStackByName('NoSecret').template.Resources;
}

function propertiesOf(resources: Record<string, any>, type: string): Record<string, string> {
  const found = Object.values(resources).filter((r) => r.Type === type);
  expect(found).toHaveLength(1);
  const { ServiceToken: _token, ...properties } = found[0].Properties;
  return properties;
}

test('generated keys: the template drives the credentials handler, and neither generated key is in its response or logs', async () => {
  const prefix = uniquePrefix('no-secret-generated');
  const resources = synthesize((stack) => {
    new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned(), parameterPrefix: prefix });
  });
  const output = captureOutput();
  let response: unknown;
  try {
    response = await credentialsHandler(cfnEvent('Create', propertiesOf(resources, 'Custom::AlluxioMinioCredentials')));
  } finally {
    output.restore();
  }
  const secret = (await readParameter(ssm, `${prefix}/secret-key`))!;
  const access = (await readParameter(ssm, `${prefix}/access-key`))!;
  expect(secret.type).toBe('SecureString');
  expect(secret.value.length).toBe(40);
  expect(access.type).toBe('SecureString');
  expect(access.value.length).toBeGreaterThan(0);
  for (const text of [JSON.stringify(response), output.text()]) {
    expect(text).not.toContain(secret.value);
    expect(text).not.toContain(access.value);
  }
});

test('existing keys: the render handler run from the template keeps both keys out of the responses and logs', async () => {
  const prefix = uniquePrefix('no-secret-existing');
  const secretValue = `s3cr3t=${prefix}:#!`;
  for (const [name, value] of [
    [`${prefix}/access-key`, 'TEAMACCESSKEY'],
    [`${prefix}/secret-key`, secretValue],
  ]) {
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString' }));
  }
  const resources = synthesize((stack) => {
    new AlluxioMinio(stack, 'Cache', {
      minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
      credentials: MinioCredentials.fromParameters(`${prefix}/access-key`, `${prefix}/secret-key`),
      parameterPrefix: prefix,
    });
  });
  const output = captureOutput();
  let responses: unknown[];
  try {
    responses = [
      await credentialsHandler(cfnEvent('Create', propertiesOf(resources, 'Custom::AlluxioMinioCredentials'))),
      await renderHandler(cfnEvent('Create', propertiesOf(resources, 'Custom::AlluxioSiteProperties'))),
    ];
  } finally {
    output.restore();
  }
  // The rendered file does carry the secret (escaped), in a SecureString: that is where it belongs.
  const rendered = (await readParameter(ssm, (responses[1] as { PhysicalResourceId: string }).PhysicalResourceId))!;
  expect((responses[1] as { PhysicalResourceId: string }).PhysicalResourceId).toMatch(new RegExp(`^${prefix}/site-properties/[0-9a-f]{16}$`));
  expect(rendered.type).toBe('SecureString');
  expect(rendered.value).toContain('s3a.secretKey=s3cr3t\\=');
  for (const text of [JSON.stringify(responses), output.text()]) {
    expect(text).not.toContain(secretValue);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('TEAMACCESSKEY');
  }
});
