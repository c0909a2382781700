import {
  sameKmsKey,
  checkCredentialsUpdate,
  checkGeneratedParameterKey,
  credentialsPhysicalResourceId,
  parseCredentialsProperties,
  parseHealthCheckProperties,
  parseRenderProperties,
  renderResourceProperties,
  isSitePropertiesParameterOf,
  sitePropertiesGenerationName,
  keyFreeSitePropertiesName,
} from '../../lib/core/custom-resource-props';
import { InputError } from '../../lib/core/input-error';
import { expectInputError } from './expect-input-error';

const credentials = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
  Mode: 'generated',
  AccessKeyParameterName: '/team/minio/access-key',
  SecretKeyParameterName: '/team/minio/secret-key',
  RemovalPolicy: 'retain',
};

const render = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
  AccessKeyParameterName: '/team/minio/access-key',
  SecretKeyParameterName: '/team/minio/secret-key',
  SitePropertiesParameterName: '/team/minio/site-properties',
  AlluxioVersion: '2.9.5',
  Endpoint: 'http://10.0.12.7:9000',
  Bucket: 'datalake',
};

describe('parseCredentialsProperties', () => {
  test('reads the strings CloudFormation delivers and ignores ServiceToken', () => {
    expect(parseCredentialsProperties({ ...credentials, KmsKeyId: 'alias/team' })).toEqual({
      mode: 'generated',
      accessKeyParameterName: '/team/minio/access-key',
      secretKeyParameterName: '/team/minio/secret-key',
      kmsKeyId: 'alias/team',
      removalPolicy: 'retain',
    });
  });

  test('an omitted or empty KmsKeyId means the SSM default key', () => {
    expect(parseCredentialsProperties(credentials).kmsKeyId).toBeUndefined();
    expect(parseCredentialsProperties({ ...credentials, KmsKeyId: '' }).kmsKeyId).toBeUndefined();
  });

  test.each([
    [{ Mode: 'rotated' }, 'Mode'],
    [{ RemovalPolicy: 'snapshot' }, 'RemovalPolicy'],
    [{ AccessKeyParameterName: '' }, 'AccessKeyParameterName'],
    [{ AccessKeyParameterName: 'team/minio/access-key' }, 'AccessKeyParameterName'],
    [{ SecretKeyParameterName: '/team/minio/secret key' }, 'SecretKeyParameterName'],
    [{ SecretKeyParameterName: '/aws/minio/secret' }, 'SecretKeyParameterName'],
    [{ SecretKeyParameterName: '/team/minio/access-key' }, 'SecretKeyParameterName'],
  ])('%j is refused naming %s', (override, input) => {
    expectInputError(() => parseCredentialsProperties({ ...credentials, ...override }), input);
  });

  test('the physical id changes exactly when a parameter name changes', () => {
    const base = parseCredentialsProperties(credentials);
    const otherPolicy = parseCredentialsProperties({ ...credentials, RemovalPolicy: 'destroy', KmsKeyId: 'alias/k' });
    const renamed = parseCredentialsProperties({ ...credentials, SecretKeyParameterName: '/team/minio/secret-key-2' });
    expect(credentialsPhysicalResourceId(otherPolicy)).toBe(credentialsPhysicalResourceId(base));
    expect(credentialsPhysicalResourceId(renamed)).not.toBe(credentialsPhysicalResourceId(base));
  });
});

