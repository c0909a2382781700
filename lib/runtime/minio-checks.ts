import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, Socket } from 'node:net';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ALLUXIO_PORTS } from '../core/alluxio-container';
import {
  DEFAULT_ROOT_UFS_PROPERTY,
  diagnose,
  DiagnosisContext,
  Finding,
  formatFinding,
  livenessApplies,
  Observation,
  S3Observation,
  S3Operation,
} from '../core/diagnose';
import { CheckResult, CheckRun, CheckStatus } from '../core/health-report';
import { answersAsLeader, leaderIndexes, liveWorkerCount, MasterInfoAnswer, whyNotLeader } from '../core/master-leader';
import { validateDirectory, validateEndpoint } from '../core/validate';
import { connectionSecrets, createMinioS3Client, MinioConnection } from './s3-client';

/** What to check: a MinIO endpoint, bucket and directory, and optionally the Alluxio master using them. */
export interface MinioCheckTarget {
  readonly connection: MinioConnection;
  readonly bucket: string;
  /** Directory inside the bucket; '' or undefined for the bucket root. */
  readonly directory?: string;
  /**
   * `host[:port]` of each Alluxio master's web port (19999 when no port is given). With one, that master
   * is checked; with several, every one is asked and the one answering a MasterInfo document (the
   * leader: standbys serve no web port) is checked.
   */
  readonly alluxioMasters?: readonly string[];
  /** When set, the (leading) master must list at least this many live workers. */
  readonly expectedWorkers?: number;
  /** The root UFS the master should have mounted; defaults to `s3://<bucket>/<directory>`. */
  readonly expectedRootUfs?: string;
  /** The key the root UFS is rendered under (differs between Alluxio 2.x and 3xx). */
  readonly rootUfsProperty?: string;
}

/** Bounds for one run. Every network operation gets the smaller of its own bound and what is left of the run. */
export interface MinioCheckOptions {
  /** A TCP connect (and the SDK's connect phase). */
  readonly connectTimeoutMs: number;
  /** A whole HTTP or S3 call, connect included, until the last byte of the answer. */
  readonly requestTimeoutMs: number;
  readonly totalTimeoutMs: number;
}

// Loopback and in-VPC answers take milliseconds; these bounds only matter for a silent server, where the
// verdict (TIMEOUT) must still come within seconds. The health-check Lambda retries a TIMEOUT until its deadline.
export const DEFAULT_CHECK_OPTIONS: MinioCheckOptions = { connectTimeoutMs: 1000, requestTimeoutMs: 2500, totalTimeoutMs: 20000 };

/** Where the probe object goes; the random part keeps concurrent runs apart. */
export const PROBE_OBJECT_PREFIX = '.alluxio-minio-probe-';

const MAX_HTTP_BODY_BYTES = 4 * 1024 * 1024;

/** A diagnosed failure thrown by a runtime operation; its message is {@link formatFinding}'s sentence. */
export class FindingError extends Error {
  constructor(public readonly finding: Finding) {
    super(formatFinding(finding));
    this.name = 'FindingError';
  }
}

interface CheckOutcome {
  readonly status: CheckStatus;
  readonly message: string;
  readonly finding?: Finding;
}

interface RunState {
  readonly target: MinioCheckTarget;
  readonly options: MinioCheckOptions;
  readonly ctx: DiagnosisContext;
  readonly deadline: number;
  readonly scheme: 'http' | 'https';
  /** Without IPv6 brackets, as node:net and node:dns take it. */
  readonly host: string;
  readonly port: number;
  readonly s3: S3Client;
}

type Check = (state: RunState) => Promise<CheckOutcome>;

/**
 * Runs the checks in order and stops at the first failure: endpoint (DNS + TCP), MinIO liveness,
 * bucket (HeadBucket, path style), virtual-host DNS (informational), directory (put, get, delete of a
 * probe object), Alluxio master root mount (when a master is given). The target is assumed validated
 * (the callers validate their inputs with lib/core/validate first).
 */
