import { randomBytes } from 'node:crypto';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ensureBucketAndDirectory } from '../../lib/runtime/minio-bucket';
import { createMinioS3Client, MinioConnection } from '../../lib/runtime/s3-client';
import { startFakeAlluxioMaster } from '../support/fake-alluxio-master';
import { unusedLoopbackPort } from '../support/loopback';
import { loadSandbox, sandboxMinioConnection } from '../support/sandbox';
import { captureOutput, cfnEvent, failureOf, uniquePrefix, useSandboxSsm } from './handler-harness';

// The handler invoked in-process with CloudFormation-shaped events: credentials from moto's SSM
// (SecureString, read with decryption), S3 from the sandbox's versitygw.
type Handler = typeof import('../../lambda/health-check');
let handler: Handler;
let ssm: SSMClient;
const { s3 } = loadSandbox();
const connection: MinioConnection = sandboxMinioConnection();
const bucket = `hc-${randomBytes(4).toString('hex')}`;
const directory = 'alluxio';
const prefix = uniquePrefix('health-check');
const wrongSecret = `wrong-${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  ssm = useSandboxSsm();
  handler = await import('../../lambda/health-check');
  for (const [name, value] of [
    ['access-key', s3.accessKeyId],
    ['secret-key', s3.secretAccessKey],
    ['wrong-secret-key', wrongSecret],
  ]) {
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/${name}`, Value: value, Type: 'SecureString' }));
  }
  await ensureBucketAndDirectory(connection, bucket, directory);
});

function props(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AccessKeyParameterName: `${prefix}/access-key`,
    SecretKeyParameterName: `${prefix}/secret-key`,
    Endpoint: s3.endpoint,
    Bucket: bucket,
    Directory: directory,
    Region: s3.region,
    AlluxioVersion: '2.9.5',
    TimeoutSeconds: '600',
    EnsureBucket: 'false',
    ConfigHash: 'c0ffee',
    ...overrides,
  };
}

/** onEvent, then one isComplete poll with onEvent's Data merged in, as the Provider framework does. */
async function deploy(properties: Record<string, string | undefined>, startedAgoMs = 0) {
  const event = cfnEvent('Create', properties);
  const created = await handler.onEvent(event);
  const data = { ...created.Data, [handler.STARTED_AT_KEY]: String(Date.now() - startedAgoMs) };
  const poll = () => handler.isComplete({ ...event, PhysicalResourceId: created.PhysicalResourceId, Data: data });
  return { created, poll };
}

describe('health-check handler', () => {
  test('healthy: Create completes with Healthy and the ConfigHash, and no secret in response or logs', async () => {
    const output = captureOutput();
    try {
      const { created, poll } = await deploy(props());
      const done = await poll();
      expect(done).toEqual({ IsComplete: true, Data: { Healthy: 'true', ConfigHash: 'c0ffee' } });
      const text = JSON.stringify({ created, done }) + output.text();
      expect(text).not.toContain(s3.secretAccessKey);
      expect(text).not.toContain(s3.accessKeyId);
    } finally {
      output.restore();
    }
  });

  test('EnsureBucket creates the bucket and directory marker through the same S3 code, then passes', async () => {
    const fresh = `hc-new-${randomBytes(4).toString('hex')}`;
    const { poll } = await deploy(props({ Bucket: fresh, Directory: 'cache/root', EnsureBucket: 'true' }));
    expect((await poll()).IsComplete).toBe(true);
    const client = createMinioS3Client(connection);
    await client.send(new HeadBucketCommand({ Bucket: fresh }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: fresh }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['cache/root/']);
  });

  test('EnsureDirectory writes the directory marker into an existing bucket once the checks pass, and only then', async () => {
    const existing = `hc-dir-${randomBytes(4).toString('hex')}`;
    await ensureBucketAndDirectory(connection, existing, undefined);
    const client = createMinioS3Client(connection);
    const keys = async () => (await client.send(new ListObjectsV2Command({ Bucket: existing }))).Contents?.map((o) => o.Key) ?? [];
    try {
      const refused = await deploy(
        props({ Bucket: existing, Directory: 'lake/root', EnsureDirectory: 'true', SecretKeyParameterName: `${prefix}/wrong-secret-key` }),
      );
      await failureOf(refused.poll);
      expect(await keys()).toEqual([]);
      const { poll } = await deploy(props({ Bucket: existing, Directory: 'lake/root', EnsureDirectory: 'true' }));
      expect((await poll()).IsComplete).toBe(true);
      expect(await keys()).toEqual(['lake/root/']);
    } finally {
      client.destroy();
    }
  });

  test('a wrong secret fails the deploy at once with "REQUEST_FORBIDDEN: <cause>. Fix: <fix>", secret-free', async () => {
    const output = captureOutput();
    try {
      const { poll } = await deploy(props({ SecretKeyParameterName: `${prefix}/wrong-secret-key` }));
      const error = await failureOf(poll);
      expect(error.message).toMatch(/^REQUEST_FORBIDDEN: .*SignatureDoesNotMatch.*\. Fix: /);
      expect(error.message + output.text()).not.toContain(wrongSecret);
      expect(error.message + output.text()).not.toContain(s3.accessKeyId);
    } finally {
      output.restore();
    }
  });

  test('a missing bucket fails at once with NO_SUCH_BUCKET', async () => {
    const { poll } = await deploy(props({ Bucket: `absent-${randomBytes(4).toString('hex')}` }));
    expect((await failureOf(poll)).message).toMatch(/^NO_SUCH_BUCKET: bucket 'absent-[0-9a-f]+' does not exist/);
  });

  test('a refused connection is transient: polled again before the deadline, failed with the cause after it', async () => {
    const endpoint = `http://127.0.0.1:${await unusedLoopbackPort()}`;
    const early = await deploy(props({ Endpoint: endpoint }));
    expect(await early.poll()).toEqual({ IsComplete: false });
    const late = await deploy(props({ Endpoint: endpoint, TimeoutSeconds: '60' }), 60_000);
    expect((await failureOf(late.poll)).message).toMatch(/^CONNECTION_REFUSED: .*\. Fix: .* \(still failing after \d+ s\)$/);
  });

  test('an Alluxio master that starts between polls: first poll waits, the next one passes', async () => {
    const port = await unusedLoopbackPort();
    const { poll } = await deploy(props({ AlluxioMaster: `127.0.0.1:${port}` }));
    expect(await poll()).toEqual({ IsComplete: false });
    const master = await startFakeAlluxioMaster({ rootUfsUri: `s3://${bucket}/${directory}`, port });
    try {
      expect(await poll()).toEqual({ IsComplete: true, Data: { Healthy: 'true', ConfigHash: 'c0ffee' } });
    } finally {
      await master.close();
    }
  });

  test('Delete succeeds without touching anything, even with properties that would not validate', async () => {
    const event = cfnEvent('Delete', { Endpoint: 'not a url' }, { physicalResourceId: 'health-check-Resource' });
    expect(await handler.onEvent(event)).toEqual({ PhysicalResourceId: 'health-check-Resource' });
    expect(await handler.isComplete(event)).toEqual({ IsComplete: true });
  });

  test('Update keeps the physical id; invalid properties fail onEvent naming the property', async () => {
    const update = cfnEvent('Update', props(), { physicalResourceId: 'health-check-Resource', oldProperties: props() });
    expect((await handler.onEvent(update)).PhysicalResourceId).toBe('health-check-Resource');
    const bad = cfnEvent('Create', props({ TimeoutSeconds: '0' }));
    expect((await failureOf(() => handler.onEvent(bad))).message).toMatch(/^TimeoutSeconds: /);
  });
});
