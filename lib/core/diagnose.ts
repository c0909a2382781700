/**
 * Pure diagnosis: what a DNS lookup, a TCP connect, an HTTP call or an S3 call returned, passed in as
 * plain data, mapped to a finding that names a stable code, the cause in one line, the Alluxio property
 * to fix and how. No I/O here: the health-check handler, the doctor command and the tests share it, so
 * one failure mode reads the same everywhere.
 *
 * No secret ever reaches this module: observations carry error codes, statuses and host names, never
 * credentials, and server messages are only quoted for responses no rule recognises.
 */

import { V2_ROOT_UFS_KEY } from './alluxio-version';

/** Stable codes; the README's troubleshooting table and deploy failures use exactly these strings. */
export const FindingCodes = {
  NO_SUCH_BUCKET: 'NO_SUCH_BUCKET',
  DNS_RESOLUTION: 'DNS_RESOLUTION',
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  REQUEST_FORBIDDEN: 'REQUEST_FORBIDDEN',
  TIMEOUT: 'TIMEOUT',
  TLS_ERROR: 'TLS_ERROR',
  DIRECTORY_NOT_WRITABLE: 'DIRECTORY_NOT_WRITABLE',
  SERVER_NOT_READY: 'SERVER_NOT_READY',
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
  ALLUXIO_MASTER_UNREACHABLE: 'ALLUXIO_MASTER_UNREACHABLE',
  ALLUXIO_ROOT_MOUNT_MISMATCH: 'ALLUXIO_ROOT_MOUNT_MISMATCH',
  ALLUXIO_NO_LEADER: 'ALLUXIO_NO_LEADER',
  ALLUXIO_SPLIT_BRAIN: 'ALLUXIO_SPLIT_BRAIN',
  ALLUXIO_WORKERS_MISSING: 'ALLUXIO_WORKERS_MISSING',
} as const;

export type FindingCode = (typeof FindingCodes)[keyof typeof FindingCodes];

/** Alluxio 2.x root mount key; the 3xx ("dora") releases use alluxio.dora.client.ufs.root instead. */
export const DEFAULT_ROOT_UFS_PROPERTY = V2_ROOT_UFS_KEY;

/** What is known about a code regardless of the observation that produced it. */
export interface FindingCodeInfo {
  /** The heading in the seed guide's Troubleshooting section this code stands for, if any. */
  readonly seedHeading?: string;
  /**
   * True when the same check may pass a little later without anyone changing anything (a server still
   * starting, a name not yet registered): the health check keeps polling until its deadline. False when
   * only a change of configuration can fix it: the deploy fails at once.
   */
  readonly transient: boolean;
  /** One line for the README table: what typically causes it. */
  readonly typicalCause: string;
}

