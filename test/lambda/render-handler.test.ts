import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { escapeValue } from 'properties-file/escape';
import { configFingerprint } from '../../lib/core/config-fingerprint';
import { parseRenderProperties } from '../../lib/core/custom-resource-props';
import { renderSiteProperties } from '../../lib/core/site-properties';
import { captureOutput, cfnEvent, failureOf, readParameter, uniquePrefix, useSandboxSsm } from './handler-harness';

// Against moto's SSM from the sandbox (npm run sandbox:up).
let ssm: SSMClient;
let handler: typeof import('../../lambda/render').handler;

beforeAll(async () => {
  ssm = useSandboxSsm();
  handler = (await import('../../lambda/render').then((m) => m)).handler;
});

const ACCESS_KEY = 'RENDERTESTACCESSKEY1';
// Characters the properties format escapes, so the escaped form is searched for as well.
const SECRET_KEY = 'se=cr:et\\#!v a+l/ue-Ünï-0001';

async function putSecure(name: string, value: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
}

/** Credential parameters in a fresh prefix plus render properties that point at them. */
async function renderSetup(overrides: Record<string, string | undefined> = {}) {
  const prefix = uniquePrefix('render');
  await putSecure(`${prefix}/access-key`, ACCESS_KEY);
  await putSecure(`${prefix}/secret-key`, SECRET_KEY);
  const props: Record<string, string | undefined> = {
    AccessKeyParameterName: `${prefix}/access-key`,
    SecretKeyParameterName: `${prefix}/secret-key`,
    SitePropertiesParameterName: `${prefix}/site-properties`,
    AlluxioVersion: '2.9.5',
    Endpoint: 'http://10.0.12.7:9000',
    Bucket: 'datalake',
    Directory: 'alluxio',
    MasterHostname: 'master.alluxio.local',
    ...overrides,
  };
  return { prefix, props, name: `${prefix}/site-properties` };
}

/** Extra properties whose rendered file lands at roughly `bytes` bytes. */
function padding(bytes: number): string {
  const extra: Record<string, string> = {};
  for (let i = 0; i * 100 < bytes; i++) extra[`alluxio.user.padding.p${String(i).padStart(3, '0')}`] = 'x'.repeat(72);
  return JSON.stringify(extra);
}