export async function runMinioChecks(target: MinioCheckTarget, options: MinioCheckOptions = DEFAULT_CHECK_OPTIONS): Promise<CheckRun> {
  const endpoint = validateEndpoint(target.connection.endpoint);
  const directory = validateDirectory(target.directory);
  const ctx: DiagnosisContext = {
    endpoint: endpoint.url,
    bucket: target.bucket,
    directory,
    rootUfsProperty: target.rootUfsProperty ?? DEFAULT_ROOT_UFS_PROPERTY,
  };
  const s3 = createMinioS3Client(target.connection, {
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const state: RunState = {
    target: { ...target, directory },
    options,
    ctx,
    deadline: Date.now() + options.totalTimeoutMs,
    scheme: endpoint.scheme,
    host: endpoint.host.replace(/^\[(.*)\]$/, '$1'),
    port: endpoint.effectivePort,
    s3,
  };
  const checks: Array<[string, Check]> = [
    ['endpoint', checkEndpointReachable],
    ['liveness', checkMinioLiveness],
    ['bucket', checkBucket],
  ];
  if (isIP(state.host) === 0) checks.push(['virtual-host-dns', checkVirtualHostDns]);
  checks.push(['directory', checkDirectoryWritable]);
  if (target.alluxioMasters && target.alluxioMasters.length > 0) checks.push(['alluxio-master', checkAlluxioMaster]);

  const results: CheckResult[] = [];
  try {
    for (const [index, [id, check]] of checks.entries()) {
      const started = Date.now();
      const outcome = await check(state);
      results.push({ id, ...outcome, ms: Date.now() - started });
      if (outcome.status === 'fail') {
        return { checks: results, failure: outcome.finding, notRun: checks.length - index - 1 };
      }
    }
    return { checks: results, notRun: 0 };
  } finally {
    s3.destroy();
  }
}

function remaining(state: RunState, boundMs: number): number {
  return Math.max(1, Math.min(boundMs, state.deadline - Date.now()));
}

function judge(observation: Observation, state: RunState, passMessage: string): CheckOutcome {
  const finding = diagnose(observation, state.ctx);
  return finding ? { status: 'fail', message: finding.cause, finding } : { status: 'pass', message: passMessage };
}

/** A promise bounded in time; `onTimeout` gives what a timed-out operation counts as. */
async function bounded<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errnoOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.name === 'string') return e.name;
  return 'UNKNOWN';
}

/** Resolves a host name (IP literals pass through); undefined address means it failed, with errno or timedOut. */
async function lookupHost(host: string, ms: number): Promise<{ address?: string; errno?: string; timedOut?: boolean }> {
  if (isIP(host) !== 0) return { address: host };
  return bounded<{ address?: string; errno?: string; timedOut?: boolean }>(
    dns.lookup(host).then(
      (r) => ({ address: r.address }),
      (error: unknown) => ({ errno: errnoOf(error) }),
    ),
    ms,
    () => ({ timedOut: true }),
  );
}

function connectTcp(host: string, port: number, ms: number): Promise<{ errno?: string; timedOut?: boolean }> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (result: { errno?: string; timedOut?: boolean }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(ms, () => finish({ timedOut: true }));
    socket.once('connect', () => finish({}));
    socket.once('error', (error) => finish({ errno: errnoOf(error) }));
    socket.connect(port, host);
  });
}

async function checkEndpointReachable(state: RunState): Promise<CheckOutcome> {
  const lookup = await lookupHost(state.host, remaining(state, state.options.connectTimeoutMs));
  if (lookup.address === undefined) {
    return judge({ kind: 'dns', host: state.host, purpose: 'endpoint', errno: lookup.errno, timedOut: lookup.timedOut }, state, '');
  }
  const tcp = await connectTcp(lookup.address, state.port, remaining(state, state.options.connectTimeoutMs));
  const resolved = lookup.address === state.host ? '' : ` resolves to ${lookup.address} and`;
  return judge({ kind: 'tcp', host: state.host, port: state.port, ...tcp }, state, `${state.host}${resolved} accepts connections on port ${state.port}`);
}

export interface HttpAnswer {
  readonly status?: number;
  readonly body?: string;
  readonly errno?: string;
  readonly timedOut?: boolean;
}

/** One GET, bounded as a whole (connect + answer + body); never throws. */
export function httpGet(url: string, ms: number): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: HttpAnswer) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      }
    };
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { headers: { accept: 'application/json' }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_HTTP_BODY_BYTES) {
          request.destroy();
          settle({ status: response.statusCode, errno: 'BODY_TOO_LARGE' });
        } else {
          chunks.push(chunk);
        }
      });
      response.on('end', () => settle({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error) => settle({ errno: errnoOf(error) }));
    });
    const timer = setTimeout(() => {
      settle({ timedOut: true });
      request.destroy();
    }, ms);
    request.on('error', (error) => settle({ errno: errnoOf(error) }));
  });
}

function baseUrl(state: RunState): string {
  const host = isIP(state.host) === 6 ? `[${state.host}]` : state.host;
  return `${state.scheme}://${host}:${state.port}`;
}

