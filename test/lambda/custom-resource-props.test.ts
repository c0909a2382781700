import {
  checkCredentialsUpdate,
  credentialsPhysicalResourceId,
  parseCredentialsProperties,
  parseHealthCheckProperties,
  parseRenderProperties,
} from '../../lib/core/custom-resource-props';
import { InputError } from '../../lib/core/input-error';

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

function inputOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return error.input;
    throw error;
  }
  throw new Error('expected an InputError');
}

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
    expect(inputOf(() => parseCredentialsProperties({ ...credentials, ...override }))).toBe(input);
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

  test('refuses a partial rename whose old resource would destroy the kept parameter', () => {
    const partial = parseCredentialsProperties({ ...credentials, SecretKeyParameterName: '/team/minio/secret-key-2' });
    expect(() => checkCredentialsUpdate(destroyGenerated, partial)).toThrow(/rename both parameters/);
  });

  test('refuses swapping the two names under destroy', () => {
    const swapped = parseCredentialsProperties({
      ...credentials,
      AccessKeyParameterName: credentials.SecretKeyParameterName,
      SecretKeyParameterName: credentials.AccessKeyParameterName,
    });
    expect(() => checkCredentialsUpdate(destroyGenerated, swapped)).toThrow(InputError);
  });

  test('allows a full rename, a partial rename under retain, and in-place changes', () => {
    const fullRename = parseCredentialsProperties({
      ...credentials,
      AccessKeyParameterName: '/team/minio2/access-key',
      SecretKeyParameterName: '/team/minio2/secret-key',
    });
    const partial = parseCredentialsProperties({ ...credentials, SecretKeyParameterName: '/team/minio/secret-key-2' });
    expect(() => checkCredentialsUpdate(destroyGenerated, fullRename)).not.toThrow();
    expect(() => checkCredentialsUpdate(parseCredentialsProperties(credentials), partial)).not.toThrow();
    expect(() => checkCredentialsUpdate(destroyGenerated, parseCredentialsProperties(credentials))).not.toThrow();
  });

  test('refuses a new KMS key for generated parameters that keep their names, naming KmsKeyId and the fix', () => {
    const before = parseCredentialsProperties({ ...credentials, KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/old' });
    for (const kmsKeyId of ['arn:aws:kms:us-east-1:111111111111:key/new', undefined]) {
      const after = parseCredentialsProperties({ ...credentials, KmsKeyId: kmsKeyId });
      expect(inputOf(() => checkCredentialsUpdate(before, after))).toBe('KmsKeyId');
      expect(() => checkCredentialsUpdate(before, after)).toThrow(/stay encrypted under the old key\. Fix: .*new parameterPrefix/);
    }
    const fromDefault = parseCredentialsProperties({ ...credentials, KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/new' });
    expect(inputOf(() => checkCredentialsUpdate(parseCredentialsProperties(credentials), fromDefault))).toBe('KmsKeyId');
  });

  test('a new KMS key is allowed with new names (fresh parameters) and for existing parameters (the user encrypts them)', () => {
    const before = parseCredentialsProperties(credentials);
    const renamed = parseCredentialsProperties({
      ...credentials,
      AccessKeyParameterName: '/team/minio2/access-key',
      SecretKeyParameterName: '/team/minio2/secret-key',
      KmsKeyId: 'alias/new',
    });
    expect(() => checkCredentialsUpdate(before, renamed)).not.toThrow();
    const existingBefore = parseCredentialsProperties({ ...credentials, Mode: 'existing' });
    const existingAfter = parseCredentialsProperties({ ...credentials, Mode: 'existing', KmsKeyId: 'alias/new' });
    expect(() => checkCredentialsUpdate(existingBefore, existingAfter)).not.toThrow();
  });

  test('an existing-mode resource never deletes, so any rename is allowed', () => {
    const existing = parseCredentialsProperties({ ...credentials, Mode: 'existing', RemovalPolicy: 'destroy' });
    const partial = parseCredentialsProperties({ ...credentials, SecretKeyParameterName: '/team/minio/secret-key-2' });
    expect(() => checkCredentialsUpdate(existing, partial)).not.toThrow();
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
      ExtraProperties: '{"alluxio.user.file.writetype.default":"CACHE_THROUGH"}',
    });
    expect(request.settings).toEqual({
      alluxioVersion: '2.9.5',
      minio: { endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio', region: 'eu-west-1' },
      cluster: { masterHostname: 'master.alluxio.local', workerTier: { alias: 'MEM', path: '/mnt/ramdisk', quota: '4GB' } },
      extraProperties: { 'alluxio.user.file.writetype.default': 'CACHE_THROUGH' },
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
    [{ AlluxioVersion: '' }, 'AlluxioVersion'],
    [{ Bucket: undefined }, 'Bucket'],
    [{ SitePropertiesParameterName: '/team/minio/secret-key' }, 'SitePropertiesParameterName'],
  ])('%j is refused naming %s', (override, input) => {
    expect(inputOf(() => parseRenderProperties({ ...render, ...override }))).toBe(input);
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

  test('fills the defaults: bucket root, us-east-1, 600 s, no bucket creation, the default release\'s root key', () => {
    expect(parseHealthCheckProperties(healthCheck)).toEqual({
      accessKeyParameterName: '/team/minio/access-key',
      secretKeyParameterName: '/team/minio/secret-key',
      endpoint: 'http://10.0.12.7:9000/',
      bucket: 'datalake',
      directory: '',
      region: 'us-east-1',
      rootUfsProperty: 'alluxio.master.mount.table.root.ufs',
      alluxioMaster: undefined,
      expectedRootUfs: undefined,
      ensureBucket: false,
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
    ['Region', { Region: 42 }],
  ])('an invalid %s is refused naming it', (input, override) => {
    expect(inputOf(() => parseHealthCheckProperties({ ...healthCheck, ...override }))).toBe(input);
  });
});
