import { InputError } from './input-error';

/*
 * One function per input a user can give. Each returns the value in the form the renderer writes
 * (or nothing when the input is used as given) and throws InputError naming the input and the fix.
 * Values that are not secrets may be quoted in messages; JSON quoting keeps a message on one line.
 */

const LINE_BREAK = /[\r\n]/;

/** Bucket names as MinIO accepts them, which is the S3 rule set (AWS "general purpose bucket naming rules"). */
export function validateBucket(bucket: string, input = 'minio.bucket'): void {
  const fix = 'use 3 to 63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. "datalake"';
  if (bucket.length < 3 || bucket.length > 63) {
    throw new InputError(input, `${JSON.stringify(bucket)} has ${bucket.length} characters; bucket names have 3 to 63`, fix);
  }
  if (!/^[a-z0-9.-]+$/.test(bucket)) {
    throw new InputError(input, `${JSON.stringify(bucket)} contains characters other than lowercase letters, digits, dots and hyphens`, fix);
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    throw new InputError(input, `${JSON.stringify(bucket)} must start and end with a lowercase letter or digit`, fix);
  }
  if (/\.\.|\.-|-\./.test(bucket)) {
    throw new InputError(
      input,
      `${JSON.stringify(bucket)} has a dot next to another dot or a hyphen`,
      'separate the labels of the name by a single dot, e.g. "logs.archive"',
    );
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) {
    throw new InputError(
      input,
      `${JSON.stringify(bucket)} is formatted as an IP address, which S3 forbids for bucket names`,
      'choose a name that is not an IP address, e.g. "datalake"',
    );
  }
  for (const prefix of ['xn--', 'sthree-']) {
    if (bucket.startsWith(prefix)) {
      throw new InputError(input, `${JSON.stringify(bucket)} starts with the reserved prefix "${prefix}"`, 'choose a name without that prefix');
    }
  }
  for (const suffix of ['-s3alias', '--ol-s3']) {
    if (bucket.endsWith(suffix)) {
      throw new InputError(input, `${JSON.stringify(bucket)} ends with the reserved suffix "${suffix}"`, 'choose a name without that suffix');
    }
  }
}

/**
 * The directory inside the bucket, normalised to `a/b/c` ('' for the bucket root).
 *
 * Segments are limited to the characters S3 calls safe for object keys, because the directory ends
 * up inside an `s3://` URI that Alluxio parses: `?`, `#`, `%` or a space would change its meaning.
 */
export function validateDirectory(directory: string | undefined, input = 'minio.directory'): string {
  if (directory === undefined) {
    return '';
  }
  const trimmed = directory.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') {
    return '';
  }
  const fix = 'write it as segments separated by single slashes, e.g. "alluxio" or "teams/analytics"';
  for (const segment of trimmed.split('/')) {
    if (segment === '') {
      throw new InputError(input, `${JSON.stringify(directory)} has an empty segment ("//")`, fix);
    }
    if (segment === '.' || segment === '..') {
      throw new InputError(input, `${JSON.stringify(directory)} has a "${segment}" segment, which object stores do not resolve`, fix);
    }
    if (!/^[A-Za-z0-9!_.*'()-]+$/.test(segment)) {
      throw new InputError(
        input,
        `${JSON.stringify(directory)} has characters outside letters, digits and ! - _ . * ' ( )`,
        `${fix}, using only those characters`,
      );
    }
  }
  if (Buffer.byteLength(trimmed, 'utf8') > 1000) {
    throw new InputError(input, 'is longer than 1000 bytes, leaving no room for object names under the 1024-byte S3 key limit', 'choose a shorter directory');
  }
  return trimmed;
}

/** The parts of a valid endpoint. */
export interface EndpointParts {
  readonly scheme: 'http' | 'https';
  /** Host name or IP address as written (IPv6 in brackets), lower-cased. */
  readonly host: string;
  /** The port given, or undefined when the scheme's default (80 for http, 443 for https) applies. */
  readonly port?: number;
  /** The port connections go to: the given one or the scheme's default. */
  readonly effectivePort: number;
  /** `scheme://host[:port]/`, the form the seed writes into `alluxio.underfs.s3.endpoint`. */
  readonly url: string;
}

const ENDPOINT_FORM = 'write it as http(s)://host[:port]/, e.g. "http://10.0.12.7:9000/" (a missing port means 80 for http and 443 for https)';