export const FINDING_CODE_INFO: Readonly<Record<FindingCode, FindingCodeInfo>> = {
  NO_SUCH_BUCKET: {
    seedHeading: 'The Specified Bucket Does Not Exist',
    transient: false,
    typicalCause: '404 NoSuchBucket: the bucket named in the root UFS does not exist on the server',
  },
  DNS_RESOLUTION: {
    seedHeading: 'DNS Resolution - Unable to execute HTTP request',
    transient: true,
    typicalCause: 'a host name does not resolve: the endpoint host, or `<bucket>.<host>` with virtual-host addressing',
  },
  CONNECTION_REFUSED: {
    seedHeading: 'Connection Refused - Unable to execute HTTP request',
    transient: true,
    typicalCause: 'nothing listens on the endpoint host and port, or a firewall / security group rejects it',
  },
  REQUEST_FORBIDDEN: {
    seedHeading: 'Request Forbidden',
    transient: false,
    typicalCause: '403 InvalidAccessKeyId / SignatureDoesNotMatch / AccessDenied: wrong or unauthorised keys',
  },
  TIMEOUT: {
    transient: true,
    typicalCause: 'the endpoint accepts connections but does not answer in time (overloaded, wrong port, packet filter)',
  },
  TLS_ERROR: {
    transient: false,
    typicalCause: 'https endpoint with an untrusted or mismatched certificate, or https spoken to a plain-http port',
  },
  DIRECTORY_NOT_WRITABLE: {
    transient: false,
    typicalCause: 'the keys may see the bucket but not write, read or delete objects under the directory',
  },
  SERVER_NOT_READY: {
    transient: true,
    typicalCause: 'MinIO answers its liveness or an S3 call with 5xx: still starting, or lost its drives',
  },
  UNEXPECTED_RESPONSE: {
    transient: false,
    typicalCause: 'the server answered in a way no rule recognises (quoted in the message)',
  },
  ALLUXIO_MASTER_UNREACHABLE: {
    transient: true,
    typicalCause: 'the Alluxio master web port does not answer GET /api/v1/master/info',
  },
  ALLUXIO_ROOT_MOUNT_MISMATCH: {
    transient: false,
    typicalCause: "the master runs with a root mount other than the rendered bucket and directory (not restarted since a change, or another cluster's master)",
  },
  ALLUXIO_NO_LEADER: {
    // An election takes ~30 s after a leader is lost (Alluxio 2.9's default election timeouts).
    transient: true,
    typicalCause: 'none of the masters answers GET /api/v1/master/info: still starting, or electing a leader (only the leader serves its web port)',
  },
  ALLUXIO_SPLIT_BRAIN: {
    // A deposed leader may serve a moment longer while it steps down; one that keeps serving fails at the deadline.
    transient: true,
    typicalCause: 'more than one master answers as the leader: they do not form one quorum (different embedded journal addresses), or one is stepping down',
  },
  ALLUXIO_WORKERS_MISSING: {
    transient: true,
    typicalCause: 'the leading master lists fewer live workers than the deployment runs: workers still starting or registering, or unable to reach the master',
  },
};

/** A diagnosed failure (or, for informational checks, a notable fact). Never carries a secret. */
export interface Finding {
  readonly code: FindingCode;
  /** One line: what is wrong, in terms of this deployment's hosts, bucket and directory. */
  readonly cause: string;
  /** The Alluxio property (or prop) to change. */
  readonly property: string;
  /** What to do. */
  readonly fix: string;
  readonly seedHeading?: string;
  readonly transient: boolean;
}

/** The names a finding may mention: all non-secret. */
export interface DiagnosisContext {
  /** As given, e.g. `http://10.0.0.7:9000`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Without leading or trailing slashes; empty for the bucket's root. */
  readonly directory: string;
  /** The key the root UFS is rendered under; defaults to {@link DEFAULT_ROOT_UFS_PROPERTY}. */
  readonly rootUfsProperty?: string;
}

/** A name lookup. `errno` absent means it resolved. */
export interface DnsObservation {
  readonly kind: 'dns';
  readonly host: string;
  /** `<bucket>.<host>` lookups only explain why path-style is needed; they never fail a run. */
  readonly purpose: 'endpoint' | 'virtual-host' | 'alluxio-master';
  readonly errno?: string;
  readonly timedOut?: boolean;
}

/** A TCP connect to the endpoint. `errno` absent and not timed out means it connected. */
export interface TcpObservation {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly errno?: string;
  readonly timedOut?: boolean;
}

/** An HTTP GET to MinIO's liveness endpoint. */
export interface LivenessObservation {
  readonly kind: 'liveness';
  readonly url: string;
  readonly status?: number;
  readonly errno?: string;
  readonly timedOut?: boolean;
}

export type S3Operation = 'HeadBucket' | 'ListObjectsV2' | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CreateBucket';