describe('render handler', () => {
  test('Create writes the rendered file as a Standard SecureString and returns only name, version and hash, NoEcho', async () => {
    const { props, name } = await renderSetup();
    const response = await handler(cfnEvent('Create', props));

    const { settings } = parseRenderProperties(props);
    const stored = await readParameter(ssm, name);
    expect(stored).toMatchObject({ type: 'SecureString', version: 1, tier: 'Standard', keyId: 'alias/aws/ssm' });
    expect(stored!.value).toBe(renderSiteProperties({ ...settings, accessKeyId: ACCESS_KEY, secretKey: SECRET_KEY }));
    expect(response).toEqual({
      PhysicalResourceId: name,
      Data: { ParameterName: name, ParameterVersion: '1', ConfigHash: configFingerprint(settings, 1, 1) },
      NoEcho: true,
    });
    expect(response.Data!.ConfigHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the same Create delivered twice gives the same response and adds no version', async () => {
    const { props, name } = await renderSetup();
    const event = cfnEvent('Create', props);
    const first = await handler(event);
    const second = await handler(event);
    expect(second).toEqual(first);
    expect((await readParameter(ssm, name))!.version).toBe(1);
  });

  test('a configuration change writes a new version and changes the hash; identical inputs keep it', async () => {
    const { props, name } = await renderSetup();
    const created = await handler(cfnEvent('Create', props));
    const same = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: props }));
    expect(same).toEqual(created);

    const changed = { ...props, Region: 'eu-west-3' };
    const updated = await handler(cfnEvent('Update', changed, { physicalResourceId: name, oldProperties: props }));
    expect(updated.PhysicalResourceId).toBe(name);
    expect(updated.Data!.ParameterVersion).toBe('2');
    expect(updated.Data!.ConfigHash).not.toBe(created.Data!.ConfigHash);
    expect((await readParameter(ssm, name))!.value).toContain('alluxio.underfs.s3.endpoint.region=eu-west-3\n');
  });

  test('a new bucket or directory on the running cluster is refused, the previous file kept, and the rollback Update passes', async () => {
    const { props, name } = await renderSetup();
    await handler(cfnEvent('Create', props));
    for (const moved of [{ ...props, Directory: 'alluxio-2' }, { ...props, Bucket: 'otherbucket' }]) {
      const error = await failureOf(() => handler(cfnEvent('Update', moved, { physicalResourceId: name, oldProperties: props })));
      expect(error.message).toMatch(/^Bucket\/Directory: the cluster's journal belongs to the root mount s3:\/\/datalake\/alluxio, .*adopts it.*Fix: deploy the previous bucket and directory again/);
    }
    expect(await readParameter(ssm, name)).toMatchObject({ version: 1 });
    // CloudFormation's rollback sends Update with the properties swapped: the root it asks for is the one in place.
    const rollback = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: { ...props, Directory: 'alluxio-2' } }));
    expect(rollback.Data!.ParameterVersion).toBe('1');
  });

  test('a new credential version re-renders with the new key and changes the hash', async () => {
    const { props, name } = await renderSetup();
    const created = await handler(cfnEvent('Create', props));
    await putSecure(props.SecretKeyParameterName!, 'rotated-secret-value-0002');

    const updated = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: props }));
    const { settings } = parseRenderProperties(props);
    expect(updated.Data!.ConfigHash).toBe(configFingerprint(settings, 1, 2));
    expect(updated.Data!.ConfigHash).not.toBe(created.Data!.ConfigHash);
    expect(updated.Data!.ParameterVersion).toBe('2');
    expect((await readParameter(ssm, name))!.value).toContain('s3a.secretKey=rotated-secret-value-0002');
  });

  test('a KMS key change rewrites the file under the new key even though the text is the same', async () => {
    const { props, name } = await renderSetup();
    await handler(cfnEvent('Create', props));
    const withKey = { ...props, KmsKeyId: 'alias/team-minio' };
    const updated = await handler(cfnEvent('Update', withKey, { physicalResourceId: name, oldProperties: props }));
    expect(updated.Data!.ParameterVersion).toBe('2');
    expect(await readParameter(ssm, name)).toMatchObject({ version: 2, keyId: 'alias/team-minio' });
  });

  test('a failed Update (bad endpoint) leaves the previous value and version in place', async () => {
    const { props, name } = await renderSetup();
    await handler(cfnEvent('Create', props));
    const before = await readParameter(ssm, name);

    const broken = { ...props, Endpoint: 'ftp://10.0.12.7:9000' };
    const error = await failureOf(() => handler(cfnEvent('Update', broken, { physicalResourceId: name, oldProperties: props })));
    expect(error.message).toMatch(/^minio\.endpoint: scheme "ftp" is not http or https\. Fix: /);
    expect(await readParameter(ssm, name)).toEqual(before);
  });

  test('a file between 4 KB and 8 KB goes to the Advanced tier, and stays there when it shrinks back', async () => {
    const { props, name } = await renderSetup({ ExtraProperties: padding(6000) });
    await handler(cfnEvent('Create', props));
    const large = await readParameter(ssm, name);
    expect(Buffer.byteLength(large!.value)).toBeGreaterThan(4096);
    expect(Buffer.byteLength(large!.value)).toBeLessThanOrEqual(8192);
    expect(large!.tier).toBe('Advanced');

    const small = { ...props, ExtraProperties: undefined };
    await handler(cfnEvent('Update', small, { physicalResourceId: name, oldProperties: props }));
    const shrunk = await readParameter(ssm, name);
    expect(Buffer.byteLength(shrunk!.value)).toBeLessThan(4096);
    expect(shrunk).toMatchObject({ version: 2, tier: 'Advanced' });
  });

  test('a file above 8 KB is refused with its size and what to shrink, and nothing is written', async () => {
    const { props, name } = await renderSetup({ ExtraProperties: padding(9000) });
    const error = await failureOf(() => handler(cfnEvent('Create', props)));
    expect(error.message).toMatch(
      new RegExp(`^ExtraProperties: the value for SSM parameter ${name} is \\d+ bytes, above SSM's 8192-byte limit for an advanced parameter\\. ` +
        'Fix: shrink it by at least \\d+ bytes: remove or shorten extra properties'),
    );
    expect(await readParameter(ssm, name)).toBeUndefined();
  });

  test('a missing credential parameter fails naming it and the fix', async () => {
    const { props, name } = await renderSetup();
    const missing = { ...props, AccessKeyParameterName: `${props.AccessKeyParameterName}-missing` };
    const error = await failureOf(() => handler(cfnEvent('Create', missing)));
    expect(error.message).toBe(
      `AccessKeyParameterName: SSM parameter ${missing.AccessKeyParameterName} does not exist. ` +
        `Fix: create ${missing.AccessKeyParameterName} as a SecureString, or correct AccessKeyParameterName`,
    );
    expect(await readParameter(ssm, name)).toBeUndefined();
  });

  test('Delete removes the parameter it owns, tolerates it being gone, and leaves others alone', async () => {
    const { props, name } = await renderSetup();
    await handler(cfnEvent('Create', props));

    await handler(cfnEvent('Delete', props, { physicalResourceId: 'not-this-resource' }));
    expect((await readParameter(ssm, name))!.version).toBe(1);

    await expect(handler(cfnEvent('Delete', props, { physicalResourceId: name }))).resolves.toEqual({ PhysicalResourceId: name });
    expect(await readParameter(ssm, name)).toBeUndefined();
    await expect(handler(cfnEvent('Delete', props, { physicalResourceId: name }))).resolves.toEqual({ PhysicalResourceId: name });
  });

  test('renaming the site-properties parameter writes the new one; the replaced resource\'s Delete removes the old', async () => {
    const { prefix, props, name } = await renderSetup();
    await handler(cfnEvent('Create', props));
    const renamed = { ...props, SitePropertiesParameterName: `${prefix}/site-properties-v2` };
    const updated = await handler(cfnEvent('Update', renamed, { physicalResourceId: name, oldProperties: props }));
    expect(updated.PhysicalResourceId).toBe(renamed.SitePropertiesParameterName);

    await handler(cfnEvent('Delete', props, { physicalResourceId: name }));
    expect(await readParameter(ssm, name)).toBeUndefined();
    expect((await readParameter(ssm, renamed.SitePropertiesParameterName))!.version).toBe(1);
  });

  test('no secret value in the logs, the responses or the error of a failed update', async () => {
    const { props, name } = await renderSetup();
    const output = captureOutput();
    const seen: unknown[] = [];
    try {
      seen.push(await handler(cfnEvent('Create', props)));
      seen.push(await handler(cfnEvent('Update', { ...props, Region: 'eu-west-2' }, { physicalResourceId: name, oldProperties: props })));
      seen.push((await failureOf(() => handler(cfnEvent('Update', { ...props, Directory: 'other' }, { physicalResourceId: name, oldProperties: props })))).message);
      seen.push((await failureOf(() => handler(cfnEvent('Update', { ...props, Bucket: 'Bad..Bucket' }, { physicalResourceId: name, oldProperties: props })))).message);
      seen.push(await handler(cfnEvent('Delete', props, { physicalResourceId: name })));
    } finally {
      output.restore();
    }
    const everything = `${output.text()}\n${JSON.stringify(seen)}`;
    expect(output.text()).toContain(name); // the capture did see the handler's log lines
    for (const secret of [SECRET_KEY, escapeValue(SECRET_KEY, true), ACCESS_KEY, 'se=cr:et']) {
      expect(everything).not.toContain(secret);
    }
  });
});