async function checkMinioLiveness(state: RunState): Promise<CheckOutcome> {
  const url = `${baseUrl(state)}/minio/health/live`;
  const answer = await httpGet(url, remaining(state, state.options.requestTimeoutMs));
  const observation = { kind: 'liveness' as const, url, status: answer.status, errno: answer.errno, timedOut: answer.timedOut };
  if (!livenessApplies(observation)) {
    return { status: 'skip', message: `the server has no MinIO liveness endpoint (HTTP ${answer.status}); the S3 checks below decide` };
  }
  return judge(observation, state, 'MinIO reports itself live (/minio/health/live)');
}

/**
 * An S3 SDK failure reduced to plain data for the diagnosis. `secrets` are cut out of the server's
 * message before it can reach a finding (a server could echo what it was sent).
 */
export function observeS3Error(operation: S3Operation, error: unknown, secrets: readonly string[], key?: string): S3Observation {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: unknown };
  let message = typeof e?.message === 'string' ? e.message : undefined;
  for (const secret of secrets) {
    if (message && secret) message = message.split(secret).join('***');
  }
  const httpStatus = e?.$metadata?.httpStatusCode;
  const aborted = e?.name === 'AbortError';
  if (httpStatus === undefined || aborted) {
    // No HTTP answer: a network failure. Node puts its errno in `code`; the SDK names timeouts TimeoutError.
    const timedOut = aborted || e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT';
    return { kind: 's3', operation, key, timedOut, errno: timedOut ? undefined : (e?.code ?? e?.name ?? 'UNKNOWN'), message };
  }
  return { kind: 's3', operation, key, httpStatus, code: e?.name, message };
}

/**
 * Bounds one S3 call by the run's clock as well as the client's own timeouts: the SDK's requestTimeout
 * only logs a warning unless throwOnRequestTimeout is set, so alone it never ends a silent request.
 */
export async function withAbortAfter<T>(ms: number, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

function s3Bound(state: RunState): number {
  return remaining(state, state.options.requestTimeoutMs);
}

function secretsOf(state: RunState): string[] {
  return connectionSecrets(state.target.connection);
}

async function checkBucket(state: RunState): Promise<CheckOutcome> {
  const { bucket } = state.target;
  try {
    await withAbortAfter(s3Bound(state), (abortSignal) => state.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }));
    return { status: 'pass', message: `bucket '${bucket}' exists and the keys may access it (path-style addressing)` };
  } catch (error) {
    let observation = observeS3Error('HeadBucket', error, secretsOf(state));
    if (observation.httpStatus === 403 || observation.httpStatus === 404) {
      // HEAD answers carry no body, so a 403 cannot say whether the key is unknown, the secret wrong or
      // the policy too narrow, and some servers (versitygw) answer an unknown key with 404. A one-key
      // listing of the directory asks the same question and gets an error code in the body.
      try {
        await withAbortAfter(s3Bound(state), (abortSignal) =>
          state.s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1, Prefix: prefixOf(state) }), { abortSignal }),
        );
      } catch (listError) {
        const listed = observeS3Error('ListObjectsV2', listError, secretsOf(state));
        if (listed.httpStatus !== undefined && listed.code) observation = listed;
      }
    }
    return judge(observation, state, '');
  }
}

function prefixOf(state: RunState): string {
  return state.ctx.directory ? `${state.ctx.directory}/` : '';
}

async function checkVirtualHostDns(state: RunState): Promise<CheckOutcome> {
  const name = `${state.target.bucket}.${state.host}`;
  const lookup = await lookupHost(name, remaining(state, state.options.connectTimeoutMs));
  if (lookup.address !== undefined) {
    return { status: 'pass', message: `${name} resolves; virtual-host addressing would work too, path-style is used anyway` };
  }
  const finding = diagnose({ kind: 'dns', host: name, purpose: 'virtual-host', errno: lookup.errno, timedOut: lookup.timedOut }, state.ctx);
  return { status: 'info', message: finding!.cause, finding };
}