describe('checkCredentialsUpdate', () => {
  const destroyGenerated = parseCredentialsProperties({ ...credentials, RemovalPolicy: 'destroy' });
  const currentId = credentialsPhysicalResourceId(destroyGenerated);
  const partial = parseCredentialsProperties({ ...credentials, SecretKeyParameterName: '/team/minio/secret-key-2' });
  const swapped = parseCredentialsProperties({
    ...credentials,
    AccessKeyParameterName: credentials.SecretKeyParameterName,
    SecretKeyParameterName: credentials.AccessKeyParameterName,
  });

  test('refuses a partial rename whose old resource would destroy the kept parameter', () => {
    expectInputError(() => checkCredentialsUpdate(destroyGenerated, partial, currentId), 'AccessKeyParameterName/SecretKeyParameterName');
    expect(() => checkCredentialsUpdate(destroyGenerated, partial, currentId)).toThrow(/keep \/team\/minio\/access-key .*Fix: rename both parameters/);
  });

  test('refuses swapping the two names under destroy', () => {
    expect(() => checkCredentialsUpdate(destroyGenerated, swapped, currentId)).toThrow(InputError);
  });

  test('allows the swapped Update a rollback sends: the names give the current physical id, so nothing is replaced', () => {
    const partialDestroy = parseCredentialsProperties({ ...credentials, RemovalPolicy: 'destroy', SecretKeyParameterName: '/team/minio/secret-key-2' });
    const swappedDestroy = parseCredentialsProperties({
      ...credentials,
      RemovalPolicy: 'destroy',
      AccessKeyParameterName: credentials.SecretKeyParameterName,
      SecretKeyParameterName: credentials.AccessKeyParameterName,
    });
    // The forward Update was refused, so the physical id is still the original one.
    expect(() => checkCredentialsUpdate(partialDestroy, destroyGenerated, currentId)).not.toThrow();
    expect(() => checkCredentialsUpdate(swappedDestroy, destroyGenerated, currentId)).not.toThrow();
  });

  test('allows a full rename, a partial rename under retain, and in-place changes', () => {
    const fullRename = parseCredentialsProperties({
      ...credentials,
      AccessKeyParameterName: '/team/minio2/access-key',
      SecretKeyParameterName: '/team/minio2/secret-key',
    });
    const retainGenerated = parseCredentialsProperties(credentials);
    expect(() => checkCredentialsUpdate(destroyGenerated, fullRename, currentId)).not.toThrow();
    expect(() => checkCredentialsUpdate(retainGenerated, partial, credentialsPhysicalResourceId(retainGenerated))).not.toThrow();
    expect(() => checkCredentialsUpdate(destroyGenerated, retainGenerated, currentId)).not.toThrow();
  });

  test('an existing-mode resource never deletes, so any rename is allowed', () => {
    const existing = parseCredentialsProperties({ ...credentials, Mode: 'existing', RemovalPolicy: 'destroy' });
    expect(() => checkCredentialsUpdate(existing, partial, credentialsPhysicalResourceId(existing))).not.toThrow();
  });
});

describe('checkGeneratedParameterKey', () => {
  const oldKey = 'arn:aws:kms:us-east-1:111111111111:key/old';
  const newKey = 'arn:aws:kms:us-east-1:111111111111:key/new';

  test('refuses a parameter stored under another key than the requested one, naming KmsKeyId, both keys and the fixes', () => {
    const request = parseCredentialsProperties({ ...credentials, KmsKeyId: newKey });
    const action = () => checkGeneratedParameterKey('/team/minio/access-key', oldKey, request);
    expectInputError(action, 'KmsKeyId');
    expect(action).toThrow(
      new RegExp(
        `^KmsKeyId: the generated parameter /team/minio/access-key already exists encrypted under ${oldKey}, not the requested ${newKey}, .*` +
          `\\. Fix: keep the old key \\(${oldKey}\\), or use a new parameterPrefix .*re-encrypt both parameters under the new key by hand`,
      ),
    );
  });

  test('an omitted KmsKeyId means alias/aws/ssm, both when stored and when requested', () => {
    const defaultRequest = parseCredentialsProperties(credentials);
    expect(() => checkGeneratedParameterKey('/team/minio/access-key', 'alias/aws/ssm', defaultRequest)).not.toThrow();
    expectInputError(() => checkGeneratedParameterKey('/team/minio/access-key', oldKey, defaultRequest), 'KmsKeyId');
    const customRequest = parseCredentialsProperties({ ...credentials, KmsKeyId: newKey });
    expectInputError(() => checkGeneratedParameterKey('/team/minio/access-key', 'alias/aws/ssm', customRequest), 'KmsKeyId');
  });

  test('passes a parameter under the requested key, and one that does not exist yet', () => {
    const request = parseCredentialsProperties({ ...credentials, KmsKeyId: newKey });
    expect(() => checkGeneratedParameterKey('/team/minio/access-key', newKey, request)).not.toThrow();
    expect(() => checkGeneratedParameterKey('/team/minio/access-key', undefined, request)).not.toThrow();
  });
});

