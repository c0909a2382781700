import { DEFAULT_ALLUXIO_VERSION } from '../core/alluxio-version';
import { InputError } from '../core/input-error';
import { DEFAULT_CLIENT_DEFAULTS, DEFAULT_MINIO_REGION, maskSecrets, renderSiteProperties, SiteSettings, validateSiteSettings } from '../core/site-properties';
import { parsePropertyAssignment } from '../core/validate';
import { loadMinioCredentials } from '../runtime/credential-source';
import { parseCommandArguments, reportUsageError } from './cli-arguments';
import { CliCommand } from './cli-command';

const USAGE = `usage: alluxio-minio render --endpoint URL --bucket NAME [options]

Prints the alluxio-site.properties this library deploys, with both MinIO keys masked.

options:
  --endpoint URL                 MinIO endpoint, http(s)://host[:port]/ (no port: 80 for http, 443 for https)
  --bucket NAME                  bucket holding the root mount
  --directory DIR                directory inside the bucket (default: the bucket root)
  --alluxio-version V            2.x (e.g. ${DEFAULT_ALLUXIO_VERSION}, the default) or a 3xx dora release (294-313)
  --region R                     signing region MinIO expects (default: ${DEFAULT_MINIO_REGION})
  --write-type T                 clients' default write type (default: ${DEFAULT_CLIENT_DEFAULTS.writeType})
  --metadata-sync-interval I     how stale a listing may get, e.g. 60sec, 5min, 0 (always), -1 (never)
                                 (default: ${DEFAULT_CLIENT_DEFAULTS.metadataSyncInterval})
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
  'write-type': { type: 'string' },
  'metadata-sync-interval': { type: 'string' },
  property: { type: 'string', multiple: true },
  'access-key-parameter': { type: 'string' },
  'secret-key-parameter': { type: 'string' },
  'reveal-secrets': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const renderCommand: CliCommand = async (args, env, io) => {
  const parsed = parseCommandArguments({ name: 'render', options: OPTIONS, usage: USAGE, describeParseErrors: true }, args, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { values } = parsed;
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
      cluster: {
        masterUpdateCheck: false,
        clientDefaults: {
          writeType: values['write-type'] ?? DEFAULT_CLIENT_DEFAULTS.writeType,
          metadataSyncInterval: values['metadata-sync-interval'] ?? DEFAULT_CLIENT_DEFAULTS.metadataSyncInterval,
        },
      },
      extraProperties,
    };
    // Settings first: a wrong bucket is reported without touching SSM or needing keys.
    validateSiteSettings(settings);
    const keys = await loadMinioCredentials({ accessKeyParameter: values['access-key-parameter'], secretKeyParameter: values['secret-key-parameter'] }, env);
    const input = { ...settings, ...keys };
    const text = renderSiteProperties(input);
    io.stdout(values['reveal-secrets'] ? text : maskSecrets(text, input));
    return 0;
  } catch (err) {
    if (err instanceof InputError) return reportUsageError('render', err, io);
    // SSM failures (unreachable, access denied): the SDK's name and message carry no parameter value.
    const error = err as Error;
    io.stderr(`alluxio-minio render: could not read the key parameters from SSM: ${error.name}: ${error.message}\n`);
    return 1;
  }
};
