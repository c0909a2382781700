import { InputError } from '../core/input-error';
import { isFailureOutcome } from '../core/rotation-plan';
import { ssmClientFromEnvironment } from '../runtime/credential-source';
import { KeyStatus, readRotationStatus, RotationStatus } from '../runtime/rotation-status';
import { ROTATION_PARAMETER_OPTIONS, ROTATION_PARAMETER_USAGE, rotationLabel, rotationParameterNames } from './rotation-options';
import { parseCommandArguments, reportUsageError } from './cli-arguments';
import { CliCommand } from './run-cli';

const USAGE = `usage: alluxio-minio status (--prefix P | --access-key-parameter A --secret-key-parameter S --site-properties-parameter N) [--json]

Shows the key parameters' versions, where the last-known-good label is, and the last rotation's outcome.
No value is read or printed.

options:
${ROTATION_PARAMETER_USAGE}
  --json                             print one JSON document
  -h, --help                         show this help

Exit status: 0 the last rotation (if any) succeeded, 1 it failed or SSM could not be read, 2 usage error.
`;

const OPTIONS = { ...ROTATION_PARAMETER_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export function formatKeyStatus(key: KeyStatus, label: string): string {
  const where =
    key.labelledVersion === undefined
      ? `no '${label}' label yet`
      : key.labelledVersion === key.currentVersion
        ? `'${label}' on the current version`
        : `'${label}' on version ${key.labelledVersion} (${key.currentVersion - key.labelledVersion} behind; ${key.writesLeft} more writes before SSM's 100-version limit blocks them)`;
  return `${key.name}: version ${key.currentVersion}, ${where}`;
}

export function formatRotationStatus(status: RotationStatus, label: string): string[] {
  const last = status.lastRotation;
  return [
    formatKeyStatus(status.accessKey, label),
    formatKeyStatus(status.secretKey, label),
    `site properties: ${status.siteProperties === undefined ? 'not rendered yet' : `${status.siteProperties.name}, version ${status.siteProperties.version}`}`,
    last
      ? `last rotation: ${last.outcome}${last.code ? ` (${last.code})` : ''} at ${last.at}, keys access v${last.accessKeyVersion} / secret v${last.secretKeyVersion}`
      : 'last rotation: none recorded',
  ];
}

export const statusCommand: CliCommand = async (args, env, io) => {
  const parsed = parseCommandArguments({ name: 'status', options: OPTIONS, usage: USAGE }, args, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { values } = parsed;
  let names;
  let label;
  let ssm;
  try {
    names = rotationParameterNames(values);
    label = rotationLabel(values);
    ssm = ssmClientFromEnvironment(env);
  } catch (error) {
    if (error instanceof InputError) return reportUsageError('status', error, io);
    throw error;
  }
  try {
    const status = await readRotationStatus(ssm, names, label);
    if (values.json) {
      io.stdout(`${JSON.stringify({ label, ...status, accessKey: jsonKey(status.accessKey), secretKey: jsonKey(status.secretKey) })}\n`);
    } else {
      io.stdout(`${formatRotationStatus(status, label).join('\n')}\n`);
    }
    return status.lastRotation && isFailureOutcome(status.lastRotation.outcome) ? 1 : 0;
  } catch (error) {
    io.stderr(`alluxio-minio status: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    ssm.destroy();
  }
};

function jsonKey(key: KeyStatus): Record<string, unknown> {
  // Infinity is not JSON.
  return { ...key, writesLeft: Number.isFinite(key.writesLeft) ? key.writesLeft : null };
}
