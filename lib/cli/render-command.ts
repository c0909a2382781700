import { parseArgs } from 'node:util';
import { DEFAULT_ALLUXIO_VERSION } from '../core/alluxio-version';
import { InputError } from '../core/input-error';
import { DEFAULT_MINIO_REGION, maskSecrets, renderSiteProperties, SiteSettings, validateSiteSettings } from '../core/site-properties';
import { parsePropertyAssignment } from '../core/validate';
import { loadMinioCredentials } from '../runtime/credential-source';
import { CliCommand, EXIT_USAGE } from './run-cli';

const USAGE = `usage: alluxio-minio render --endpoint URL --bucket NAME [options]

Prints the alluxio-site.properties this library deploys, with both MinIO keys masked.

options:
  --endpoint URL                 MinIO endpoint, http(s)://host[:port]/ (no port: 80 for http, 443 for https)
  --bucket NAME                  bucket holding the root mount
  --directory DIR                directory inside the bucket (default: the bucket root)
  --alluxio-version V            2.x (e.g. ${DEFAULT_ALLUXIO_VERSION}, the default) or a 3xx dora release (294-313)
  --region R                     signing region MinIO expects (default: ${DEFAULT_MINIO_REGION})
  --property KEY=VALUE           an extra Alluxio property; repeat for several
  --access-key-parameter NAME    SSM parameter holding the access key  } both, or neither to read
  --secret-key-parameter NAME    SSM parameter holding the secret key  } MINIO_ACCESS_KEY / MINIO_SECRET_KEY
  --reveal-secrets               print the keys instead of ********
  -h, --help                     show this help

SSM is reached with AWS_REGION and, when set, AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL.
`;

const OPTIONS = {
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  directory: { type: 'string' },
  'alluxio-version': { type: 'string' },
  region: { type: 'string' },
  property: { type: 'string', multiple: true },
  'access-key-parameter': { type: 'string' },
  'secret-key-parameter': { type: 'string' },
  'reveal-secrets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags the core's input names correspond to, so a CLI user reads the flag they typed. */
const FLAG_FOR_INPUT: Record<string, string> = {
  'minio.endpoint': '--endpoint',
  'minio.bucket': '--bucket',
  'minio.directory': '--directory',
  'minio.region': '--region',
  'alluxio.version': '--alluxio-version',
};

export const renderCommand: CliCommand = async (args, env, io) => {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // parseArgs messages quote the offending argument, which could be a mistyped secret: name the kind only.
    const code = (err as { code?: string }).code ?? 'ERR_PARSE_ARGS';
    io.stderr(`alluxio-minio render: ${describeParseError(code, args)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    for (const required of ['endpoint', 'bucket'] as const) {
      if (values[required] === undefined) {
        throw new InputError(`--${required}`, 'is required', `pass --${required} (see alluxio-minio render --help)`);
      }
    }
    const extraProperties: Record<string, string> = {};
    for (const assignment of values.property ?? []) {
      const [key, value] = parsePropertyAssignment(assignment);
      extraProperties[key] = value;
    }
    const settings: SiteSettings = {
      alluxioVersion: values['alluxio-version'] ?? DEFAULT_ALLUXIO_VERSION,
      minio: { endpoint: values.endpoint!, bucket: values.bucket!, directory: values.directory, region: values.region },
      extraProperties,
    };
    // Settings first: a wrong bucket is reported without touching SSM or needing keys.
    validateSiteSettings(settings);
    const keys = await loadMinioCredentials(
      { accessKeyParameter: values['access-key-parameter'], secretKeyParameter: values['secret-key-parameter'] },
      env,
    );
    const input = { ...settings, ...keys };
    const text = renderSiteProperties(input);
    io.stdout(values['reveal-secrets'] ? text : maskSecrets(text, input));
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      const flag = FLAG_FOR_INPUT[err.input] ?? (err.input.startsWith('extraProperties[') ? '--property' : undefined);
      io.stderr(`alluxio-minio render: ${flag ? `${flag} (${err.message})` : err.message}\n`);
      return EXIT_USAGE;
    }
    // SSM failures (unreachable, access denied): the SDK's name and message carry no parameter value.
    const error = err as Error;
    io.stderr(`alluxio-minio render: could not read the key parameters from SSM: ${error.name}: ${error.message}\n`);
    return 1;
  }
};

function describeParseError(code: string, args: string[]): string {
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      // The option's name only: in '--name=value' the value is dropped.
      const unknown = args.find((arg) => arg.startsWith('-') && !isKnownOption(arg.replace(/^-+/, '').split('=')[0]));
      return `unknown option ${unknown === undefined ? '' : `'${unknown.split('=')[0]}' `}(see the list below)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return 'an option is missing its value, or a flag was given a value';
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument: every input is given as --option value';
    default:
      return 'invalid arguments';
  }
}

function isKnownOption(name: string): boolean {
  return name in OPTIONS || name === 'h';
}
