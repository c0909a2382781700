import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { escapeValue } from 'properties-file/escape';
import { configFingerprint } from '../../lib/core/config-fingerprint';
import { keyFreeSitePropertiesName, parseRenderProperties, sitePropertiesGenerationName } from '../../lib/core/custom-resource-props';
import { renderSiteProperties, withoutCredentials } from '../../lib/core/site-properties';
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
  return { prefix, props, base: `${prefix}/site-properties` };
}

/** The configuration parameter a Create or Update answered with (its physical id). */
async function created(props: Record<string, string | undefined>): Promise<{ response: Awaited<ReturnType<typeof handler>>; name: string }> {
  const response = await handler(cfnEvent('Create', props));
  return { response, name: response.PhysicalResourceId };
}

/** Extra properties whose rendered file lands at roughly `bytes` bytes. */
function padding(bytes: number): string {
  const extra: Record<string, string> = {};
  for (let i = 0; i * 100 < bytes; i++) extra[`alluxio.user.padding.p${String(i).padStart(3, '0')}`] = 'x'.repeat(72);
  return JSON.stringify(extra);
}

describe('render handler', () => {
  test("Create writes the rendered file to its configuration's own parameter, Standard SecureString; returns name, version and hash, NoEcho", async () => {
    const { props, base } = await renderSetup();
    const { response, name } = await created(props);

    const { settings } = parseRenderProperties(props);
    const configHash = configFingerprint(settings, 1, 1);
    expect(name).toBe(sitePropertiesGenerationName(base, configHash));
    expect(name).toMatch(new RegExp(`^${base}/[0-9a-f]{16}$`));
    const stored = await readParameter(ssm, name);
    expect(stored).toMatchObject({ type: 'SecureString', version: 1, tier: 'Standard', keyId: 'alias/aws/ssm' });
    expect(stored!.value).toBe(renderSiteProperties({ ...settings, accessKeyId: ACCESS_KEY, secretKey: SECRET_KEY }));
    const keyFree = keyFreeSitePropertiesName(base, name);
    expect(keyFree).toBe(`${base}-without-keys/${name.split('/').pop()}`);
    expect(response).toEqual({
      PhysicalResourceId: name,
      NoEcho: true,
      Data: { ParameterName: name, KeyFreeParameterName: keyFree, ParameterVersion: '1', ConfigHash: configHash },
    });
    expect(await readParameter(ssm, base)).toBeUndefined();
  });

  test('beside it, the same file without the key lines in its key-free parameter (what the S3 proxy and the preload task read)', async () => {
    const { props, base } = await renderSetup();
    const { name } = await created(props);
    const full = (await readParameter(ssm, name))!.value;
    const keyFree = await readParameter(ssm, keyFreeSitePropertiesName(base, name));
    expect(keyFree).toMatchObject({ type: 'SecureString', version: 1, keyId: 'alias/aws/ssm' });
    expect(keyFree!.value).toBe(withoutCredentials(full));
    // The file holds the secret escaped for a properties file; neither form is in the key-free one.
    expect(full).toContain(escapeValue(SECRET_KEY, true));
    for (const secret of [SECRET_KEY, escapeValue(SECRET_KEY, true), ACCESS_KEY]) expect(keyFree!.value).not.toContain(secret);
    // Every other line is the full file's, in its order.
    expect(keyFree!.value.split('\n')).toEqual(full.split('\n').filter((line) => !/^s3a\.(accessKeyId|secretKey)=/.test(line)));
  });

  test('the same Create delivered twice gives the same response and adds no version', async () => {
    const { props } = await renderSetup();
    const event = cfnEvent('Create', props);
    const first = await handler(event);
    const second = await handler(event);
    expect(second).toEqual(first);
    expect((await readParameter(ssm, first.PhysicalResourceId))!.version).toBe(1);
  });

  test('a configuration change goes to a new parameter (a new physical id: replacement) and leaves the running one as it was', async () => {
    const { props } = await renderSetup();
    const { response: first, name } = await created(props);
    const same = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: props }));
    expect(same).toEqual(first);

    const changed = { ...props, Region: 'eu-west-3' };
    const updated = await handler(cfnEvent('Update', changed, { physicalResourceId: name, oldProperties: props }));
    expect(updated.PhysicalResourceId).not.toBe(name);
    expect(updated.Data!).toMatchObject({ ParameterName: updated.PhysicalResourceId, ParameterVersion: '1' });
    expect(updated.Data!.ConfigHash).not.toBe(first.Data!.ConfigHash);
    expect((await readParameter(ssm, updated.PhysicalResourceId))!.value).toContain('alluxio.underfs.s3.endpoint.region=eu-west-3\n');
    // What a rolled-back task definition names is still there, unchanged, until CloudFormation deletes it.
    expect(await readParameter(ssm, name)).toMatchObject({ version: 1 });
    expect((await readParameter(ssm, name))!.value).not.toContain('eu-west-3');
  });

  test('a new bucket or directory on the running cluster is refused, nothing written, and the rollback Update passes', async () => {
    const { props, base } = await renderSetup();
    const { name } = await created(props);
    for (const moved of [
      { ...props, Directory: 'alluxio-2' },
      { ...props, Bucket: 'otherbucket' },
    ]) {
      const error = await failureOf(() => handler(cfnEvent('Update', moved, { physicalResourceId: name, oldProperties: props })));
      expect(error.message).toMatch(
        /^Bucket\/Directory: the cluster's journal belongs to the root mount s3:\/\/datalake\/alluxio, .*adopts it.*Fix: deploy the previous bucket and directory again/,
      );
    }
    const { GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
    const written = (await ssm.send(new GetParametersByPathCommand({ Path: base }))).Parameters ?? [];
    expect(written.map((p) => p.Name)).toEqual([name]);
    // CloudFormation's rollback sends Update with the properties swapped: the root it asks for is the one in place.
    const rollback = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: { ...props, Directory: 'alluxio-2' } }));
    expect(rollback).toMatchObject({ PhysicalResourceId: name, Data: { ParameterVersion: '1' } });
  });

  test('single ↔ highly available masters is refused without JournalMigration, nothing written; with it, it passes; the rollback of a switch passes', async () => {
    const single = { JournalType: 'UFS', JournalFolder: '/opt/alluxio/journal' };
    const quorum = {
      MasterHostname: undefined,
      MasterQuorum: 'master-0.ns,master-1.ns,master-2.ns',
      JournalType: 'EMBEDDED',
      JournalFolder: '/opt/alluxio/journal',
    };
    const { props, base } = await renderSetup(single);
    const { name } = await created(props);
    const { GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
    const written = async () => ((await ssm.send(new GetParametersByPathCommand({ Path: base }))).Parameters ?? []).map((p) => p.Name);

    const toQuorum = { ...props, ...quorum };
    const error = await failureOf(() => handler(cfnEvent('Update', toQuorum, { physicalResourceId: name, oldProperties: props })));
    expect(error.message).toMatch(
      /^alluxio\.masters: the cluster runs AlluxioMasters\.single\(\) \(UFS journal\) and this deploy asks for AlluxioMasters\.highlyAvailable\(\) \(embedded journal\): .*empty embedded journals.*Fix: deploy alluxio\.masters as it was; .*alluxio\.journalMigration: JournalMigration\.abandonNamespace\(\)/,
    );
    expect(await written()).toEqual([name]);

    const migrated = await handler(
      cfnEvent('Update', { ...toQuorum, JournalMigration: 'abandon-namespace' }, { physicalResourceId: name, oldProperties: props }),
    );
    expect(migrated.PhysicalResourceId).not.toBe(name);
    expect((await readParameter(ssm, migrated.PhysicalResourceId))!.value).toContain('alluxio.master.journal.type=EMBEDDED\n');
    // A later step of that deploy fails: CloudFormation asks for the single master's configuration again, still in place.
    const rollback = await handler(
      cfnEvent('Update', props, { physicalResourceId: migrated.PhysicalResourceId, oldProperties: { ...toQuorum, JournalMigration: 'abandon-namespace' } }),
    );
    expect(rollback).toMatchObject({ PhysicalResourceId: name, Data: { ParameterVersion: '1' } });

    // Once the switch succeeded, CloudFormation deleted the single master's parameter: going back is a switch of its own.
    const { DeleteParameterCommand } = await import('@aws-sdk/client-ssm');
    await ssm.send(new DeleteParameterCommand({ Name: name }));
    const back = await failureOf(() =>
      handler(
        cfnEvent('Update', props, { physicalResourceId: migrated.PhysicalResourceId, oldProperties: { ...toQuorum, JournalMigration: 'abandon-namespace' } }),
      ),
    );
    expect(back.message).toMatch(/^alluxio\.masters: the cluster runs AlluxioMasters\.highlyAvailable\(\) .* a stale namespace/);
  });

  test('a new credential version renders the new key into a new configuration parameter', async () => {
    const { props } = await renderSetup();
    const { response: first, name } = await created(props);
    await putSecure(props.SecretKeyParameterName!, 'rotated-secret-value-0002');

    const updated = await handler(cfnEvent('Update', props, { physicalResourceId: name, oldProperties: props }));
    const { settings } = parseRenderProperties(props);
    expect(updated.Data!.ConfigHash).toBe(configFingerprint(settings, 1, 2));
    expect(updated.Data!.ConfigHash).not.toBe(first.Data!.ConfigHash);
    expect(updated.PhysicalResourceId).not.toBe(name);
    expect((await readParameter(ssm, updated.PhysicalResourceId))!.value).toContain('s3a.secretKey=rotated-secret-value-0002');
  });

  test('a KMS key change rewrites the same configuration under the new key (same text, same parameter)', async () => {
    const { props } = await renderSetup();
    const { name } = await created(props);
    const withKey = { ...props, KmsKeyId: 'alias/team-minio' };
    const updated = await handler(cfnEvent('Update', withKey, { physicalResourceId: name, oldProperties: props }));
    expect(updated).toMatchObject({ PhysicalResourceId: name, Data: { ParameterVersion: '2' } });
    expect(await readParameter(ssm, name)).toMatchObject({ version: 2, keyId: 'alias/team-minio' });
  });

  test('a failed Update (bad endpoint) writes nothing and leaves the running configuration in place', async () => {
    const { props } = await renderSetup();
    const { name } = await created(props);
    const before = await readParameter(ssm, name);

    const broken = { ...props, Endpoint: 'ftp://10.0.12.7:9000' };
    const error = await failureOf(() => handler(cfnEvent('Update', broken, { physicalResourceId: name, oldProperties: props })));
    expect(error.message).toMatch(/^minio\.endpoint: scheme "ftp" is not http or https\. Fix: /);
    expect(await readParameter(ssm, name)).toEqual(before);
  });

  test('a file between 4 KB and 8 KB goes to the Advanced tier', async () => {
    const { props } = await renderSetup({ ExtraProperties: padding(6000) });
    const { name } = await created(props);
    const large = await readParameter(ssm, name);
    expect(Buffer.byteLength(large!.value)).toBeGreaterThan(4096);
    expect(Buffer.byteLength(large!.value)).toBeLessThanOrEqual(8192);
    expect(large!.tier).toBe('Advanced');
  });

  test('a file above 8 KB is refused with its size and what to shrink, and nothing is written', async () => {
    const { props, base } = await renderSetup({ ExtraProperties: padding(9000) });
    const error = await failureOf(() => handler(cfnEvent('Create', props)));
    expect(error.message).toMatch(
      new RegExp(
        `^ExtraProperties: the value for SSM parameter ${base}/[0-9a-f]{16} is \\d+ bytes, above SSM's 8192-byte limit for an advanced parameter\\. ` +
          'Fix: shrink it by at least \\d+ bytes: remove or shorten extra properties',
      ),
    );
    const { GetParametersByPathCommand } = await import('@aws-sdk/client-ssm');
    expect((await ssm.send(new GetParametersByPathCommand({ Path: base }))).Parameters ?? []).toEqual([]);
  });

  test('a missing credential parameter fails naming it and the fix', async () => {
    const { props } = await renderSetup();
    const missing = { ...props, AccessKeyParameterName: `${props.AccessKeyParameterName}-missing` };
    const error = await failureOf(() => handler(cfnEvent('Create', missing)));
    expect(error.message).toBe(
      `AccessKeyParameterName: SSM parameter ${missing.AccessKeyParameterName} does not exist. ` +
        `Fix: create ${missing.AccessKeyParameterName} as a SecureString, or correct AccessKeyParameterName`,
    );
  });

  test('Delete removes the configuration parameter its physical id names (or the base an earlier version wrote), tolerates it gone, and leaves others alone', async () => {
    const { props, base } = await renderSetup();
    const { name } = await created(props);
    const newer = (await handler(cfnEvent('Update', { ...props, Region: 'eu-west-3' }, { physicalResourceId: name, oldProperties: props }))).PhysicalResourceId;

    await handler(cfnEvent('Delete', props, { physicalResourceId: 'not-this-resource' }));
    await handler(cfnEvent('Delete', props, { physicalResourceId: `${base}/not-a-configuration` }));
    expect((await readParameter(ssm, name))!.version).toBe(1);

    // CloudFormation's cleanup after the update: the replaced configuration goes, the running one stays.
    await expect(handler(cfnEvent('Delete', props, { physicalResourceId: name }))).resolves.toEqual({ PhysicalResourceId: name });
    expect(await readParameter(ssm, name)).toBeUndefined();
    expect(await readParameter(ssm, keyFreeSitePropertiesName(base, name))).toBeUndefined();
    expect((await readParameter(ssm, newer))!.version).toBe(1);
    expect((await readParameter(ssm, keyFreeSitePropertiesName(base, newer)))!.version).toBe(1);
    await expect(handler(cfnEvent('Delete', props, { physicalResourceId: name }))).resolves.toEqual({ PhysicalResourceId: name });

    await putSecure(base, 'written by an earlier version');
    await handler(cfnEvent('Delete', props, { physicalResourceId: base }));
    expect(await readParameter(ssm, base)).toBeUndefined();
  });

  test('no secret value in the logs, the responses or the error of a failed update', async () => {
    const { props } = await renderSetup();
    const output = captureOutput();
    const seen: unknown[] = [];
    let name = '';
    try {
      const first = await handler(cfnEvent('Create', props));
      name = first.PhysicalResourceId;
      seen.push(first);
      seen.push(await handler(cfnEvent('Update', { ...props, Region: 'eu-west-2' }, { physicalResourceId: name, oldProperties: props })));
      seen.push(
        (await failureOf(() => handler(cfnEvent('Update', { ...props, Directory: 'other' }, { physicalResourceId: name, oldProperties: props })))).message,
      );
      seen.push(
        (await failureOf(() => handler(cfnEvent('Update', { ...props, Bucket: 'Bad..Bucket' }, { physicalResourceId: name, oldProperties: props })))).message,
      );
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
