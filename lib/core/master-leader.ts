/*
 * Which of several Alluxio masters leads, from what their web ports answered. Alluxio 2.9 serves its
 * web port (GET /api/v1/master/info) only on the primary: a standby accepts the connection and closes
 * it without an HTTP answer. So the leader is the master whose answer is a MasterInfo document. Pure:
 * the health check, the status command and the rotation fetch, this decides.
 */

import { InputError } from './input-error';

/** What one master's web port answered to GET /api/v1/master/info. */
export interface MasterInfoAnswer {
  /** `host:port` asked. */
  readonly address: string;
  readonly status?: number;
  readonly body?: string;
  /** Node's error code when no HTTP answer came (a standby's closed connection is ECONNRESET). */
  readonly errno?: string;
  readonly timedOut?: boolean;
}

// `host`, `host:port` or `[v6]:port`: what becomes http://<address>/api/v1/master/info.
const MASTER_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/;

/**
 * The `host[:port]` entries of a comma-separated list (one entry is the single-master form); `input`
 * names the property or option in the error a bad list gets.
 */
export function parseMasterAddressList(text: string, input: string): string[] {
  const addresses = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = addresses.find((address) => !MASTER_ADDRESS.test(address));
  const fix =
    "give the master's host and web port, or every master's separated by commas, e.g. master-0.alluxio.internal:19999,master-1.alluxio.internal:19999";
  if (addresses.length === 0) throw new InputError(input, `${JSON.stringify(text)} names no master`, fix);
  if (bad !== undefined) throw new InputError(input, `${JSON.stringify(bad)} is not HOST or HOST:PORT`, fix);
  if (new Set(addresses).size !== addresses.length) throw new InputError(input, `${JSON.stringify(text)} names a master twice`, 'name each master once');
  return addresses;
}

/** The parsed document when `body` is a MasterInfo document (alluxio.wire.AlluxioMasterInfo), else undefined. */
export function masterInfoDocument(body: string | undefined): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  try {
    const info = JSON.parse(body) as unknown;
    if (typeof info !== 'object' || info === null || Array.isArray(info)) return undefined;
    const record = info as Record<string, unknown>;
    // Both are always present in a 2.9 MasterInfo; a proxy's or another service's JSON has neither.
    return typeof record.mountPoints === 'object' && record.mountPoints !== null && Array.isArray(record.workers) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this answer is the leader's: HTTP 200 with a MasterInfo document. */
export function answersAsLeader(answer: MasterInfoAnswer): boolean {
  return answer.status === 200 && masterInfoDocument(answer.body) !== undefined;
}

/** Indexes (into `answers`) of the masters answering as leader: none while an election runs, two in a split brain. */
export function leaderIndexes(answers: readonly MasterInfoAnswer[]): number[] {
  return answers.flatMap((answer, index) => (answersAsLeader(answer) ? [index] : []));
}

/** Live workers a MasterInfo document lists (its `workers`: the block master's live workers; lost ones are in `lostWorkers`). */
export function liveWorkerCount(body: string | undefined): number | undefined {
  const info = masterInfoDocument(body);
  return info ? (info.workers as unknown[]).length : undefined;
}

/** Why a master did not answer as leader, in a few words for a finding or a log line. */
export function whyNotLeader(answer: MasterInfoAnswer): string {
  if (answer.timedOut) return 'no answer within the timeout';
  if (answer.errno === 'ECONNRESET') return 'accepted the connection and closed it without an HTTP answer (as a standby does)';
  if (answer.errno) return answer.errno;
  if (answer.status !== 200) return `HTTP ${answer.status ?? 'no status'}`;
  return 'the answer is not a MasterInfo document';
}
