import { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_ALLUXIO_VERSION, parseAlluxioVersion } from '../core/alluxio-version';
import { renderHumanReport } from '../core/health-report';
import { InputError } from '../core/input-error';
import { QUORUM_SIZES } from '../core/master-quorum';
import { DEFAULT_ROTATION_WAITS, rotationOutcomeSeconds } from '../core/rotation-budget';
import { isFailureOutcome, RotationRecord } from '../core/rotation-plan';
import { DEFAULT_MINIO_REGION } from '../core/site-properties';
import { validateBucket, validateCredential, validateDirectory, validateEndpoint, validateRegion } from '../core/validate';
import { ACCESS_KEY_ENV, SECRET_KEY_ENV, ssmClientFromEnvironment } from '../runtime/credential-source';
import { generateMinioCredentials } from '../runtime/generate-credentials';
import { DEFAULT_CHECK_OPTIONS, MinioCheckTarget, runMinioChecks } from '../runtime/minio-checks';
import { readRotationStatus, RotationParameterNames } from '../runtime/rotation-status';
import { SsmParameters } from '../runtime/ssm-parameters';
import { formatKeyStatus } from './status-command';
import { ROTATION_PARAMETER_OPTIONS, ROTATION_PARAMETER_USAGE, rotationLabel, rotationParameterNames } from './rotation-options';
import { parseCommandArguments, reportUsageError } from './cli-arguments';
import { CliCommand } from './cli-command';

// Followed for as long as the construct's state machines may run with their default waits on its
// largest topology (five masters, the workers and a provisioned MinIO restarted, each twice when
// rolled back): the start execution's timeout and then the rotation's (lib/core/rotation-budget).
const DEFAULT_TIMEOUT_SECONDS = rotationOutcomeSeconds(DEFAULT_ROTATION_WAITS, Math.max(...QUORUM_SIZES) + 2);
const DEFAULT_POLL_MS = 3000;

const USAGE = `usage: alluxio-minio rotate (--prefix P | <the three parameter names>) (--generate | --endpoint URL --bucket NAME) [options]

Writes a new MinIO key pair to the deployment's two SSM parameters and follows the rotation the
CredentialRotation function then runs (verify, re-render, restart, verify, label; roll back on failure).

  provisioned MinIO:  --generate      a new pair is generated here (the server's root credentials follow it)
  existing MinIO:     the new pair from ${ACCESS_KEY_ENV} / ${SECRET_KEY_ENV}, checked against --endpoint and
                      --bucket BEFORE anything is written (create the key on your server first)

options:
${ROTATION_PARAMETER_USAGE}
  --generate                         generate the new pair (provisioned MinIO)
  --endpoint URL                     MinIO endpoint to check the new pair against (existing MinIO)
  --bucket NAME                      bucket holding the root mount
  --directory DIR                    directory inside the bucket (default: the bucket root)
  --region R                         signing region MinIO expects (default: ${DEFAULT_MINIO_REGION})
  --kms-key-id KEY                   KMS key the parameters are encrypted with (default: alias/aws/ssm)
  --timeout SECONDS                  how long to follow the rotation (default: ${DEFAULT_TIMEOUT_SECONDS}, the
                                     longest the construct's default waits allow; more if you set longer ones)
  --poll-interval-ms MS              how often to look (default: ${DEFAULT_POLL_MS})
  --no-follow                        write and return without waiting for the outcome
  -h, --help                         show this help

No key is ever printed. Exit status: 0 rotated, 1 the new pair was refused or rolled back (or no
outcome in time), 2 usage error.
`;