/** The MinIO endpoint as `alluxio.underfs.s3.endpoint` takes it: scheme, host and port only. */
export function validateEndpoint(endpoint: string, input = 'minio.endpoint'): EndpointParts {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(endpoint);
  if (!match) {
    throw new InputError(input, `${JSON.stringify(endpoint)} is not a URL with a scheme and a host`, ENDPOINT_FORM);
  }
  const [, rawScheme, authority, rest] = match;
  const scheme = rawScheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new InputError(input, `scheme "${rawScheme}" is not http or https`, ENDPOINT_FORM);
  }
  if (authority.includes('@')) {
    // The part before '@' may be a password: never quote it.
    throw new InputError(
      input,
      'carries user information ("user:password@") in the URL',
      'remove it from the endpoint; credentials come from SSM parameters, never from the URL',
    );
  }
  if (rest !== '' && rest !== '/') {
    throw new InputError(
      input,
      `${JSON.stringify(endpoint)} has a path, query or fragment after the host`,
      `remove everything after the host and port; ${ENDPOINT_FORM}`,
    );
  }
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(.*))?$/.exec(authority);
  if (!hostPort) {
    throw new InputError(input, `${JSON.stringify(endpoint)} has no valid host`, ENDPOINT_FORM);
  }
  const [, rawHost, rawPort] = hostPort;
  let port: number | undefined;
  if (rawPort !== undefined) {
    if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
      throw new InputError(
        input,
        `port ${JSON.stringify(rawPort)} is not a number from 1 to 65535`,
        'give the port MinIO listens on (often 9000), or leave it out to use 80 for http and 443 for https',
      );
    }
    port = Number(rawPort);
  }
  const host = rawHost.toLowerCase();
  if (!isValidHost(host)) {
    throw new InputError(input, `${JSON.stringify(rawHost)} is not a valid host name or IP address`, ENDPOINT_FORM);
  }
  const effectivePort = port ?? (scheme === 'http' ? 80 : 443);
  return { scheme, host, port, effectivePort, url: `${scheme}://${host}${port === undefined ? '' : `:${port}`}/` };
}

function isValidHost(host: string): boolean {
  if (host.startsWith('[')) {
    try {
      return new URL(`http://${host}/`).hostname === host;
    } catch {
      return false;
    }
  }
  // DNS labels (which also covers IPv4 literals). No underscores: java.net.URI, which Alluxio's S3
  // client parses the endpoint with, treats such a host as absent.
  return host.length <= 253 && host.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

/**
 * The signing region Alluxio puts into SigV4 requests. MinIO accepts us-east-1 unless its site
 * region was configured; any other value must match that configuration exactly.
 */
export function validateRegion(region: string, input = 'minio.region'): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(region)) {
    throw new InputError(
      input,
      `${JSON.stringify(region)} is not a region name`,
      'use letters, digits, "-" and "_" starting with a letter (at most 63 characters) as configured on the MinIO server, or leave it out for us-east-1',
    );
  }
}

/** True for keys that hold or name credentials, in any spelling Alluxio or Hadoop uses. */
export function isCredentialKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (/^(s3a|aws|fs\.s3a|fs\.s3n|fs\.s3)\./.test(lower)) {
    return true;
  }
  const squashed = lower.replace(/[._-]/g, '');
  return ['secret', 'password', 'passwd', 'keyid', 'accesskey', 'token', 'credential'].some((word) => squashed.includes(word));
}

/**
 * User properties written after the managed ones. Keys the renderer manages, and every credential
 * key, are refused: the first would silently fight the deployment, the second would put a secret
 * where it is not protected (credentials come only from the SSM parameters).
 */
export function validateExtraProperties(
  properties: Readonly<Record<string, string>>,
  managed: Readonly<Record<string, string>>,
  input = 'extraProperties',
): void {
  for (const [key, value] of Object.entries(properties)) {
    const name = `${input}[${JSON.stringify(key)}]`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key)) {
      throw new InputError(
        name,
        'is not a property name',
        'use an Alluxio property name made of letters, digits, ".", "_" and "-", e.g. "alluxio.user.file.replication.min"',
      );
    }
    if (isCredentialKey(key)) {
      // The value is never quoted here: it may be a secret.
      throw new InputError(
        name,
        'names a credential, which must not travel as a plain property',
        'remove it; credentials come only from the access-key and secret-key SSM parameters',
      );
    }
    if (Object.prototype.hasOwnProperty.call(managed, key)) {
      throw new InputError(name, `is set by this library from ${managed[key]}`, 'remove it and set that input instead');
    }
    if (typeof value !== 'string') {
      throw new InputError(name, 'has no string value', 'give the value as a string');
    }
    if (LINE_BREAK.test(value)) {
      throw new InputError(name, 'has a line break in its value', 'put the value on one line');
    }
  }
}

/** Splits a `--property key=value` argument; the value may contain further '=' characters. */
export function parsePropertyAssignment(assignment: string, input = '--property'): [string, string] {
  const equals = assignment.indexOf('=');
  if (equals <= 0) {
    throw new InputError(
      input,
      equals === 0 ? 'has no property name before "="' : `${JSON.stringify(assignment)} has no "=value"`,
      'write it as key=value, e.g. --property alluxio.user.file.replication.min=2',
    );
  }
  return [assignment.slice(0, equals), assignment.slice(equals + 1)];
}

/** A MinIO access key or secret key; `input` is its property name, never its value. */
export function validateCredential(value: string, input: string): void {
  if (value.length === 0) {
    throw new InputError(input, 'is empty', 'store the MinIO key in its SSM parameter (or environment variable) and try again');
  }
  if (LINE_BREAK.test(value)) {
    throw new InputError(input, 'contains a line break', 'store the key without line breaks (check for a trailing newline when it was copied from a file)');
  }
  // Alluxio resolves ${name} in every property value as a reference to another property (and fails
  // on an unknown name); no escape exists, so such a key would never reach MinIO as written.
  if (ALLUXIO_REFERENCE.test(value)) {
    throw new InputError(
      input,
      'contains "${...}", which Alluxio expands as a reference to another property',
      'use a key without the character sequence "${" followed by "}" (rotate it in MinIO and store the new one)',
    );
  }
}

const ALLUXIO_REFERENCE = /\$\{[^}]*\}/;
