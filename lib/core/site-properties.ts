import { getProperties } from 'properties-file';
import { escapeKey, escapeValue } from 'properties-file/escape';
import { DORA_ROOT_UFS_KEY, parseAlluxioVersion, V2_ROOT_UFS_KEY } from './alluxio-version';
import { InputError } from './input-error';
import {
  EMBEDDED_JOURNAL_ADDRESSES_KEY,
  EMBEDDED_JOURNAL_PORT_KEY,
  JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY,
  JOB_EMBEDDED_JOURNAL_PORT_KEY,
  JOB_MASTER_RPC_ADDRESSES_KEY,
  MASTER_RPC_ADDRESSES_KEY,
  quorumSiteEntries,
  validateQuorumSize,
} from './master-quorum';
import { validateBucket, validateCredential, validateDirectory, validateEndpoint, validateExtraProperties, validateRegion } from './validate';

/** Where the root mount lives on MinIO. */
export interface MinioLocation {
  /** `http(s)://host[:port][/]`; a missing port means 80 for http, 443 for https. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Directory inside the bucket; leading and trailing slashes are ignored. @default the bucket root */
  readonly directory?: string;
  /** SigV4 signing region. @default 'us-east-1' */
  readonly region?: string;
}

/** How Alluxio's clients write and see files, as the cluster's defaults (clients load them from the master). */
export interface ClientDefaults {
  /**
   * `alluxio.user.file.writetype.default`: CACHE_THROUGH acknowledges a write once it is in the UFS,
   * ASYNC_THROUGH before (a lost worker loses it), THROUGH skips the cache, MUST_CACHE never persists.
   */
  readonly writeType?: string;
  /**
   * `alluxio.user.file.metadata.sync.interval` in Alluxio's time format (`60sec`, `5min`): how stale a
   * listing may be before Alluxio asks the UFS again; `0` asks on every access, `-1` never.
   */
  readonly metadataSyncInterval?: string;
}

/** The deployment keys a cluster needs beyond the UFS: where the master is, its journal, what a worker caches on. */
export interface ClusterLayout {
  /** Written to `alluxio.master.hostname` (one master; not with `masterQuorum`). */
  readonly masterHostname?: string;
  /**
   * Highly available masters on the embedded journal, by name in index order: written to the
   * embedded-journal and RPC address lists of the masters and job masters. Each master learns which
   * one it is from its own options (master-quorum.ts), not from this file.
   */
  readonly masterQuorum?: { readonly hostnames: readonly string[] };
  /**
   * The master's journal. Written for every process, not only the master: the journal type is one
   * of Alluxio's cluster-wide (ENFORCE) keys, and `bin/alluxio formatJournal` reads only the site file
   * and ALLUXIO_JAVA_OPTS.
   */
  readonly journal?: {
    /** `UFS` (one master) or `EMBEDDED` (with `masterQuorum`). */
    readonly type: string;
    /** Where the journal lives (`${alluxio.home}/...` resolves under each process's Alluxio home). */
    readonly folder: string;
  };
  /** Written to the `alluxio.worker.tieredstore.level0.*` keys. */
  readonly workerTier?: {
    /** `MEM`, `SSD` or `HDD` (Alluxio's default medium types). */
    readonly alias: string;
    /** Absolute directory on the worker, or one under `${alluxio.home}/` (comma-separated for several). */
    readonly path: string;
    /** Size such as `4GB` (comma-separated, one per path). */
    readonly quota: string;
  };
  /** `false` writes `alluxio.master.update.check.enabled=false`: the master's call home to alluxio.io. */
  readonly masterUpdateCheck?: boolean;
  /**
   * `alluxio.master.worker.timeout` in Alluxio's time format: how long the master keeps a worker that
   * stopped heartbeating in its list. A replaced ECS task is a new worker (a new address); until the old
   * one times out, the master still hands it to clients for writes and as the location of its blocks.
   */
  readonly lostWorkerTimeout?: string;
  readonly clientDefaults?: ClientDefaults;
}

export interface SitePropertiesInput {
  readonly alluxioVersion: string;
  readonly minio: MinioLocation;
  readonly accessKeyId: string;
  readonly secretKey: string;
  readonly cluster?: ClusterLayout;
  /** Further Alluxio properties; managed keys and credential keys are refused. */
  readonly extraProperties?: Record<string, string>;
}

export type SiteSettings = Omit<SitePropertiesInput, 'accessKeyId' | 'secretKey'>;