/** What an S3 call returned: an HTTP status and S3 error code, or a network failure. */
export interface S3Observation {
  readonly kind: 's3';
  readonly operation: S3Operation;
  readonly httpStatus?: number;
  /** S3 error code (`NoSuchBucket`, `SignatureDoesNotMatch`, ...) or the SDK's name for a body-less answer (`NotFound`). */
  readonly code?: string;
  /** Server message; quoted only when no rule recognises the answer. The caller has already redacted secrets. */
  readonly message?: string;
  /** Node system error code when no HTTP answer came (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`...). */
  readonly errno?: string;
  readonly timedOut?: boolean;
  /** The object key for object operations, so the cause can name it. */
  readonly key?: string;
  /** A GetObject that answered 200 with a body other than the one written. */
  readonly contentMismatch?: boolean;
}

/** GET http://<master>/api/v1/master/info. */
export interface AlluxioMasterObservation {
  readonly kind: 'alluxio-master';
  /** `host:port` of the master's web port. */
  readonly address: string;
  readonly status?: number;
  readonly errno?: string;
  readonly timedOut?: boolean;
  /** The document did not have the shape Alluxio's MasterInfo defines. */
  readonly malformed?: boolean;
  /** `mountPoints["/"].ufsUri` from the answer. */
  readonly rootUfsUri?: string;
  /** The root UFS this deployment rendered, e.g. `s3://datalake/alluxio`. */
  readonly expectedRootUfs: string;
}

/** GET http://<master>/api/v1/master/info asked of every master of a quorum (two or more), in parallel. */
export interface AlluxioLeaderObservation {
  readonly kind: 'alluxio-leader';
  /** One per master, in the order given; `leader` marks an answer that is a MasterInfo document. */
  readonly answers: ReadonlyArray<{ readonly address: string; readonly leader: boolean; readonly why: string }>;
}

/** The live workers the leading master lists, against the count the deployment runs. */
export interface AlluxioWorkersObservation {
  readonly kind: 'alluxio-workers';
  readonly address: string;
  readonly live: number;
  readonly expected: number;
}

export type Observation =
  DnsObservation | TcpObservation | LivenessObservation | S3Observation | AlluxioMasterObservation | AlluxioLeaderObservation | AlluxioWorkersObservation;

const ENDPOINT_PROPERTY = 'alluxio.underfs.s3.endpoint';
const CREDENTIAL_PROPERTIES = 's3a.accessKeyId, s3a.secretKey';
const REGION_PROPERTY = 'alluxio.underfs.s3.endpoint.region';
const DNS_BUCKETS_PROPERTY = 'alluxio.underfs.s3.disable.dns.buckets';
const MASTER_PROPERTY = 'alluxio.master.hostname, alluxio.master.web.port';

const DNS_NOT_FOUND = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'EAI_FAIL', 'ESERVFAIL', 'EAI_AGAIN']);
const CONNECT_FAILED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNRESET', 'EPIPE']);
const TIMED_OUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError', 'RequestTimeout', 'ECONNABORTED']);

function isTlsErrno(errno: string): boolean {
  return (
    errno === 'EPROTO' ||
    errno.startsWith('ERR_SSL') ||
    errno.startsWith('ERR_TLS') ||
    errno.startsWith('CERT_') ||
    errno.includes('SELF_SIGNED') ||
    errno.startsWith('UNABLE_TO_') ||
    errno === 'HOSTNAME_MISMATCH'
  );
}

function finding(code: FindingCode, cause: string, property: string, fix: string): Finding {
  const info = FINDING_CODE_INFO[code];
  return { code, cause, property, fix, seedHeading: info.seedHeading, transient: info.transient };
}

function rootUfsOf(ctx: DiagnosisContext): string {
  return ctx.directory ? `s3://${ctx.bucket}/${ctx.directory}` : `s3://${ctx.bucket}`;
}

function rootProperty(ctx: DiagnosisContext): string {
  return ctx.rootUfsProperty ?? DEFAULT_ROOT_UFS_PROPERTY;
}

