import { escapeKey, escapeValue } from 'properties-file/escape';
import { DORA_ROOT_UFS_KEY, parseAlluxioVersion, V2_ROOT_UFS_KEY } from './alluxio-version';
import { InputError } from './input-error';
import {
  validateBucket,
  validateCredential,
  validateDirectory,
  validateEndpoint,
  validateExtraProperties,
  validateRegion,
} from './validate';

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

/** The deployment keys a cluster needs beyond the UFS: where the master is, what a worker caches on. */
export interface ClusterLayout {
  /** Written to `alluxio.master.hostname`. */
  readonly masterHostname?: string;
  /** Written to the `alluxio.worker.tieredstore.level0.*` keys. */
  readonly workerTier?: {
    /** `MEM`, `SSD` or `HDD` (Alluxio's default medium types). */
    readonly alias: string;
    /** Absolute directory on the worker (comma-separated for several). */
    readonly path: string;
    /** Size such as `4GB` (comma-separated, one per path). */
    readonly quota: string;
  };
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

/**
 * Every key this library may set itself, for any release and layout. Users cannot override
 * these through extra properties; the root key of the other release line is included so a 2.x
 * file never carries a dora root (and the reverse).
 */
export const MANAGED_PROPERTY_KEYS: readonly string[] = [
  V2_ROOT_UFS_KEY,
  DORA_ROOT_UFS_KEY,
  'alluxio.underfs.s3.endpoint',
  'alluxio.underfs.s3.endpoint.region',
  'alluxio.underfs.s3.disable.dns.buckets',
  'alluxio.underfs.s3.inherit.acl',
  ACCESS_KEY_PROPERTY,
  SECRET_KEY_PROPERTY,
  'alluxio.master.hostname',
  WORKER_TIER_KEYS.alias,
  WORKER_TIER_KEYS.path,
  WORKER_TIER_KEYS.quota,
];

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
  validateExtraProperties(settings.extraProperties ?? {}, MANAGED_PROPERTY_KEYS);

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
  if (cluster?.masterHostname !== undefined) {
    const host = cluster.masterHostname;
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host) || host.length > 253) {
      throw new InputError('cluster.masterHostname', `${JSON.stringify(host)} is not a host name`, 'give the DNS name or IPv4 address the workers reach the master at');
    }
    entries.push(['alluxio.master.hostname', host]);
  }
  const tier = cluster?.workerTier;
  if (tier !== undefined) {
    if (!['MEM', 'SSD', 'HDD'].includes(tier.alias)) {
      throw new InputError('cluster.workerTier.alias', `${JSON.stringify(tier.alias)} is not one of Alluxio's medium types`, 'use MEM, SSD or HDD');
    }
    const paths = tier.path.split(',');
    if (paths.some((p) => !/^\/[^\r\n,]*$/.test(p))) {
      throw new InputError('cluster.workerTier.path', `${JSON.stringify(tier.path)} is not a list of absolute paths`, 'give absolute directories separated by commas, e.g. "/mnt/ramdisk"');
    }
    const quotas = tier.quota.split(',');
    if (quotas.some((q) => !/^\d+(\.\d+)?(B|KB|MB|GB|TB|PB|K|M|G|T|P)?$/i.test(q))) {
      throw new InputError('cluster.workerTier.quota', `${JSON.stringify(tier.quota)} is not a size`, 'give a size such as "4GB" (one per path, separated by commas)');
    }
    if (quotas.length !== paths.length) {
      throw new InputError('cluster.workerTier.quota', `has ${quotas.length} sizes for ${paths.length} paths`, 'give one size per path');
    }
    entries.push([WORKER_TIER_KEYS.alias, tier.alias], [WORKER_TIER_KEYS.path, tier.path], [WORKER_TIER_KEYS.quota, tier.quota]);
  }
  return entries;
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
  const ordered: Array<[string, string]> = [
    ...connection,
    [ACCESS_KEY_PROPERTY, input.accessKeyId],
    [SECRET_KEY_PROPERTY, input.secretKey],
    ...deployment,
  ];
  const header = `# Generated by cdk-alluxio-minio for Alluxio ${release.version} (${release.line === 'v2' ? '2.x' : 'dora 3xx'}). Edits are replaced on the next deploy.`;
  return [header, ...ordered.map(([key, value]) => formatLine(key, value))].join('\n') + '\n';
}

function formatLine(key: string, value: string): string {
  return `${escapeKey(key, true)}=${escapeValue(value, true)}`;
}

// MinIO's shortest secret key; both credential lines are masked whatever their length.
const MIN_SECRET_LENGTH_MASKED_ANYWHERE = 8;

/**
 * The rendered text with both credential values replaced by a mask, for printing. Besides the two
 * credential lines, any other occurrence of an escaped credential of key length is masked too: a
 * preview that over-masks is harmless, one that leaks is not.
 */
export function maskSecrets(renderedText: string, input: SitePropertiesInput): string {
  const maskedKeys = new Set([escapeKey(ACCESS_KEY_PROPERTY, true), escapeKey(SECRET_KEY_PROPERTY, true)]);
  let masked = renderedText
    .split('\n')
    .map((line) => {
      const equals = line.indexOf('=');
      return equals > 0 && maskedKeys.has(line.slice(0, equals)) ? `${line.slice(0, equals)}=${SECRET_MASK}` : line;
    })
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