export const ACCESS_KEY_PROPERTY = 's3a.accessKeyId';
export const SECRET_KEY_PROPERTY = 's3a.secretKey';
export const DEFAULT_MINIO_REGION = 'us-east-1';
export const SECRET_MASK = '********';

const WORKER_TIER_KEYS = {
  alias: 'alluxio.worker.tieredstore.level0.alias',
  path: 'alluxio.worker.tieredstore.level0.dirs.path',
  quota: 'alluxio.worker.tieredstore.level0.dirs.quota',
} as const;

export const JOURNAL_TYPE_KEY = 'alluxio.master.journal.type';
export const JOURNAL_FOLDER_KEY = 'alluxio.master.journal.folder';
export const WRITE_TYPE_KEY = 'alluxio.user.file.writetype.default';
export const METADATA_SYNC_INTERVAL_KEY = 'alluxio.user.file.metadata.sync.interval';
const UPDATE_CHECK_KEY = 'alluxio.master.update.check.enabled';
const WORKER_TIMEOUT_KEY = 'alluxio.master.worker.timeout';

/** Alluxio 2.9's write types (alluxio.client.WriteType, the ones a client may choose). */
export const ALLUXIO_WRITE_TYPES: readonly string[] = ['CACHE_THROUGH', 'THROUGH', 'ASYNC_THROUGH', 'MUST_CACHE'];

/**
 * Every key this library may set itself, for any release and layout, with the input that sets it.
 * Users cannot override these through extra properties; the root key of the other release line is
 * included so a 2.x file never carries a dora root (and the reverse).
 */
export const MANAGED_PROPERTIES: Readonly<Record<string, string>> = {
  [V2_ROOT_UFS_KEY]: 'the bucket and directory',
  [DORA_ROOT_UFS_KEY]: 'the bucket and directory',
  'alluxio.underfs.s3.endpoint': 'the endpoint',
  'alluxio.underfs.s3.endpoint.region': 'the region',
  'alluxio.underfs.s3.disable.dns.buckets': 'nothing: MinIO needs path-style requests',
  'alluxio.underfs.s3.inherit.acl': 'nothing: MinIO has no ACLs to inherit',
  [ACCESS_KEY_PROPERTY]: 'the access-key parameter',
  [SECRET_KEY_PROPERTY]: 'the secret-key parameter',
  'alluxio.master.hostname': 'the cluster layout',
  [EMBEDDED_JOURNAL_ADDRESSES_KEY]: 'the cluster layout (masters)',
  [MASTER_RPC_ADDRESSES_KEY]: 'the cluster layout (masters)',
  [JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY]: 'the cluster layout (masters)',
  [JOB_MASTER_RPC_ADDRESSES_KEY]: 'the cluster layout (masters)',
  [EMBEDDED_JOURNAL_PORT_KEY]: 'the cluster layout (each master has its own)',
  [JOB_EMBEDDED_JOURNAL_PORT_KEY]: 'the cluster layout (each master has its own)',
  [JOURNAL_TYPE_KEY]: 'the cluster layout (journal)',
  [JOURNAL_FOLDER_KEY]: 'the cluster layout (journal)',
  [WORKER_TIER_KEYS.alias]: 'the worker cache settings',
  [WORKER_TIER_KEYS.path]: 'the worker cache settings',
  [WORKER_TIER_KEYS.quota]: 'the worker cache settings',
  [UPDATE_CHECK_KEY]: 'nothing: a deployed master does not call home',
  [WORKER_TIMEOUT_KEY]: 'the cluster layout (lost-worker timeout)',
  [WRITE_TYPE_KEY]: 'the write type (alluxio.writeType)',
  [METADATA_SYNC_INTERVAL_KEY]: 'the metadata sync interval (alluxio.metadataSyncInterval)',
};

/**
 * What a deployment gets unless told otherwise, beyond its root mount and layout; the construct and
 * `alluxio-minio render` both start from it.
 * - CACHE_THROUGH: Alluxio 2.9's default, ASYNC_THROUGH, acknowledges a write before it is in MinIO,
 *   and a Fargate worker loses its storage on every restart (a rotation restarts them all).
 * - 60 s metadata sync: 2.9 never syncs by default, so objects other tools put into the bucket would
 *   never appear in a directory Alluxio has listed once.
 */