function where(ctx: DiagnosisContext): string {
  return ctx.directory ? `s3://${ctx.bucket}/${ctx.directory}/` : `s3://${ctx.bucket}/`;
}

/**
 * Failures below HTTP: the same for S3, liveness and master calls, except for which property names the
 * host (the MinIO endpoint or the Alluxio master).
 */
function diagnoseNetworkFailure(target: string, property: string, errno: string | undefined, timedOut: boolean | undefined): Finding | undefined {
  if (timedOut || (errno !== undefined && TIMED_OUT.has(errno))) {
    return finding(
      'TIMEOUT',
      `${target} accepted the connection or the request but did not answer within the timeout`,
      property,
      `point ${property} at the S3 port of the server (not its console port), ` +
        `and check that the server is not overloaded and no packet filter drops its answers`,
    );
  }
  if (errno === undefined) return undefined;
  if (DNS_NOT_FOUND.has(errno)) {
    return finding(
      'DNS_RESOLUTION',
      `the host of ${target} does not resolve (${errno}) from where the check runs`,
      property,
      `use a host name that resolves inside the VPC (or the server's IP address) in ${property}`,
    );
  }
  if (CONNECT_FAILED.has(errno)) {
    const what = errno === 'ECONNREFUSED' ? 'refused the connection' : `could not be reached (${errno})`;
    return finding(
      'CONNECTION_REFUSED',
      `${target} ${what}: nothing listens there, or a firewall or security group blocks it`,
      property,
      `check host and port in ${property} (a missing port means 80 for http and 443 for https) and that the security group lets this client in`,
    );
  }
  if (isTlsErrno(errno)) {
    return finding(
      'TLS_ERROR',
      `the TLS handshake with ${target} failed (${errno})`,
      property,
      `use http:// in ${property} if the server does not speak TLS, or give it a certificate for that host name signed by a trusted CA`,
    );
  }
  return finding('UNEXPECTED_RESPONSE', `${target} failed with ${errno}`, property, `check ${property} and that the server is an S3-compatible endpoint`);
}

