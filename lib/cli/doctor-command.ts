import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion } from '../core/alluxio-version';
import { renderHumanReport, toJsonReport } from '../core/health-report';
import { InputError } from '../core/input-error';
import { parseMasterAddressList } from '../core/master-leader';
import { DEFAULT_MINIO_REGION } from '../core/site-properties';
import { validateBucket, validateCredential, validateDirectory, validateEndpoint, validateRegion } from '../core/validate';
import { ACCESS_KEY_ENV, loadMinioCredentials, SECRET_KEY_ENV } from '../runtime/credential-source';
import { DEFAULT_CHECK_OPTIONS, runMinioChecks } from '../runtime/minio-checks';
import { parseCommandArguments, reportUsageError } from './cli-arguments';
import { CliCommand } from './cli-command';

const USAGE = `usage: alluxio-minio doctor --endpoint URL --bucket NAME [options]

Checks a MinIO endpoint the way Alluxio will use it, stopping at the first failure, and names the
cause and the property to fix: endpoint reachable, MinIO liveness, bucket (path-style), whether
<bucket>.<host> resolves, write/read/delete of a probe object under the directory, and optionally
the Alluxio master's root mount.

options:
  --endpoint URL                 MinIO endpoint, http(s)://host[:port]/ (no port: 80 for http, 443 for https)
  --bucket NAME                  bucket holding the root mount
  --directory DIR                directory inside the bucket (default: the bucket root)
  --region R                     signing region MinIO expects (default: ${DEFAULT_MINIO_REGION})
  --alluxio-master HOST[:PORT][,...]  also compare the master's root mount (web port, default 19999);
                                 several: the leader's, the one answering
  --alluxio-version V            names the root mount key in fixes (default: ${DEFAULT_ALLUXIO_VERSION})
  --access-key-parameter NAME    SSM parameter holding the access key  } both, or neither to read
  --secret-key-parameter NAME    SSM parameter holding the secret key  } ${ACCESS_KEY_ENV} / ${SECRET_KEY_ENV}
  --json                         print one JSON document: {"ok", "checks": [{"id","ok","code","message","fix","ms"}]}
  -h, --help                     show this help

Exit status: 0 healthy, 1 a check failed, 2 usage error.
`;

const OPTIONS = {
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  directory: { type: 'string' },
  region: { type: 'string' },
  'alluxio-master': { type: 'string' },
  'alluxio-version': { type: 'string' },
  'access-key-parameter': { type: 'string' },
  'secret-key-parameter': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const doctorCommand: CliCommand = async (args, env, io) => {
  const parsed = parseCommandArguments({ name: 'doctor', options: OPTIONS, usage: USAGE }, args, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { values } = parsed;
  let target;
  try {
    for (const required of ['endpoint', 'bucket'] as const) {
      if (values[required] === undefined) {
        throw new InputError(`--${required}`, 'is required', `pass --${required} (see alluxio-minio doctor --help)`);
      }
    }
    const endpoint = validateEndpoint(values.endpoint!);
    validateBucket(values.bucket!);
    const directory = validateDirectory(values.directory);
    const region = values.region ?? DEFAULT_MINIO_REGION;
    validateRegion(region);
    const release = parseAlluxioVersion(values['alluxio-version'] ?? DEFAULT_ALLUXIO_VERSION);
    const masterOption = values['alluxio-master'];
    const masters = masterOption === undefined ? undefined : parseMasterAddressList(masterOption, '--alluxio-master');
    // Inputs first: a wrong bucket is reported without touching SSM or needing keys.
    const keys = await loadMinioCredentials({ accessKeyParameter: values['access-key-parameter'], secretKeyParameter: values['secret-key-parameter'] }, env);
    validateCredential(keys.accessKeyId, 's3a.accessKeyId');
    validateCredential(keys.secretKey, 's3a.secretKey');
    target = {
      connection: { endpoint: endpoint.url, region, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretKey },
      bucket: values.bucket!,
      directory,
      alluxioMasters: masters,
      rootUfsProperty: release.rootUfsKey,
    };
  } catch (err) {
    if (err instanceof InputError) return reportUsageError('doctor', err, io);
    const error = err as Error;
    io.stderr(`alluxio-minio doctor: could not read the key parameters from SSM: ${error.name}: ${error.message}\n`);
    return 1;
  }

  const run = await runMinioChecks(target, DEFAULT_CHECK_OPTIONS);
  if (values.json) {
    io.stdout(`${JSON.stringify(toJsonReport(run))}\n`);
  } else {
    io.stdout(`alluxio-minio doctor: ${target.connection.endpoint} bucket '${target.bucket}'${target.directory ? ` directory '${target.directory}'` : ''}\n`);
    io.stdout(`${renderHumanReport(run).join('\n')}\n`);
  }
  return run.failure ? 1 : 0;
};