export const DEFAULT_CLIENT_DEFAULTS: Required<ClientDefaults> = { writeType: 'CACHE_THROUGH', metadataSyncInterval: '60sec' };

/** The keys of {@link MANAGED_PROPERTIES}. */
export const MANAGED_PROPERTY_KEYS: readonly string[] = Object.keys(MANAGED_PROPERTIES);

/** Settings checked and put into the form they are written in; the single source for rendering. */
interface SettingsEntries {
  /** Root mount and S3 connection keys; the credentials follow them, as in the seed. */
  readonly connection: Array<[string, string]>;
  /** Cluster layout keys, then extra properties sorted by name. */
  readonly deployment: Array<[string, string]>;
}

function settingsEntries(settings: SiteSettings): SettingsEntries {
  const release = parseAlluxioVersion(settings.alluxioVersion);
  validateBucket(settings.minio.bucket);
  const directory = validateDirectory(settings.minio.directory);
  const endpoint = validateEndpoint(settings.minio.endpoint);
  const region = settings.minio.region ?? DEFAULT_MINIO_REGION;
  validateRegion(region);
  const cluster = clusterEntries(settings.cluster);
  validateExtraProperties(settings.extraProperties ?? {}, MANAGED_PROPERTIES);
  checkWriteChunkFits(settings.extraProperties ?? {});

  const extra = Object.entries(settings.extraProperties ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const connection: Array<[string, string]> = [
    [release.rootUfsKey, `s3://${settings.minio.bucket}/${directory}`],
    ['alluxio.underfs.s3.endpoint', endpoint.url],
    ['alluxio.underfs.s3.endpoint.region', region],
    // MinIO serves path-style; virtual-host names (<bucket>.<host>) do not resolve (the seed's DNS failure).
    ['alluxio.underfs.s3.disable.dns.buckets', 'true'],
    // MinIO has no bucket ACLs to inherit; reading them fails or is wasted work.
    ['alluxio.underfs.s3.inherit.acl', 'false'],
  ];
  return { connection, deployment: [...cluster, ...extra] };
}

function clusterEntries(cluster: ClusterLayout | undefined): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const quorum = cluster?.masterQuorum;
  if (cluster?.masterHostname !== undefined) {
    if (quorum !== undefined) {
      throw new InputError('cluster.masterHostname', 'is set with masterQuorum', 'give one master by masterHostname or several by masterQuorum, not both');
    }
    validateHostname(cluster.masterHostname, 'cluster.masterHostname');
    entries.push(['alluxio.master.hostname', cluster.masterHostname]);
  }
  if (quorum !== undefined) {
    validateQuorumSize(quorum.hostnames.length, 'cluster.masterQuorum.hostnames');
    quorum.hostnames.forEach((host, index) => validateHostname(host, `cluster.masterQuorum.hostnames[${index}]`));
    if (new Set(quorum.hostnames).size !== quorum.hostnames.length) {
      throw new InputError('cluster.masterQuorum.hostnames', 'names a master twice', 'give each master its own name');
    }
    entries.push(...quorumSiteEntries(quorum.hostnames));
  }
  const journal = cluster?.journal;
  if (journal !== undefined) {
    const expected = quorum === undefined ? 'UFS' : 'EMBEDDED';
    if (journal.type !== expected) {
      throw new InputError(
        'cluster.journal.type',
        `${JSON.stringify(journal.type)} is not the journal ${quorum === undefined ? 'one master' : 'a quorum of masters'} runs on`,
        quorum === undefined ? 'use UFS (EMBEDDED needs masterQuorum)' : 'use EMBEDDED',
      );
    }
    if (!isServerPath(journal.folder)) {
      throw new InputError(
        'cluster.journal.folder',
        `${JSON.stringify(journal.folder)} is not an absolute path`,
        'give an absolute directory, or one under ${alluxio.home}/',
      );
    }
    entries.push([JOURNAL_TYPE_KEY, journal.type], [JOURNAL_FOLDER_KEY, journal.folder]);
  }
  const tier = cluster?.workerTier;
  if (tier !== undefined) {
    if (!['MEM', 'SSD', 'HDD'].includes(tier.alias)) {
      throw new InputError('cluster.workerTier.alias', `${JSON.stringify(tier.alias)} is not one of Alluxio's medium types`, 'use MEM, SSD or HDD');
    }
    const paths = tier.path.split(',');
    if (!paths.every(isServerPath)) {
      throw new InputError(
        'cluster.workerTier.path',
        `${JSON.stringify(tier.path)} is not a list of absolute paths`,
        'give absolute directories separated by commas, e.g. "/mnt/ramdisk"',
      );
    }
    const quotas = tier.quota.split(',');
    if (quotas.some((q) => parseAlluxioSize(q) === undefined)) {
      throw new InputError(
        'cluster.workerTier.quota',
        `${JSON.stringify(tier.quota)} is not a size`,
        'give a size such as "4GB" (one per path, separated by commas)',
      );
    }
    if (quotas.length !== paths.length) {
      throw new InputError('cluster.workerTier.quota', `has ${quotas.length} sizes for ${paths.length} paths`, 'give one size per path');
    }
    entries.push([WORKER_TIER_KEYS.alias, tier.alias], [WORKER_TIER_KEYS.path, tier.path], [WORKER_TIER_KEYS.quota, tier.quota]);
  }
  if (cluster?.masterUpdateCheck === false) {
    entries.push([UPDATE_CHECK_KEY, 'false']);
  }
  if (cluster?.lostWorkerTimeout !== undefined) {
    if (!ALLUXIO_INTERVAL.test(cluster.lostWorkerTimeout) || /^-?[01]$/.test(cluster.lostWorkerTimeout)) {
      throw new InputError(
        'cluster.lostWorkerTimeout',
        `${JSON.stringify(cluster.lostWorkerTimeout)} is not an Alluxio interval`,
        'give whole units such as "30sec" or "2min"',
      );
    }
    entries.push([WORKER_TIMEOUT_KEY, cluster.lostWorkerTimeout]);
  }
  const clients = cluster?.clientDefaults;
  if (clients?.writeType !== undefined) {
    if (!ALLUXIO_WRITE_TYPES.includes(clients.writeType)) {
      throw new InputError(
        'cluster.clientDefaults.writeType',
        `${JSON.stringify(clients.writeType)} is not an Alluxio write type`,
        `use one of ${ALLUXIO_WRITE_TYPES.join(', ')}`,
      );
    }
    entries.push([WRITE_TYPE_KEY, clients.writeType]);
  }
  if (clients?.metadataSyncInterval !== undefined) {
    if (!ALLUXIO_INTERVAL.test(clients.metadataSyncInterval)) {
      throw new InputError(
        'cluster.clientDefaults.metadataSyncInterval',
        `${JSON.stringify(clients.metadataSyncInterval)} is not an Alluxio interval`,
        'give whole units such as "60sec", "5min" or "1hour", "0" for every access or "-1" for never',
      );
    }
    entries.push([METADATA_SYNC_INTERVAL_KEY, clients.metadataSyncInterval]);
  }
  return entries;
}