describe('parseRenderProperties', () => {
  test('maps the flat strings onto the renderer settings', () => {
    const request = parseRenderProperties({
      ...render,
      Directory: 'alluxio',
      Region: 'eu-west-1',
      MasterHostname: 'master.alluxio.local',
      WorkerTierAlias: 'MEM',
      WorkerTierPath: '/mnt/ramdisk',
      WorkerTierQuota: '4GB',
      JournalType: 'UFS',
      JournalFolder: '${alluxio.home}/journal-volume/journal',
      MasterUpdateCheck: 'false',
      WriteType: 'CACHE_THROUGH',
      MetadataSyncInterval: '60sec',
      ExtraProperties: '{"alluxio.user.file.replication.min":"1"}',
    });
    expect(request.settings).toEqual({
      alluxioVersion: '2.9.5',
      minio: { endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio', region: 'eu-west-1' },
      cluster: {
        masterHostname: 'master.alluxio.local',
        journal: { type: 'UFS', folder: '${alluxio.home}/journal-volume/journal' },
        workerTier: { alias: 'MEM', path: '/mnt/ramdisk', quota: '4GB' },
        masterUpdateCheck: false,
        clientDefaults: { writeType: 'CACHE_THROUGH', metadataSyncInterval: '60sec' },
      },
      extraProperties: { 'alluxio.user.file.replication.min': '1' },
    });
    expect(request.sitePropertiesParameterName).toBe('/team/minio/site-properties');
  });

  test('leaves optional settings out when they are not given', () => {
    const { settings } = parseRenderProperties(render);
    expect(settings.cluster).toBeUndefined();
    expect(settings.extraProperties).toBeUndefined();
    expect(settings.minio.directory).toBeUndefined();
  });

  test.each([
    [{ ExtraProperties: '{not json' }, 'ExtraProperties'],
    [{ ExtraProperties: '["a=b"]' }, 'ExtraProperties'],
    [{ ExtraProperties: '{"alluxio.user.block.size.bytes.default": 64}' }, 'ExtraProperties.alluxio.user.block.size.bytes.default'],
    [{ WorkerTierAlias: 'MEM' }, 'WorkerTierAlias/WorkerTierPath/WorkerTierQuota'],
    [{ JournalType: 'UFS' }, 'JournalType/JournalFolder'],
    [{ MasterUpdateCheck: 'no' }, 'MasterUpdateCheck'],
    [{ AlluxioVersion: '' }, 'AlluxioVersion'],
    [{ Bucket: undefined }, 'Bucket'],
    [{ SitePropertiesParameterName: '/team/minio/secret-key' }, 'SitePropertiesParameterName'],
  ])('%j is refused naming %s', (override, input) => {
    expectInputError(() => parseRenderProperties({ ...render, ...override }), input);
  });

  test('renderResourceProperties writes what parseRenderProperties reads back, leaving unset settings out', () => {
    const names = { accessKey: '/a/access-key', secretKey: '/a/secret-key', siteProperties: '/a/site-properties' };
    const settings = {
      alluxioVersion: '2.9.5',
      endpoint: 'http://10.0.12.7:9000',
      bucket: 'datalake',
      journalType: 'UFS',
      journalFolder: '${alluxio.home}/journal-volume/journal',
      masterUpdateCheck: false,
      writeType: 'THROUGH',
      extraProperties: { 'alluxio.user.file.replication.min': '1' },
    };
    const properties = renderResourceProperties(names, undefined, settings);
    expect(Object.values(properties)).not.toContain(undefined);
    expect(properties).not.toHaveProperty('KmsKeyId');
    const request = parseRenderProperties(properties as unknown as Record<string, unknown>);
    expect(request.settings.cluster).toEqual({
      journal: { type: 'UFS', folder: '${alluxio.home}/journal-volume/journal' },
      masterUpdateCheck: false,
      clientDefaults: { writeType: 'THROUGH' },
    });
    expect(request.settings.extraProperties).toEqual(settings.extraProperties);
  });
});

describe('parseHealthCheckProperties', () => {
  const healthCheck = {
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
    AccessKeyParameterName: '/team/minio/access-key',
    SecretKeyParameterName: '/team/minio/secret-key',
    Endpoint: 'http://10.0.12.7:9000',
    Bucket: 'datalake',
  };

  test("fills the defaults: bucket root, us-east-1, 600 s, no bucket or directory creation, the default release's root key", () => {
    expect(parseHealthCheckProperties(healthCheck)).toEqual({
      accessKeyParameterName: '/team/minio/access-key',
      secretKeyParameterName: '/team/minio/secret-key',
      endpoint: 'http://10.0.12.7:9000/',
      bucket: 'datalake',
      directory: '',
      region: 'us-east-1',
      rootUfsProperty: 'alluxio.master.mount.table.root.ufs',
      alluxioMasters: undefined,
      expectedWorkers: undefined,
      expectedRootUfs: undefined,
      ensureBucket: false,
      ensureDirectory: false,
      timeoutSeconds: 600,
      configHash: '',
    });
  });

  test.each([
    ['Endpoint', { Endpoint: '' }],
    ['Bucket', { Bucket: 'Not_A_Bucket' }],
    ['AccessKeyParameterName', { AccessKeyParameterName: 'no spaces allowed' }],
    ['TimeoutSeconds', { TimeoutSeconds: '7201' }],
    ['EnsureBucket', { EnsureBucket: 'yes' }],
    ['EnsureDirectory', { EnsureDirectory: 'TRUE' }],
    ['Region', { Region: 42 }],
    ['AlluxioMaster', { AlluxioMaster: 'http://master:19999' }],
    ['AlluxioMaster', { AlluxioMaster: 'm0:19999,m0:19999' }],
    ['AlluxioMaster', { AlluxioMaster: ' , ' }],
    ['ExpectedWorkers', { ExpectedWorkers: 'two' }],
    ['ExpectedWorkers', { ExpectedWorkers: '-1' }],
  ])('an invalid %s is refused naming it', (input, override) => {
    expectInputError(() => parseHealthCheckProperties({ ...healthCheck, ...override }), input);
  });

  test('AlluxioMaster: one address is the single-master form, several are comma-separated; ExpectedWorkers is a count', () => {
    expect(parseHealthCheckProperties({ ...healthCheck, AlluxioMaster: 'master.alluxio.internal:19999' })).toMatchObject({
      alluxioMasters: ['master.alluxio.internal:19999'],
      expectedWorkers: undefined,
    });
    expect(
      parseHealthCheckProperties({ ...healthCheck, AlluxioMaster: 'master-0.ns:19999, master-1.ns:19999,master-2.ns', ExpectedWorkers: '3' }),
    ).toMatchObject({ alluxioMasters: ['master-0.ns:19999', 'master-1.ns:19999', 'master-2.ns'], expectedWorkers: 3 });
  });
});

describe('sameKmsKey', () => {
  test.each([
    ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', '1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ['arn:aws:kms:us-east-1:123456789012:alias/team-key', 'alias/team-key', true],
    ['alias/aws/ssm', 'alias/aws/ssm', true],
    ['arn:aws:kms:us-east-1:123456789012:key/1111', 'arn:aws:kms:us-east-1:123456789012:key/2222', false],
    ['alias/aws/ssm', 'arn:aws:kms:us-east-1:123456789012:key/2222', false],
  ])('%s vs %s -> %s', (a, b, same) => {
    expect(sameKmsKey(a, b)).toBe(same);
    expect(sameKmsKey(b, a)).toBe(same);
  });
});

describe('configuration parameters', () => {
  const hash = 'a'.repeat(64);

  test('one per configuration under the base: its first 16 hex digits', () => {
    expect(sitePropertiesGenerationName('/p/site-properties', hash)).toBe('/p/site-properties/aaaaaaaaaaaaaaaa');
    expectInputError(() => sitePropertiesGenerationName('/p/site-properties', 'not-hex'), 'ConfigHash');
  });

  test('the key-free twin of a configuration sits beside the base, never under it (a grant on <base>/* does not reach it)', () => {
    expect(keyFreeSitePropertiesName('/p/site-properties', '/p/site-properties/aaaaaaaaaaaaaaaa')).toBe('/p/site-properties-without-keys/aaaaaaaaaaaaaaaa');
    for (const notAGeneration of ['/p/site-properties', '/p/site-properties/x', '/q/site-properties/aaaaaaaaaaaaaaaa']) {
      expectInputError(() => keyFreeSitePropertiesName('/p/site-properties', notAGeneration), 'ParameterName');
    }
  });

  test('the render resource owns the base (an earlier version wrote it) and the generations under it, nothing else', () => {
    expect(isSitePropertiesParameterOf('/p/site-properties', '/p/site-properties')).toBe(true);
    expect(isSitePropertiesParameterOf('/p/site-properties', '/p/site-properties/0123456789abcdef')).toBe(true);
    expect(isSitePropertiesParameterOf('/p/site-properties', '/p/site-properties/0123456789abcdef/x')).toBe(false);
    expect(isSitePropertiesParameterOf('/p/site-properties', '/p/site-properties-old')).toBe(false);
    expect(isSitePropertiesParameterOf('/p/site-properties', '/p/access-key')).toBe(false);
    expect(isSitePropertiesParameterOf('/p/site-properties', undefined)).toBe(false);
  });
});