function diagnoseS3(obs: S3Observation, ctx: DiagnosisContext): Finding | undefined {
  const target = ctx.endpoint;
  const network = diagnoseNetworkFailure(target, ENDPOINT_PROPERTY, obs.errno, obs.timedOut);
  if (network) return network;
  if (obs.contentMismatch) {
    return finding(
      'DIRECTORY_NOT_WRITABLE',
      `an object written to ${obj(obs, ctx)} read back with different content`,
      rootProperty(ctx),
      'check that no proxy or gateway in front of the server rewrites objects, and that the endpoint is the S3 API',
    );
  }
  const status = obs.httpStatus;
  const code = obs.code ?? '';
  if (status === undefined || (status >= 200 && status < 300)) {
    return code ? finding('UNEXPECTED_RESPONSE', `${obs.operation} failed with ${code}`, ENDPOINT_PROPERTY, `check ${ENDPOINT_PROPERTY}`) : undefined;
  }
  if (code === 'NoSuchBucket' || (obs.operation === 'HeadBucket' && status === 404)) {
    return finding(
      'NO_SUCH_BUCKET',
      `bucket '${ctx.bucket}' does not exist on ${target}`,
      `${rootProperty(ctx)} (bucket part)`,
      `create bucket '${ctx.bucket}' (or let the construct create it with createBucket) or correct the bucket in ${rootProperty(ctx)}=${rootUfsOf(ctx)}`,
    );
  }
  // versitygw answers an unknown key with 404 XAdminUserNotFound where S3 and MinIO say 403 InvalidAccessKeyId.
  if (code === 'InvalidAccessKeyId' || code === 'XAdminUserNotFound') {
    return finding(
      'REQUEST_FORBIDDEN',
      `${target} does not know the access key (${code})`,
      CREDENTIAL_PROPERTIES,
      'put an access key that exists on this server into the access-key parameter (s3a.accessKeyId)',
    );
  }
  if (code === 'SignatureDoesNotMatch') {
    return finding(
      'REQUEST_FORBIDDEN',
      `${target} knows the access key but the secret key does not match it (SignatureDoesNotMatch)`,
      CREDENTIAL_PROPERTIES,
      "put the access key's own secret into the secret-key parameter (s3a.secretKey)",
    );
  }
  if (code === 'RequestTimeTooSkewed') {
    return finding(
      'REQUEST_FORBIDDEN',
      `${target} rejects the request signature because the clocks differ by more than 15 minutes (RequestTimeTooSkewed)`,
      CREDENTIAL_PROPERTIES,
      'synchronise the clocks (NTP) of the server and of the Alluxio hosts',
    );
  }
  if (code === 'AuthorizationHeaderMalformed' || code === 'InvalidRegion') {
    return finding(
      'REQUEST_FORBIDDEN',
      `${target} rejects the signing region (${code})`,
      REGION_PROPERTY,
      `set ${REGION_PROPERTY} to the region the server is configured with (MinIO's default is us-east-1)`,
    );
  }
  const isObjectOperation = ['PutObject', 'GetObject', 'HeadObject', 'DeleteObject'].includes(obs.operation);
  if (status === 403 || code === 'AccessDenied' || code === 'Forbidden') {
    if (isObjectOperation) {
      const verb = obs.operation === 'PutObject' ? 'write' : obs.operation === 'DeleteObject' ? 'delete' : 'read';
      return finding(
        'DIRECTORY_NOT_WRITABLE',
        `the keys may not ${verb} ${obj(obs, ctx)} (${code || status})`,
        `${rootProperty(ctx)} (directory part); the policy of s3a.accessKeyId`,
        `grant the access key s3:PutObject, s3:GetObject, s3:DeleteObject and s3:ListBucket on ${where(ctx)}* ` +
          `(MinIO: mc admin policy attach), or choose a directory it may write`,
      );
    }
    return finding(
      'REQUEST_FORBIDDEN',
      `${target} refuses ${obs.operation} on bucket '${ctx.bucket}' with these keys (${code || 'HTTP 403'})`,
      CREDENTIAL_PROPERTIES,
      `check both key parameters, and that the access key's policy allows s3:ListBucket on bucket '${ctx.bucket}'`,
    );
  }
  if (status >= 500) {
    return finding(
      'SERVER_NOT_READY',
      `${target} answered ${obs.operation} with HTTP ${status}${code ? ` ${code}` : ''}`,
      ENDPOINT_PROPERTY,
      'wait for the server to finish starting; if it persists, check its drives and logs',
    );
  }
  if (obs.operation === 'GetObject' && (code === 'NoSuchKey' || status === 404)) {
    return finding(
      'DIRECTORY_NOT_WRITABLE',
      `an object just written to ${obj(obs, ctx)} cannot be read back (${code || status})`,
      rootProperty(ctx),
      'check that the endpoint is one consistent server or cluster, not a load balancer over separate servers',
    );
  }
  return finding(
    'UNEXPECTED_RESPONSE',
    `${target} answered ${obs.operation} with HTTP ${status}${code ? ` ${code}` : ''}${obs.message ? `: ${quote(obs.message)}` : ''}`,
    ENDPOINT_PROPERTY,
    `check that ${ENDPOINT_PROPERTY} is the S3 API of the server`,
  );
}

function obj(obs: S3Observation, ctx: DiagnosisContext): string {
  return obs.key ? `s3://${ctx.bucket}/${obs.key}` : where(ctx);
}

function quote(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
}