function validateHostname(host: string, prop: string): void {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host) || host.length > 253) {
    throw new InputError(prop, `${JSON.stringify(host)} is not a host name`, 'give the DNS name or IPv4 address the workers reach the master at');
  }
}

/** Alluxio's time format in whole units, and its two special values (0: every time, -1: never). */
const ALLUXIO_INTERVAL = /^(-1|0|[1-9]\d*(ms|sec|min|hour|day))$/;

/**
 * The bytes in an Alluxio size ("4MB", "512k", "8MiB", "64Mi", "1.5GB", "4194304"): binary units whatever
 * the spelling, as Alluxio 2.9's FormatUtils.parseSpaceSize reads them; undefined when the text is not a size.
 */
export function parseAlluxioSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(B|[KMGTP](?:IB|I|B)?)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * 1024 ** 'BKMGTP'.indexOf((match[2] ?? 'B')[0].toUpperCase()));
}

export const WRITE_CHUNK_KEY = 'alluxio.user.streaming.writer.chunk.size.bytes';
export const WORKER_INBOUND_MESSAGE_KEY = 'alluxio.worker.network.max.inbound.message.size';
// Alluxio 2.9.6's own defaults for the two (test/java/property-keys.test.ts pins them).
export const DEFAULT_WRITE_CHUNK = '1MB';
export const DEFAULT_WORKER_INBOUND_MESSAGE = '4MB';
/**
 * Room for the rest of a write request beside its chunk. 2.9's GrpcDataWriter builds each request from its
 * command and the chunk; a write through to the UFS names the UFS path (an S3 key: up to 1 KiB), owner,
 * group, mode and ACL in that command. 64 KiB covers it with room to spare, and costs a chunk nothing a
 * user would notice.
 */
