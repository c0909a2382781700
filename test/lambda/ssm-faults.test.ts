import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { InputError } from '../../lib/core/input-error';
import { cfnEvent, failureOf } from './handler-harness';

// Faults no real server in the sandbox produces: SSM throttling past the SDK's retries, and KMS
// refusing the key. Everything else is tested against moto.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'mock';
process.env.AWS_SECRET_ACCESS_KEY = 'mock';

const ssmMock = mockClient(SSMClient);
let credentialsHandler: typeof import('../../lambda/credentials').handler;
let renderHandler: typeof import('../../lambda/render').handler;

beforeAll(async () => {
  credentialsHandler = (await import('../../lambda/credentials')).handler;
  renderHandler = (await import('../../lambda/render')).handler;
});

beforeEach(() => ssmMock.reset());
afterAll(() => ssmMock.restore());

function serviceError(name: string, message: string): SSMServiceException {
  return new SSMServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

const credentialsProps = {
  Mode: 'generated',
  AccessKeyParameterName: '/team/minio/access-key',
  SecretKeyParameterName: '/team/minio/secret-key',
  KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1111-2222',
  RemovalPolicy: 'retain',
};

const renderProps = {
  AccessKeyParameterName: '/team/minio/access-key',
  SecretKeyParameterName: '/team/minio/secret-key',
  SitePropertiesParameterName: '/team/minio/site-properties',
  AlluxioVersion: '2.9.5',
  Endpoint: 'http://10.0.12.7:9000',
  Bucket: 'datalake',
};

test('SSM throttling on a credentials write fails with "SSM throttled ... retry the deployment"', async () => {
  ssmMock.on(PutParameterCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));
  const error = await failureOf(() => credentialsHandler(cfnEvent('Create', credentialsProps)));
  expect(error.message).toMatch(
    /^SSM throttled PutParameter on \/team\/minio\/access-key after the SDK's retries \(ThrottlingException\)\. Fix: retry the deployment/,
  );
});

test('SSM throttling while reading a credential for rendering fails with the same advice', async () => {
  ssmMock.on(GetParameterCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));
  const error = await failureOf(() => renderHandler(cfnEvent('Create', renderProps)));
  expect(error.message).toMatch(/^SSM throttled GetParameter on \/team\/minio\/access-key .*Fix: retry the deployment/);
});

test('KMS refusing the customer key on write names KmsKeyId, the key and the grant to add', async () => {
  ssmMock.on(PutParameterCommand).rejects(serviceError('KMSAccessDeniedException', 'not authorized to perform kms:GenerateDataKey'));
  const error = await failureOf(() => credentialsHandler(cfnEvent('Create', credentialsProps)));
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).input).toBe('KmsKeyId');
  expect(error.message).toContain('with KMS key arn:aws:kms:us-east-1:123456789012:key/1111-2222 (KMSAccessDeniedException)');
  expect(error.message).toContain('Fix: grant the handler role kms:Encrypt, kms:Decrypt and kms:GenerateDataKey');
});

test('access denied on decrypting a credential names KmsKeyId and the default key when none was given', async () => {
  ssmMock
    .on(GetParameterCommand)
    .rejects(serviceError('AccessDeniedException', 'User is not authorized to perform kms:Decrypt on the resource associated with this ciphertext'));
  const error = await failureOf(() => renderHandler(cfnEvent('Create', renderProps)));
  expect((error as InputError).input).toBe('KmsKeyId');
  expect(error.message).toContain('GetParameter on /team/minio/access-key was refused with KMS key alias/aws/ssm (default)');
  expect(error.message).toContain('or omit KmsKeyId to use alias/aws/ssm');
});

test('a disabled key while writing the rendered file fails naming KmsKeyId, and the SDK message (which may quote the value) is not echoed', async () => {
  // The configuration's own parameter (/team/minio/site-properties/<generation>) does not exist yet.
  ssmMock.on(GetParameterCommand).rejects(serviceError('ParameterNotFound', 'not found'));
  ssmMock
    .on(GetParameterCommand, { Name: '/team/minio/access-key', WithDecryption: true })
    .resolves({ Parameter: { Value: 'MOCKACCESSKEY0000001', Version: 3 } });
  ssmMock
    .on(GetParameterCommand, { Name: '/team/minio/secret-key', WithDecryption: true })
    .resolves({ Parameter: { Value: 'mock-secret-value-0000000000000000000001', Version: 4 } });
  ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
  ssmMock.on(PutParameterCommand).rejects(serviceError('KMSDisabledException', 'value mock-secret-value-0000000000000000000001 could not be encrypted'));
  const error = await failureOf(() => renderHandler(cfnEvent('Create', { ...renderProps, KmsKeyId: 'alias/disabled' })));
  expect(error.message).toMatch(
    /^KmsKeyId: PutParameter on \/team\/minio\/site-properties\/[0-9a-f]{16} was refused with KMS key alias\/disabled \(KMSDisabledException\)\. Fix: /,
  );
  expect(error.message).not.toContain('mock-secret-value');
});