const OPTIONS = {
  ...ROTATION_PARAMETER_OPTIONS,
  generate: { type: 'boolean' },
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  directory: { type: 'string' },
  region: { type: 'string' },
  'kms-key-id': { type: 'string' },
  timeout: { type: 'string' },
  'poll-interval-ms': { type: 'string' },
  'no-follow': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface RotatePlan {
  readonly names: RotationParameterNames;
  readonly label: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** The new pair: secrets, held only to be written. */
  readonly pair: { readonly accessKeyId: string; readonly secretKey: string };
  readonly check?: MinioCheckTarget;
  readonly ssm: SSMClient;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wholeNumber(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new InputError(flag, `${JSON.stringify(text)} is not a positive whole number`, `pass ${flag} as a number, e.g. ${fallback}`);
  return Number(text);
}

export const rotateCommand: CliCommand = async (args, env, io) => {
  const parsed = parseCommandArguments({ name: 'rotate', options: OPTIONS, usage: USAGE }, args, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { values } = parsed;
  const say = (line: string) => io.stdout(`${line}\n`);
  let plan: RotatePlan;
  try {
    const names = rotationParameterNames(values);
    const label = rotationLabel(values);
    const timeoutMs = wholeNumber(values.timeout, '--timeout', DEFAULT_TIMEOUT_SECONDS) * 1000;
    const pollMs = wholeNumber(values['poll-interval-ms'], '--poll-interval-ms', DEFAULT_POLL_MS);
    let pair: { accessKeyId: string; secretKey: string };
    let check: MinioCheckTarget | undefined;
    if (values.generate) {
      if (values.endpoint !== undefined || env[ACCESS_KEY_ENV] !== undefined || env[SECRET_KEY_ENV] !== undefined) {
        throw new InputError(
          '--generate',
          `cannot be combined with --endpoint or ${ACCESS_KEY_ENV}/${SECRET_KEY_ENV}`,
          'use --generate for a provisioned MinIO, or give an existing pair through the environment and --endpoint/--bucket',
        );
      }
      pair = generateMinioCredentials();
    } else {
      for (const required of ['endpoint', 'bucket'] as const) {
        if (values[required] === undefined)
          throw new InputError(`--${required}`, 'is required to check the new pair (or pass --generate for a provisioned MinIO)', `pass --${required}`);
      }
      for (const name of [ACCESS_KEY_ENV, SECRET_KEY_ENV]) {
        if (env[name] === undefined)
          throw new InputError(
            name,
            'is not set',
            `export ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV} with the new pair (or pass --generate for a provisioned MinIO)`,
          );
      }
      pair = { accessKeyId: env[ACCESS_KEY_ENV]!, secretKey: env[SECRET_KEY_ENV]! };
      const endpoint = validateEndpoint(values.endpoint!, '--endpoint');
      validateBucket(values.bucket!, '--bucket');
      const region = values.region ?? DEFAULT_MINIO_REGION;
      validateRegion(region, '--region');
      check = {
        connection: { endpoint: endpoint.url, region, accessKeyId: pair.accessKeyId, secretAccessKey: pair.secretKey },
        bucket: values.bucket!,
        directory: validateDirectory(values.directory, '--directory'),
        rootUfsProperty: parseAlluxioVersion(DEFAULT_ALLUXIO_VERSION).rootUfsKey,
      };
    }
    validateCredential(pair.accessKeyId, ACCESS_KEY_ENV);
    validateCredential(pair.secretKey, SECRET_KEY_ENV);
    plan = { names, label, timeoutMs, pollMs, pair, check, ssm: ssmClientFromEnvironment(env) };
  } catch (error) {
    if (error instanceof InputError) return reportUsageError('rotate', error, io);
    throw error;
  }

  const { names, label, ssm } = plan;
  try {
    if (plan.check) {
      say(`checking the new pair against ${plan.check.connection.endpoint} bucket '${plan.check.bucket}' before writing anything...`);
      const run = await runMinioChecks(plan.check, DEFAULT_CHECK_OPTIONS);
      say(renderHumanReport(run).join('\n'));
      if (run.failure) {
        io.stderr(`alluxio-minio rotate: the new pair does not work against MinIO (${run.failure.code}); nothing was written\n`);
        return 1;
      }
    }
    const before = await readRotationStatus(ssm, names, label);
    const startedAt = new Date().toISOString();
    const parameters = new SsmParameters(ssm);
    const kms = { kmsKeyId: values['kms-key-id'], kmsKeyInput: '--kms-key-id' };
    // The access key first: the function waits for the second half, which follows at once.
    const access = await parameters.putSecureStringIfChanged(names.accessKey, plan.pair.accessKeyId, ACCESS_KEY_ENV, kms, false);
    const secret = await parameters.putSecureStringIfChanged(names.secretKey, plan.pair.secretKey, SECRET_KEY_ENV, kms, false);
    say(
      `wrote ${names.accessKey} version ${access.version} and ${names.secretKey} version ${secret.version} ` +
        `(was ${before.accessKey.currentVersion} and ${before.secretKey.currentVersion})`,
    );
    if (values['no-follow']) {
      say(`not following; run 'alluxio-minio status' to see the outcome`);
      return 0;
    }
    return await follow(plan, startedAt, access.version, secret.version, say, io.stderr);
  } catch (error) {
    io.stderr(`alluxio-minio rotate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    ssm.destroy();
  }
};

async function follow(
  plan: RotatePlan,
  startedAt: string,
  accessVersion: number,
  secretVersion: number,
  say: (line: string) => void,
  stderr: (text: string) => void,
): Promise<number> {
  say(`following the rotation (up to ${Math.round(plan.timeoutMs / 1000)} s)...`);
  const deadline = Date.now() + plan.timeoutMs;
  let lastLine = '';
  for (;;) {
    const status = await readRotationStatus(plan.ssm, plan.names, plan.label);
    const record = status.lastRotation;
    const line = `  ${formatKeyStatus(status.accessKey, plan.label)}; ${formatKeyStatus(status.secretKey, plan.label)}`;
    if (line !== lastLine) say(line);
    lastLine = line;
    if (record && concernsThisRotation(record, startedAt, accessVersion, secretVersion)) {
      if (isFailureOutcome(record.outcome)) {
        stderr(
          `alluxio-minio rotate: rotation ${record.outcome}${record.code ? ` (${record.code})` : ''}: ` +
            (record.outcome === 'rolled-back' ? `the last-known-good pair is back as versions ${record.accessKeyVersion} / ${record.secretKeyVersion}. ` : '') +
            "The reason is in the SNS notification and the rotation function's logs\n",
        );
        return 1;
      }
      say(`rotation ${record.outcome}: '${plan.label}' now on access key version ${record.accessKeyVersion} and secret key version ${record.secretKeyVersion}`);
      return 0;
    }
    if (Date.now() + plan.pollMs > deadline) {
      stderr(
        `alluxio-minio rotate: no rotation outcome within ${Math.round(plan.timeoutMs / 1000)} s. ` +
          "Fix: check that the stack's CredentialRotation function is deployed and subscribed, then run 'alluxio-minio status'\n",
      );
      return 1;
    }
    await sleep(plan.pollMs);
  }
}

/** A record written after this command wrote, covering the versions it wrote (a rollback writes newer ones). */
function concernsThisRotation(record: RotationRecord, startedAt: string, accessVersion: number, secretVersion: number): boolean {
  return record.at >= startedAt && record.accessKeyVersion >= accessVersion && record.secretKeyVersion >= secretVersion;
}