const WRITE_REQUEST_HEADER_ROOM = 64 * 1024;

/**
 * A client sends each chunk of a write as one gRPC message, and a 2.9 worker refuses any message larger
 * than its inbound limit: a chunk that does not fit under it, with the request around it, gets every
 * write cancelled ("Stream is canceled by server"). On 2.9.6 at the default 4MB limit, with CACHE_THROUGH,
 * a 4MB chunk is cancelled and one 1KB smaller writes (test/local/cluster.test.ts; by hand, to a 40-byte
 * UFS path, 14 bytes smaller wrote too). Refused here, at synth, rather than found on the first write.
 */
function checkWriteChunkFits(extra: Readonly<Record<string, string>>): void {
  const chunkText = extra[WRITE_CHUNK_KEY] ?? DEFAULT_WRITE_CHUNK;
  const limitText = extra[WORKER_INBOUND_MESSAGE_KEY] ?? DEFAULT_WORKER_INBOUND_MESSAGE;
  for (const [key, text] of [
    [WRITE_CHUNK_KEY, chunkText],
    [WORKER_INBOUND_MESSAGE_KEY, limitText],
  ]) {
    if (parseAlluxioSize(text) === undefined) {
      throw new InputError(`extraProperties[${JSON.stringify(key)}]`, `${JSON.stringify(text)} is not a size`, 'give a size such as "1MB"');
    }
  }
  if (parseAlluxioSize(chunkText)! + WRITE_REQUEST_HEADER_ROOM > parseAlluxioSize(limitText)!) {
    const key = extra[WRITE_CHUNK_KEY] !== undefined ? WRITE_CHUNK_KEY : WORKER_INBOUND_MESSAGE_KEY;
    throw new InputError(
      `extraProperties[${JSON.stringify(key)}]`,
      `a write chunk of ${chunkText} does not fit the workers' inbound message limit of ${limitText} (${WORKER_INBOUND_MESSAGE_KEY}) ` +
        `with its request around it: every write would be cancelled`,
      `keep ${WRITE_CHUNK_KEY} at least 64KB under ${WORKER_INBOUND_MESSAGE_KEY}`,
    );
  }
}

/**
 * An absolute path, or one under `${alluxio.home}/`: Alluxio resolves `${...}` references in property
 * values, so such a path means the same place inside the official image (/opt/alluxio) and inside each
 * process of a local cluster (its own home), from one rendered file. No comma and no line break.
 */
function isServerPath(path: string): boolean {
  return /^(\/|\$\{alluxio\.home\}\/)[^\r\n,]*$/.test(path);
}

/** Everything that can be checked without the secrets; the construct calls this at synth time. */
export function validateSiteSettings(settings: SiteSettings): void {
  settingsEntries(settings);
}

/** The property names the renderer writes for these settings, in file order (secrets included). */
export function renderedPropertyKeys(settings: SiteSettings): string[] {
  const { connection, deployment } = settingsEntries(settings);
  return [...connection.map(([k]) => k), ACCESS_KEY_PROPERTY, SECRET_KEY_PROPERTY, ...deployment.map(([k]) => k)];
}

/**
 * The alluxio-site.properties text: managed keys in a fixed order, then extra properties sorted by
 * name, so equal input gives byte-equal output (the deployment hashes it). Non-ASCII characters are
 * written as \uXXXX because Alluxio loads the file with Properties.load(InputStream), i.e. ISO-8859-1.
 */
export function renderSiteProperties(input: SitePropertiesInput): string {
  const { connection, deployment } = settingsEntries(input);
  validateCredential(input.accessKeyId, ACCESS_KEY_PROPERTY);
  validateCredential(input.secretKey, SECRET_KEY_PROPERTY);
  const release = parseAlluxioVersion(input.alluxioVersion);
  const ordered: Array<[string, string]> = [...connection, [ACCESS_KEY_PROPERTY, input.accessKeyId], [SECRET_KEY_PROPERTY, input.secretKey], ...deployment];
  const header =
    `# Generated by cdk-alluxio-minio for Alluxio ${release.version} (${release.line === 'v2' ? '2.x' : 'dora 3xx'}). ` +
    `Edits are replaced on the next deploy.`;
  return [header, ...ordered.map(([key, value]) => formatLine(key, value))].join('\n') + '\n';
}

function formatLine(key: string, value: string): string {
  return `${escapeKey(key, true)}=${escapeValue(value, true)}`;
}

