/*
 * What a running cluster looks like from its master's REST API (GET /api/v1/master/info, Alluxio's
 * alluxio.wire.AlluxioMasterInfo): live and lost workers, cache capacity per tier, and how much of
 * what the workers served came from the cache rather than from MinIO. Pure: the CLI fetches, this
 * reads and formats.
 */

/**
 * The cluster-wide read counters the master aggregates from the workers' heartbeats (names and
 * meanings from Alluxio 2.9's MetricKey): everything the workers served, by the path it took, and the
 * part of it they fetched from the under store. Remote reads include bytes a worker fetched from
 * MinIO, so the cache's share is the served total less the under store's.
 */
export const CLUSTER_READ_METRICS = {
  remote: 'Cluster.BytesReadRemote',
  domainSocket: 'Cluster.BytesReadDomain',
  shortCircuit: 'Cluster.BytesReadLocal',
  workerInternal: 'Cluster.BytesReadDirect',
  fromUnderStore: 'Cluster.BytesReadUfsAll',
} as const;

export interface WorkerStatus {
  readonly host: string;
  readonly capacityBytes: number;
  readonly usedBytes: number;
}

export interface ClusterStatus {
  readonly version: string;
  readonly uptimeSeconds: number;
  /** `mountPoints["/"].ufsUri`. */
  readonly rootUfs?: string;
  readonly liveWorkers: readonly WorkerStatus[];
  readonly lostWorkers: number;
  readonly capacityBytes: number;
  readonly usedBytes: number;
  /** Per tier alias (MEM, SSD, HDD), only tiers with capacity. */
  readonly tiers: Readonly<Record<string, { readonly capacityBytes: number; readonly usedBytes: number }>>;
  /** Since the master started: bytes the workers served, and the part read from MinIO. */
  readonly bytesServed: number;
  readonly bytesFromUnderStore: number;
  /** The cache's share of bytesServed, 0 to 1; null before anything was read. */
  readonly hitRatio: number | null;
  /** Counters of CLUSTER_READ_METRICS the master did not report (its version names them otherwise). */
  readonly missingMetrics: readonly string[];
}

const bytes = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

/** Reads a MasterInfo document; throws when the text is not one (a proxy's page, another service). */
export function clusterStatusFromMasterInfo(body: string): ClusterStatus {
  let info: unknown;
  try {
    info = JSON.parse(body);
  } catch {
    throw new Error('the answer is not JSON: is this the master web port (19999)?');
  }
  return clusterStatusOf(info);
}

/** The fields of Alluxio's MasterInfo document read here; each is checked before use (the JSON is the server's). */
interface MasterInfoFields {
  readonly workers?: unknown;
  readonly capacity: { readonly total?: unknown; readonly used?: unknown };
  readonly metrics?: Record<string, unknown>;
  readonly tierCapacity?: unknown;
  readonly mountPoints?: Record<string, { readonly ufsUri?: unknown } | undefined>;
  readonly version?: unknown;
  readonly uptimeMs?: unknown;
  readonly lostWorkers?: unknown;
}

interface WorkerInfoFields {
  readonly address?: { readonly host?: unknown };
  readonly capacityBytes?: unknown;
  readonly usedBytes?: unknown;
}

/** The same from a MasterInfo document already parsed. */
export function clusterStatusOf(document: unknown): ClusterStatus {
  const info = document as MasterInfoFields;
  if (typeof info !== 'object' || info === null || !Array.isArray(info.workers) || typeof info.capacity !== 'object') {
    throw new Error('the answer is not an Alluxio MasterInfo document (no workers and capacity): is this the master web port (19999)?');
  }
  const metrics: Record<string, unknown> = info.metrics ?? {};
  const missingMetrics = Object.values(CLUSTER_READ_METRICS).filter((name) => typeof metrics[name] !== 'number');
  const counter = (name: string) => bytes(metrics[name]);
  const bytesServed =
    counter(CLUSTER_READ_METRICS.remote) +
    counter(CLUSTER_READ_METRICS.domainSocket) +
    counter(CLUSTER_READ_METRICS.shortCircuit) +
    counter(CLUSTER_READ_METRICS.workerInternal);
  const bytesFromUnderStore = Math.min(counter(CLUSTER_READ_METRICS.fromUnderStore), bytesServed);
  const tiers: Record<string, { capacityBytes: number; usedBytes: number }> = {};
  for (const [alias, tier] of Object.entries((info.tierCapacity ?? {}) as Record<string, { total?: unknown; used?: unknown }>)) {
    if (bytes(tier?.total) > 0) tiers[alias] = { capacityBytes: bytes(tier.total), usedBytes: bytes(tier.used) };
  }
  const rootUfs = info.mountPoints?.['/']?.ufsUri;
  return {
    version: String(info.version ?? 'unknown'),
    uptimeSeconds: Math.floor(bytes(info.uptimeMs) / 1000),
    rootUfs: typeof rootUfs === 'string' ? rootUfs : undefined,
    liveWorkers: (info.workers as WorkerInfoFields[]).map((worker) => ({
      host: String(worker.address?.host ?? 'unknown'),
      capacityBytes: bytes(worker.capacityBytes),
      usedBytes: bytes(worker.usedBytes),
    })),
    lostWorkers: Array.isArray(info.lostWorkers) ? info.lostWorkers.length : 0,
    capacityBytes: bytes(info.capacity.total),
    usedBytes: bytes(info.capacity.used),
    tiers,
    bytesServed,
    bytesFromUnderStore,
    hitRatio: bytesServed > 0 ? (bytesServed - bytesFromUnderStore) / bytesServed : null,
    missingMetrics,
  };
}

/** A byte count for people: B, KiB, MiB, GiB, TiB. */
export function formatBytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  let scaled = value;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

export function formatClusterStatus(address: string, status: ClusterStatus): string[] {
  const tiers = Object.entries(status.tiers).map(([alias, tier]) => `${alias} ${formatBytes(tier.usedBytes)} of ${formatBytes(tier.capacityBytes)}`);
  return [
    `master      ${address}, Alluxio ${status.version}, up ${status.uptimeSeconds} s${status.rootUfs ? `, root ${status.rootUfs}` : ''}`,
    `workers     ${status.liveWorkers.length} live${status.liveWorkers.length ? ` (${status.liveWorkers.map((w) => w.host).join(', ')})` : ''}, ` +
      `${status.lostWorkers} lost`,
    `cache       ${formatBytes(status.usedBytes)} used of ${formatBytes(status.capacityBytes)}${tiers.length ? ` (${tiers.join(', ')})` : ''}`,
    status.hitRatio === null
      ? 'reads       nothing read through the workers since the master started'
      : `reads       ${formatBytes(status.bytesServed)} served since the master started, ${formatBytes(status.bytesFromUnderStore)} of it from MinIO: ` +
        `cache hit ratio ${(status.hitRatio * 100).toFixed(1)}%`,
    ...(status.missingMetrics.length ? [`note        the master reports no ${status.missingMetrics.join(', ')}: the hit ratio leaves them out`] : []),
  ];
}
