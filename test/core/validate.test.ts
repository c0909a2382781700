import {
  isCredentialKey,
  parsePropertyAssignment,
  validateBucket,
  validateCredential,
  validateDirectory,
  validateEndpoint,
  validateExtraProperties,
  validateRegion,
} from '../../lib/core/validate';
import { expectInputError } from './expect-input-error';

describe('validateBucket', () => {
  test.each(['abc', 'datalake', 'my-bucket.logs', '0bucket9', 'a'.repeat(63)])('accepts %s', (bucket) => {
    expect(() => validateBucket(bucket)).not.toThrow();
  });

  test.each([
    ['ab', /has 2 characters; bucket names have 3 to 63/],
    ['a'.repeat(64), /has 64 characters/],
    ['Datalake', /characters other than lowercase letters/],
    ['data_lake', /characters other than lowercase letters/],
    ['data lake', /characters other than lowercase letters/],
    ['-datalake', /must start and end with a lowercase letter or digit/],
    ['datalake.', /must start and end/],
    ['data..lake', /dot next to another dot or a hyphen/],
    ['data.-lake', /dot next to another dot or a hyphen/],
    ['192.168.5.4', /formatted as an IP address/],
    ['xn--bucket', /reserved prefix "xn--"/],
    ['sthree-bucket', /reserved prefix "sthree-"/],
    ['bucket-s3alias', /reserved suffix "-s3alias"/],
    ['bucket--ol-s3', /reserved suffix "--ol-s3"/],
  ])('refuses %j: %s, naming minio.bucket and the fix', (bucket, problem) => {
    const error = expectInputError(() => validateBucket(bucket), 'minio.bucket');
    expect(error.message).toMatch(problem);
  });

  test('the input name can be a CLI flag or another prop', () => {
    expectInputError(() => validateBucket('A', 'bucket'), 'bucket');
  });
});

describe('validateDirectory', () => {
  test.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['alluxio', 'alluxio'],
    ['/alluxio/', 'alluxio'],
    ['//teams/analytics//', 'teams/analytics'],
    ["a-b_c.d!e*f'g(h)", "a-b_c.d!e*f'g(h)"],
  ])('normalises %j to %j', (directory, normalised) => {
    expect(validateDirectory(directory)).toBe(normalised);
  });

  test.each([
    ['a//b', /empty segment/],
    ['a/../b', /"\.\." segment/],
    ['..', /"\.\." segment/],
    ['./a', /"\." segment/],
    ['a/./b', /"\." segment/],
    ['my dir', /characters outside/],
    ['a?b', /characters outside/],
    ['a#b', /characters outside/],
    ['a%20b', /characters outside/],
    ['a\nb', /characters outside/],
    ['a\\b', /characters outside/],
    ['x'.repeat(1001), /longer than 1000 bytes/],
  ])('refuses %j (%s), naming minio.directory and the fix', (directory, problem) => {
    const error = expectInputError(() => validateDirectory(directory), 'minio.directory');
    expect(error.message).toMatch(problem);
  });
});

describe('validateEndpoint', () => {
  test.each([
    ['http://127.0.0.1:9000', { scheme: 'http', host: '127.0.0.1', port: 9000, effectivePort: 9000, url: 'http://127.0.0.1:9000/' }],
    ['http://127.0.0.1:9000/', { scheme: 'http', host: '127.0.0.1', port: 9000, effectivePort: 9000, url: 'http://127.0.0.1:9000/' }],
    ['HTTPS://MinIO.Example.com', { scheme: 'https', host: 'minio.example.com', port: undefined, effectivePort: 443, url: 'https://minio.example.com/' }],
    ['http://minio', { scheme: 'http', host: 'minio', port: undefined, effectivePort: 80, url: 'http://minio/' }],
    ['http://[::1]:9000/', { scheme: 'http', host: '[::1]', port: 9000, effectivePort: 9000, url: 'http://[::1]:9000/' }],
    ['http://minio.svc:1', { scheme: 'http', host: 'minio.svc', port: 1, effectivePort: 1, url: 'http://minio.svc:1/' }],
    ['http://minio.svc:65535', { scheme: 'http', host: 'minio.svc', port: 65535, effectivePort: 65535, url: 'http://minio.svc:65535/' }],
  ])('accepts %s', (endpoint, parts) => {
    expect(validateEndpoint(endpoint)).toEqual(parts);
  });

  test.each([
    ['127.0.0.1:9000', /not a URL with a scheme and a host/],
    ['ftp://minio:21', /scheme "ftp" is not http or https/],
    ['http://minio:9000/bucket', /path, query or fragment/],
    ['http://minio:9000/?x=1', /path, query or fragment/],
    ['http://minio:9000#frag', /path, query or fragment/],
    ['http://:9000', /no valid host/],
    ['http://min io:9000', /not a valid host name/],
    ['http://minio_:9000', /not a valid host name/],
    ['http://my_minio.local:9000', /not a valid host name/],
    ['http://-minio:9000', /not a valid host name/],
    ['http://[zz]:9000', /no valid host/],
  ])('refuses %j (%s), naming minio.endpoint and the expected form with default ports', (endpoint, problem) => {
    const error = expectInputError(() => validateEndpoint(endpoint), 'minio.endpoint');
    expect(error.message).toMatch(problem);
    expect(error.fix).toContain('http(s)://host[:port]/');
  });

  test.each(['0', '65536', '99999', 'abc', '', '-1', '9000x'])('port %j is refused; the fix says a missing port means 80 or 443', (port) => {
    const error = expectInputError(() => validateEndpoint(`http://minio:${port}/`), 'minio.endpoint');
    expect(error.message).toMatch(/not a number from 1 to 65535/);
    expect(error.fix).toContain('80 for http and 443 for https');
  });

  test('user information in the URL is refused without quoting it', () => {
    const error = expectInputError(() => validateEndpoint('http://admin:hunter2-pass@minio:9000/'), 'minio.endpoint');
    expect(error.message).not.toContain('hunter2-pass');
    expect(error.fix).toMatch(/credentials come from SSM/);
  });
});