/**
 * Which credential a line of a rendered file sets (ACCESS_KEY_PROPERTY or SECRET_KEY_PROPERTY), or
 * undefined for any other line: the one rule for finding the key lines, which the renderer writes as
 * formatLine does (the escaped key, then `=`, with no spaces).
 */
function credentialOfLine(line: string): string | undefined {
  const equals = line.indexOf('=');
  if (equals <= 0) return undefined;
  const key = line.slice(0, equals);
  return [ACCESS_KEY_PROPERTY, SECRET_KEY_PROPERTY].find((property) => escapeKey(property, true) === key);
}

// MinIO's shortest secret key; both credential lines are masked whatever their length.
const MIN_SECRET_LENGTH_MASKED_ANYWHERE = 8;

/**
 * The rendered text with both credential values replaced by a mask, for printing. Besides the two
 * credential lines, any other occurrence of an escaped credential of key length is masked too: a
 * preview that over-masks is harmless, one that leaks is not.
 */
export function maskSecrets(renderedText: string, input: SitePropertiesInput): string {
  let masked = renderedText
    .split('\n')
    .map((line) => (credentialOfLine(line) === undefined ? line : `${line.slice(0, line.indexOf('='))}=${SECRET_MASK}`))
    .join('\n');
  // Elsewhere in the file (an extra property that repeats a key) only values long enough to be a key
  // are masked: a short one, such as a 3-character access key, would also hit ordinary words.
  const escapedSecrets = [input.secretKey, input.accessKeyId]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH_MASKED_ANYWHERE)
    .flatMap((secret) => [secret, escapeValue(secret, true)])
    .sort((a, b) => b.length - a.length);
  for (const secret of escapedSecrets) {
    masked = masked.split(secret).join(SECRET_MASK);
  }
  return masked;
}

/**
 * Refuses a render that would move the root mount of a cluster whose journal already holds files
 * under another one. Alluxio 2.9.6, started on an existing journal with a new root in the site file,
 * adopts the new root, and every journaled file then names a key that is not there: reads fail, and
 * the old files are no longer listed. Decided on what the site-properties parameter holds now (the
 * file the running cluster was started with), so the Update a CloudFormation rollback sends, which
 * asks for that same root, passes.
 */
export function checkRootMountUnchanged(currentText: string | undefined, nextText: string): void {
  if (currentText === undefined) return;
  const current = rootMountOf(currentText);
  const next = rootMountOf(nextText);
  if (current === undefined || next === undefined || current.value === next.value) return;
  throw new InputError(
    'Bucket/Directory',
    `the cluster's journal belongs to the root mount ${current.value}, and this configuration mounts ${next.value}: ` +
      'a master started on that journal with another root adopts it, and every file already in the journal would then name a key that does not exist',
    'deploy the previous bucket and directory again; ' +
      'to move Alluxio to the new root, create a new AlluxioMinio (a new construct id gets a new journal and parameters) and remove the old one',
  );
}

/**
 * Refuses a configuration whose masters run on the other journal than the running configuration's
 * (`currentText`; undefined: nothing runs yet). The single master keeps its namespace in the UFS
 * journal, a quorum in its embedded journals (alluxio-master-group.ts: separate EFS directories), and
 * Alluxio 2.9 carries nothing from one to the other: the new masters would start on empty embedded
 * journals, or, going back, on the UFS journal as it was when the cluster last ran one master.
 * Passed when the user consented (`migrationAccepted`), and when the configuration asked for is one
 * this deployment ran before whose parameter is still in place (`returningToDeployed`): that is
 * CloudFormation rolling a failed switch back (its cleanup deletes a configuration's parameter once a
 * later deploy succeeded), which must not fail.
 */
export function checkJournalTypeUnchanged(
  currentText: string | undefined,
  nextText: string,
  options: { migrationAccepted: boolean; returningToDeployed: boolean },
): void {
  const change = journalTypeChange(currentText, nextText);
  if (change === undefined || options.migrationAccepted || options.returningToDeployed) return;
  const { current, next } = change;
  const mastersOf = (type: string) => (type === 'EMBEDDED' ? 'AlluxioMasters.highlyAvailable() (embedded journal)' : 'AlluxioMasters.single() (UFS journal)');
  throw new InputError(
    'alluxio.masters',
    `the cluster runs ${mastersOf(current)} and this deploy asks for ${mastersOf(next)}: Alluxio cannot carry the namespace from one journal to the other, ` +
      (next === 'EMBEDDED'
        ? 'so the new masters would start on empty embedded journals and every file Alluxio knows would be forgotten'
        : 'so the single master would start on the UFS journal as it was when the cluster last ran one master, a stale namespace'),
    `deploy alluxio.masters as it was; ` +
      `to switch anyway and lose the namespace, also set alluxio.journalMigration: JournalMigration.abandonNamespace() (and remove it after the deploy)`,
  );
}

