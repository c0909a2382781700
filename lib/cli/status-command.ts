import { clusterStatusFromMasterInfo, formatClusterStatus } from '../core/cluster-status';
import { InputError } from '../core/input-error';
import { leaderIndexes, MasterInfoAnswer, parseMasterAddressList, whyNotLeader } from '../core/master-leader';
import { isFailureOutcome } from '../core/rotation-plan';
import { ssmClientFromEnvironment } from '../runtime/credential-source';
import { askMasters } from '../runtime/minio-checks';
import { KeyStatus, readRotationStatus, RotationStatus } from '../runtime/rotation-status';
import { ROTATION_PARAMETER_OPTIONS, ROTATION_PARAMETER_USAGE, rotationLabel, rotationParameterNames } from './rotation-options';
import { parseCommandArguments, reportUsageError } from './cli-arguments';
import { CliCommand } from './cli-command';

const USAGE = `usage: alluxio-minio status (--prefix P | --access-key-parameter A --secret-key-parameter S --site-properties-parameter N) [--json]
       alluxio-minio status --cluster HOST[:PORT][,HOST[:PORT]...] [--json]

Shows the key parameters' versions, where the last-known-good label is, and the last rotation's outcome.
No value is read or printed. With --cluster: the running cluster as its master's web port reports it
(live and lost workers, cache capacity per tier, cache hit ratio since the master started). Several
masters: all are asked, and the leader (the one answering: standbys serve no web port) reports.

options:
${ROTATION_PARAMETER_USAGE}
  --cluster HOST[:PORT][,...]        the Alluxio master's web address, or every master's (port 19999 unless given)
  --json                             print one JSON document
  -h, --help                         show this help

Exit status: 0 the last rotation (if any) succeeded, 1 it failed or SSM could not be read, 2 usage error.
With --cluster: 0 at least one worker is live, 1 none is or no master answered (or two did).
`;

const OPTIONS = { ...ROTATION_PARAMETER_OPTIONS, cluster: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** How long the master's answer may take, connect to body. */
const MASTER_INFO_TIMEOUT_MS = 10_000;

async function clusterStatus(addresses: string[], json: boolean | undefined, io: Parameters<CliCommand>[2]): Promise<number> {
  const answers = await askMasters(addresses, MASTER_INFO_TIMEOUT_MS);
  const why = (answer: MasterInfoAnswer) => (answer.timedOut ? `no answer within ${MASTER_INFO_TIMEOUT_MS / 1000} s` : whyNotLeader(answer));
  let answer = answers[0];
  let standbys: string[] | undefined;
  if (answers.length > 1) {
    const leaders = leaderIndexes(answers);
    if (leaders.length !== 1) {
      const asked = answers.map((a) => `${a.address}: ${leaders.includes(answers.indexOf(a)) ? 'answers as the leader' : why(a)}`).join('; ');
      io.stderr(
        `alluxio-minio status: ` +
          `${leaders.length === 0 ? 'no master is the leader (yet)' : `${leaders.length} masters answer as the leader (split brain)`} (${asked})\n`,
      );
      return 1;
    }
    answer = answers[leaders[0]];
    standbys = answers.filter((a) => a !== answer).map((a) => a.address);
  } else if (answer.status !== 200 || answer.body === undefined) {
    const reason = answer.timedOut ? `no answer within ${MASTER_INFO_TIMEOUT_MS / 1000} s` : (answer.errno ?? `HTTP ${answer.status}`);
    io.stderr(`alluxio-minio status: the master at ${answer.address} did not answer GET /api/v1/master/info (${reason})\n`);
    return 1;
  }
  const { address } = answer;
  let status;
  try {
    status = clusterStatusFromMasterInfo(answer.body!);
  } catch (error) {
    io.stderr(`alluxio-minio status: ${address}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (json) {
    io.stdout(`${JSON.stringify({ master: address, ...(standbys ? { leader: address, standbys } : {}), ...status })}\n`);
  } else {
    const lines = formatClusterStatus(address, status);
    if (standbys) lines.splice(1, 0, `leader      ${address} (standbys: ${standbys.join(', ')})`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  return status.liveWorkers.length > 0 ? 0 : 1;
}

export function formatKeyStatus(key: KeyStatus, label: string): string {
  const where =
    key.labelledVersion === undefined
      ? `no '${label}' label yet`
      : key.labelledVersion === key.currentVersion
        ? `'${label}' on the current version`
        : `'${label}' on version ${key.labelledVersion} ` +
          `(${key.currentVersion - key.labelledVersion} behind; ${key.writesLeft} more writes before SSM's 100-version limit blocks them)`;
  return `${key.name}: version ${key.currentVersion}, ${where}`;
}

export function formatRotationStatus(status: RotationStatus, label: string): string[] {
  const last = status.lastRotation;
  return [
    formatKeyStatus(status.accessKey, label),
    formatKeyStatus(status.secretKey, label),
    `site properties: ${status.siteProperties === undefined ? 'not rendered yet' : `${status.siteProperties.name}, version ${status.siteProperties.version}`}`,
    last
      ? `last rotation: ${last.outcome}${last.code ? ` (${last.code})` : ''} at ${last.at}, ` +
        `keys access v${last.accessKeyVersion} / secret v${last.secretKeyVersion}`
      : 'last rotation: none recorded',
  ];
}

export const statusCommand: CliCommand = async (args, env, io) => {
  const parsed = parseCommandArguments({ name: 'status', options: OPTIONS, usage: USAGE }, args, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (values.cluster !== undefined) {
    let addresses;
    try {
      addresses = parseMasterAddressList(values.cluster, '--cluster');
    } catch (error) {
      if (error instanceof InputError) return reportUsageError('status', error, io);
      throw error;
    }
    return clusterStatus(addresses, values.json, io);
  }
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