function diagnoseDns(obs: DnsObservation, ctx: DiagnosisContext): Finding | undefined {
  if (!obs.errno && !obs.timedOut) return undefined;
  if (obs.purpose === 'virtual-host') {
    return finding(
      'DNS_RESOLUTION',
      `'${obs.host}' does not resolve, so virtual-host addressing cannot reach bucket '${ctx.bucket}'`,
      DNS_BUCKETS_PROPERTY,
      `set ${DNS_BUCKETS_PROPERTY}=true so Alluxio addresses the bucket by path (this library always renders it)`,
    );
  }
  if (obs.purpose === 'alluxio-master') {
    return masterUnreachable(obs.host, obs.timedOut ? 'the name lookup timed out' : `the name does not resolve (${obs.errno})`);
  }
  const property = ENDPOINT_PROPERTY;
  if (obs.timedOut) {
    return finding(
      'DNS_RESOLUTION',
      `looking up '${obs.host}' timed out`,
      property,
      `check the VPC's DNS resolver, or use the server's IP address in ${property}`,
    );
  }
  return finding(
    'DNS_RESOLUTION',
    `the endpoint host '${obs.host}' does not resolve (${obs.errno})`,
    property,
    `use a host name that resolves inside the VPC (or the server's IP address) in ${property}`,
  );
}

function diagnoseTcp(obs: TcpObservation, ctx: DiagnosisContext): Finding | undefined {
  return diagnoseNetworkFailure(`${obs.host}:${obs.port} (from ${ctx.endpoint})`, ENDPOINT_PROPERTY, obs.errno, obs.timedOut);
}

/**
 * MinIO answers /minio/health/live with 200, and 503 while it cannot serve. Any other answer means the
 * server is not MinIO (or hides the endpoint): the check is skipped, not failed; {@link livenessApplies}
 * tells the two apart.
 */
function diagnoseLiveness(obs: LivenessObservation, ctx: DiagnosisContext): Finding | undefined {
  const network = diagnoseNetworkFailure(ctx.endpoint, ENDPOINT_PROPERTY, obs.errno, obs.timedOut);
  if (network) return network;
  if (obs.status === 503) {
    return finding(
      'SERVER_NOT_READY',
      `MinIO at ${ctx.endpoint} reports itself not live (HTTP 503 on /minio/health/live)`,
      ENDPOINT_PROPERTY,
      'wait for MinIO to finish starting; if it persists, check its drives and logs',
    );
  }
  return undefined;
}

/** Whether a liveness answer came from a server that has the endpoint (MinIO), as opposed to another S3 server. */
export function livenessApplies(obs: LivenessObservation): boolean {
  return obs.errno !== undefined || obs.timedOut === true || obs.status === 200 || obs.status === 503;
}

function masterUnreachable(address: string, why: string): Finding {
  return finding(
    'ALLUXIO_MASTER_UNREACHABLE',
    `the Alluxio master web port at ${address} did not answer GET /api/v1/master/info: ${why}`,
    MASTER_PROPERTY,
    'wait for the master to start (it formats its journal on the very first start); ' +
      'if it never answers, check its task logs, that the address names the web port (19999) and that the security group lets this client in',
  );
}