describe('validateRegion', () => {
  test.each(['us-east-1', 'eu-central-2', 'my_site', 'LocalRegion'])('accepts %s', (region) => {
    expect(() => validateRegion(region)).not.toThrow();
  });
  test.each(['', '1region', 'us east 1', 'us-east-1\n', 'us/east', 'r'.repeat(64)])('refuses %j naming minio.region', (region) => {
    const error = expectInputError(() => validateRegion(region), 'minio.region');
    expect(error.fix).toMatch(/us-east-1/);
  });
});

describe('validateExtraProperties', () => {
  const managed = { 'alluxio.underfs.s3.endpoint': 'the endpoint', 'alluxio.master.hostname': 'the cluster layout' };

  test('accepts ordinary Alluxio properties with any single-line value', () => {
    expect(() => validateExtraProperties({ 'alluxio.user.file.replication.min': '1', 'alluxio.user.block.size.bytes.default': '' }, managed)).not.toThrow();
  });

  test('refuses a managed key and names the key and the input to use instead', () => {
    const error = expectInputError(() => validateExtraProperties({ 'alluxio.master.hostname': 'x' }, managed), 'extraProperties["alluxio.master.hostname"]');
    expect(error.message).toMatch(/set by this library from the cluster layout/);
  });

  test('a key that is only a property of Object.prototype is not managed', () => {
    expect(() => validateExtraProperties({ constructor: 'x', toString: 'y' }, managed)).not.toThrow();
  });

  test.each([
    's3a.accessKeyId',
    's3a.secretKey',
    's3a.anything',
    'aws.accessKeyId',
    'aws.secretKey',
    'fs.s3a.access.key',
    'fs.s3a.secret.key',
    'alluxio.underfs.oss.accessKeyId',
    'alluxio.underfs.gcs.secret.something',
    'alluxio.security.login.password',
    'my.access-key',
    'my.key_id',
    'alluxio.some.token',
    'vendor.credentials.file',
  ])('refuses credential key %s without quoting its value', (key) => {
    const secretValue = 'Sup3r-Secret-Value';
    const error = expectInputError(() => validateExtraProperties({ [key]: secretValue }, managed), `extraProperties[${JSON.stringify(key)}]`);
    expect(error.message).toMatch(/names a credential/);
    expect(error.message).not.toContain(secretValue);
  });

  test.each(['alluxio.user.file.writetype.default', 'alluxio.master.keytab.file', 'alluxio.user.file.passive.cache.enabled'])(
    '%s is not mistaken for a credential',
    (key) => {
      expect(isCredentialKey(key)).toBe(false);
    },
  );

  test.each(['a\nb', 'a\rb', 'a\r\nb'])('refuses a value with a line break %j', (value) => {
    const error = expectInputError(() => validateExtraProperties({ 'alluxio.user.x': value }, managed), 'extraProperties["alluxio.user.x"]');
    expect(error.message).toMatch(/line break/);
  });

  test.each(['', ' key', 'key with space', 'key=x', 'key:x', '.leading.dot', 'ключ'])('refuses property name %j', (key) => {
    const error = expectInputError(() => validateExtraProperties({ [key]: 'v' }, managed), `extraProperties[${JSON.stringify(key)}]`);
    expect(error.message).toMatch(/not a property name/);
  });
});

describe('parsePropertyAssignment', () => {
  test('splits at the first "=" so values may contain "="', () => {
    expect(parsePropertyAssignment('alluxio.x=a=b')).toEqual(['alluxio.x', 'a=b']);
    expect(parsePropertyAssignment('alluxio.x=')).toEqual(['alluxio.x', '']);
  });
  test.each(['alluxio.x', '=value'])('refuses %j, naming --property and the key=value form', (assignment) => {
    const error = expectInputError(() => parsePropertyAssignment(assignment), '--property');
    expect(error.fix).toMatch(/key=value/);
  });
});

describe('validateCredential', () => {
  test('accepts any single-line non-empty value, special characters included', () => {
    expect(() => validateCredential('= : \\ # ! +/é日本😀', 's3a.secretKey')).not.toThrow();
    // Only a complete ${...} is a reference for Alluxio.
    expect(() => validateCredential('a$b}{${c', 's3a.secretKey')).not.toThrow();
  });
  test.each([
    ['', /is empty/],
    ['abc\n', /line break/],
    ['a\rb', /line break/],
    ['pre${alluxio.home}post', /Alluxio expands as a reference/],
    ['${x}', /Alluxio expands as a reference/],
  ])('refuses %j naming the property, never the value', (value, problem) => {
    const error = expectInputError(() => validateCredential(value, 's3a.secretKey'), 's3a.secretKey');
    expect(error.message).toMatch(problem);
    if (value.length > 0) {
      expect(error.message).not.toContain(value.trim());
    }
  });
});