/** The journal types of two rendered files when both name one and they differ (an earlier version of this library wrote none). */
export function journalTypeChange(currentText: string | undefined, nextText: string): { current: string; next: string } | undefined {
  if (currentText === undefined) return undefined;
  const current = getProperties(currentText)[JOURNAL_TYPE_KEY];
  const next = getProperties(nextText)[JOURNAL_TYPE_KEY];
  return current === undefined || next === undefined || current === next ? undefined : { current, next };
}

/** The root-mount entry of a rendered file (either release line's key), decoded. */
function rootMountOf(text: string): { key: string; value: string } | undefined {
  const properties = getProperties(text);
  for (const key of [V2_ROOT_UFS_KEY, DORA_ROOT_UFS_KEY]) {
    if (properties[key] !== undefined) return { key, value: properties[key] };
  }
  return undefined;
}

/**
 * A rendered file with its two credential values replaced and every other line kept byte for byte:
 * what rotation writes into the configuration the running tasks were started with, so a rotation
 * never changes anything but the keys (the rest is what the deploy rendered). Equal to rendering the
 * same settings with the new keys; refused (InputError) when the file has no credential lines.
 */
export function withCredentials(text: string, accessKeyId: string, secretKey: string): string {
  validateCredential(accessKeyId, ACCESS_KEY_PROPERTY);
  validateCredential(secretKey, SECRET_KEY_PROPERTY);
  const replacements: Record<string, string> = {
    [ACCESS_KEY_PROPERTY]: formatLine(ACCESS_KEY_PROPERTY, accessKeyId),
    [SECRET_KEY_PROPERTY]: formatLine(SECRET_KEY_PROPERTY, secretKey),
  };
  const seen = new Set<string>();
  const lines = text.split('\n').map((line) => {
    const credential = credentialOfLine(line);
    if (credential === undefined) return line;
    seen.add(credential);
    return replacements[credential];
  });
  if (seen.size !== 2) {
    throw new InputError(
      'siteProperties',
      'has no s3a.accessKeyId and s3a.secretKey lines to replace',
      'deploy the stack again so the render resource writes a complete file',
    );
  }
  return lines.join('\n');
}

/**
 * A rendered file without its two credential lines, every other line kept byte for byte: the
 * configuration of the processes that are clients of the master only (the S3 proxy, the preload
 * task). The workers and masters alone read and write MinIO, so only their configuration holds the
 * keys. Credential keys are never extra properties (validateExtraProperties refuses them and their
 * aliases), so these two lines are every key the file holds.
 */
export function withoutCredentials(text: string): string {
  return text
    .split('\n')
    .filter((line) => credentialOfLine(line) === undefined)
    .join('\n');
}

/** The two credential values a rendered file holds (decoded), for comparing with the key parameters. */
export function credentialsOf(text: string): { accessKeyId?: string; secretKey?: string } {
  const properties = getProperties(text);
  return { accessKeyId: properties[ACCESS_KEY_PROPERTY], secretKey: properties[SECRET_KEY_PROPERTY] };
}

/** Where a rendered file says MinIO is: the endpoint, region and root mount (either release line's key). */
export interface RenderedMinioLocation {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly directory: string;
  readonly rootUfsKey: string;
}

export function minioLocationOf(text: string): RenderedMinioLocation {
  const properties = getProperties(text);
  const root = rootMountOf(text);
  const match = root ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(root.value) : null;
  const endpoint = properties['alluxio.underfs.s3.endpoint'];
  if (!root || !match || endpoint === undefined) {
    throw new InputError('siteProperties', 'names no s3:// root mount or no endpoint', 'deploy the stack again so the render resource writes a complete file');
  }
  return {
    endpoint,
    region: properties['alluxio.underfs.s3.endpoint.region'] ?? DEFAULT_MINIO_REGION,
    bucket: match[1],
    directory: match[2].replace(/\/+$/, ''),
    rootUfsKey: root.key,
  };
}