/** Scheme, bucket and path without trailing slashes: `s3://b/dir/` and `s3a://b/dir` name the same root. */
export function normaliseUfsUri(uri: string): string {
  return uri
    .trim()
    .replace(/^s3a:\/\//, 's3://')
    .replace(/\/+$/, '');
}

function diagnoseAlluxioMaster(obs: AlluxioMasterObservation, ctx: DiagnosisContext): Finding | undefined {
  if (obs.timedOut || obs.errno) {
    return masterUnreachable(obs.address, obs.timedOut ? 'no answer within the timeout' : (obs.errno ?? 'network error'));
  }
  if (obs.status !== 200) return masterUnreachable(obs.address, `HTTP ${obs.status ?? 'no status'}`);
  if (obs.malformed || obs.rootUfsUri === undefined) {
    return masterUnreachable(obs.address, 'the answer is not an Alluxio MasterInfo document with a root mount point');
  }
  if (normaliseUfsUri(obs.rootUfsUri) !== normaliseUfsUri(obs.expectedRootUfs)) {
    return finding(
      'ALLUXIO_ROOT_MOUNT_MISMATCH',
      `the master at ${obs.address} has '${obs.rootUfsUri}' mounted at / but this deployment rendered '${obs.expectedRootUfs}'`,
      rootProperty(ctx),
      'the master runs a configuration other than the rendered one: it was not restarted since the site properties changed ' +
        "(force a new deployment of the master service), or the address names another cluster's master. Alluxio 2.9 takes the " +
        'root mount from the site file at every start, even on a journal written under another root, whose files would then ' +
        'name keys that are not there: this library refuses such a change, so fix the configuration the master reads, not the journal',
    );
  }
  return undefined;
}

function diagnoseAlluxioLeader(obs: AlluxioLeaderObservation): Finding | undefined {
  const leaders = obs.answers.filter((answer) => answer.leader);
  if (leaders.length === 1) return undefined;
  if (leaders.length === 0) {
    return finding(
      'ALLUXIO_NO_LEADER',
      `no Alluxio master is the leader (yet): none of ${obs.answers.map((a) => a.address).join(', ')} answered GET /api/v1/master/info ` +
        `with a MasterInfo document (${obs.answers.map((a) => `${a.address}: ${a.why}`).join('; ')})`,
      'alluxio.master.embedded.journal.addresses, alluxio.master.rpc.addresses',
      'wait for the masters to elect a leader (about 30 s after one is lost; the first start formats the journals); ' +
        'if none ever leads, check that every master runs and names the same embedded journal addresses, and that their journal ports reach each other',
    );
  }
  return finding(
    'ALLUXIO_SPLIT_BRAIN',
    `${leaders.length} Alluxio masters answer as the leader at once: ` +
      `${leaders.map((a) => a.address).join(', ')} (of ${obs.answers.map((a) => a.address).join(', ')})`,
    'alluxio.master.embedded.journal.addresses',
    'the masters do not form one quorum: ' +
      'every master must name the same embedded journal addresses, and a journal must not be shared between two deployments; ' +
      'a leader stepping down passes this check again within seconds',
  );
}

function diagnoseAlluxioWorkers(obs: AlluxioWorkersObservation): Finding | undefined {
  if (obs.live >= obs.expected) return undefined;
  return finding(
    'ALLUXIO_WORKERS_MISSING',
    `the leading master at ${obs.address} lists ${obs.live}/${obs.expected} live workers (live/expected): the deployment runs ${obs.expected}`,
    'alluxio.master.hostname, alluxio.worker.hostname',
    'wait for the workers to start and register (retried until the timeout); ' +
      "if they never do, read the worker service's logs (CloudWatch, stream prefix `worker`): " +
      "a worker that cannot reach the master's RPC port 19998 never registers",
  );
}

/**
 * The finding for one observation, or undefined when it shows nothing wrong. For a `virtual-host` DNS
 * observation the finding is informational (it explains why path-style is needed) and never fails a run.
 */
export function diagnose(observation: Observation, ctx: DiagnosisContext): Finding | undefined {
  switch (observation.kind) {
    case 'dns':
      return diagnoseDns(observation, ctx);
    case 'tcp':
      return diagnoseTcp(observation, ctx);
    case 'liveness':
      return diagnoseLiveness(observation, ctx);
    case 's3':
      return diagnoseS3(observation, ctx);
    case 'alluxio-master':
      return diagnoseAlluxioMaster(observation, ctx);
    case 'alluxio-leader':
      return diagnoseAlluxioLeader(observation);
    case 'alluxio-workers':
      return diagnoseAlluxioWorkers(observation);
  }
}

/**
 * The one sentence a failed deploy, the doctor's stderr and a rotation report print:
 * `<CODE>: <cause>. Fix: <fix>`.
 */
export function formatFinding(f: Finding): string {
  return `${f.code}: ${f.cause}. Fix: ${f.fix}`;
}