async function checkDirectoryWritable(state: RunState): Promise<CheckOutcome> {
  const { bucket } = state.target;
  const key = `${prefixOf(state)}${PROBE_OBJECT_PREFIX}${randomBytes(6).toString('hex')}`;
  const body = `alluxio-minio health probe ${new Date().toISOString()}`;
  try {
    await withAbortAfter(s3Bound(state), (abortSignal) =>
      state.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }), { abortSignal }),
    );
  } catch (error) {
    return judge(observeS3Error('PutObject', error, secretsOf(state), key), state, '');
  }
  let readFailure: CheckOutcome | undefined;
  try {
    // The body is read inside the same bound: a server may send headers and then stall.
    const text = await withAbortAfter(s3Bound(state), async (abortSignal) => {
      const got = await state.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
      return bounded<string | undefined>(got.Body?.transformToString() ?? Promise.resolve(''), s3Bound(state), () => undefined);
    });
    if (text === undefined) {
      readFailure = judge({ kind: 's3', operation: 'GetObject', key, timedOut: true }, state, '');
    } else if (text !== body) {
      readFailure = judge({ kind: 's3', operation: 'GetObject', key, httpStatus: 200, contentMismatch: true }, state, '');
    }
  } catch (error) {
    readFailure = judge(observeS3Error('GetObject', error, secretsOf(state), key), state, '');
  }
  // Delete even after a failed read (the write succeeded: a failed one returned above), so a failing run
  // leaves no litter when it may delete.
  try {
    await withAbortAfter(s3Bound(state), (abortSignal) => state.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
  } catch (error) {
    return readFailure ?? judge(observeS3Error('DeleteObject', error, secretsOf(state), key), state, '');
  }
  return readFailure ?? { status: 'pass', message: `wrote, read back and deleted s3://${bucket}/${key}` };
}

/** `host[:port]` → host and port, defaulting to Alluxio's master web port. */
export function parseMasterAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(address.trim());
  if (!match) return { host: address, port: ALLUXIO_PORTS.masterWeb };
  return { host: match[1], port: match[2] ? Number(match[2]) : ALLUXIO_PORTS.masterWeb };
}

/** `mountPoints["/"].ufsUri` from a MasterInfo document (alluxio.wire.AlluxioMasterInfo), if it has one. */
export function rootUfsFromMasterInfo(body: string): string | undefined {
  try {
    const info = JSON.parse(body) as { mountPoints?: Record<string, { ufsUri?: unknown }> };
    const uri = info?.mountPoints?.['/']?.ufsUri;
    return typeof uri === 'string' ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** `host:port` (the web port's default filled in) of a master address as given. */
export function masterWebAddress(address: string): string {
  const { host, port } = parseMasterAddress(address);
  return `${host}:${port}`;
}

/** GET /api/v1/master/info of every master at once, each bounded by `ms`; never throws. */
export async function askMasters(addresses: readonly string[], ms: number): Promise<MasterInfoAnswer[]> {
  return Promise.all(
    addresses.map(async (given) => {
      const address = masterWebAddress(given);
      const answer = await httpGet(`http://${address}/api/v1/master/info`, ms);
      return { address, ...answer };
    }),
  );
}

/**
 * The master's root mount, and its live workers when a count is expected. With several masters, all
 * are asked in parallel and only the leader's answer is judged; none or two leading is a finding.
 */
async function checkAlluxioMaster(state: RunState): Promise<CheckOutcome> {
  const masters = state.target.alluxioMasters!;
  const expectedRootUfs =
    state.target.expectedRootUfs ?? (state.ctx.directory ? `s3://${state.target.bucket}/${state.ctx.directory}` : `s3://${state.target.bucket}`);
  const answers = await askMasters(masters, remaining(state, state.options.requestTimeoutMs));
  let answer = answers[0];
  let among = '';
  if (answers.length > 1) {
    const leaders = leaderIndexes(answers);
    const quorum = judge(
      { kind: 'alluxio-leader', answers: answers.map((a) => ({ address: a.address, leader: answersAsLeader(a), why: whyNotLeader(a) })) },
      state,
      '',
    );
    if (quorum.status === 'fail') return quorum;
    answer = answers[leaders[0]];
    among = ` (the leader of ${answers.map((a) => a.address).join(', ')})`;
  }
  const { address } = answer;
  const rootUfsUri = answer.body !== undefined ? rootUfsFromMasterInfo(answer.body) : undefined;
  const mount = judge(
    {
      kind: 'alluxio-master',
      address,
      status: answer.status,
      errno: answer.errno,
      timedOut: answer.timedOut,
      malformed: answer.status === 200 && rootUfsUri === undefined,
      rootUfsUri,
      expectedRootUfs,
    },
    state,
    `the master at ${address}${among} has ${rootUfsUri} mounted at /, as rendered`,
  );
  const expected = state.target.expectedWorkers;
  if (mount.status === 'fail' || expected === undefined) return mount;
  const live = liveWorkerCount(answer.body) ?? 0;
  return judge({ kind: 'alluxio-workers', address, live, expected }, state, `${mount.message}; ${live}/${expected} workers live`);
}
