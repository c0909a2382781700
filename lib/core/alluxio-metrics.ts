import { CLUSTER_READ_METRICS } from './cluster-status';
import { InputError } from './input-error';

/*
 * The Alluxio metrics the dashboard and the alarms use, in one place: each as Alluxio names it, as its
 * Prometheus endpoint exports it, and as it reaches CloudWatch through the CloudWatch agent.
 *
 * Alluxio -> Prometheus: the master's and workers' web servers export every Dropwizard metric at
 * /metrics/prometheus/ through Prometheus' Dropwizard bridge, whose name rule replaces each character
 * outside [A-Za-z0-9_:] with '_' (`Cluster.BytesReadUfsAll` -> `Cluster_BytesReadUfsAll`). Dropwizard
 * counters come out as Prometheus *gauges* (`# TYPE Cluster_BytesReadUfsAll gauge`), so their values are
 * cumulative since the process started. Both seen on the real 2.9.6 processes (test/local/metrics.test.ts
 * checks every name below, its HELP line's Alluxio name and its type).
 *
 * Prometheus -> CloudWatch: the agent's EMF processor keeps the Prometheus metric name as the
 * CloudWatch metric name and turns the declared labels into dimensions; it sends gauges as they are and
 * only Prometheus counters as per-scrape deltas (AWS docs, "Prometheus metric type conversion by the
 * CloudWatch agent"). So every metric here arrives cumulative, and per-period figures are DIFFs.
 */

/** The Alluxio process whose Prometheus endpoint emits a metric (its task runs the agent that scrapes it). */
export type AlluxioMetricSource = 'master' | 'worker';

export interface AlluxioMetric {
  /** The process that emits it. */
  readonly source: AlluxioMetricSource;
  /** Alluxio's own (Dropwizard) name, as in its metrics docs and GET /metrics/json/. */
  readonly alluxioName: string;
  /** The name on the Prometheus endpoint. */
  readonly prometheusName: string;
  /** The CloudWatch metric name after the agent's translation. */
  readonly cloudWatchName: string;
  /** Cumulative since the process started (a Dropwizard counter): graphs and alarms take DIFFs. */
  readonly cumulative: boolean;
  /** The CloudWatch unit the agent declares. */
  readonly unit: 'Bytes' | 'Count';
}

/** Prometheus' Dropwizard bridge's name rule. */
export function prometheusNameOf(alluxioName: string): string {
  return alluxioName.replace(/[^A-Za-z0-9_:]/g, '_');
}

/** The CloudWatch agent's rule: the Prometheus metric name, unchanged. */
export function cloudWatchNameOf(prometheusName: string): string {
  return prometheusName;
}

function metric(source: AlluxioMetricSource, alluxioName: string, unit: 'Bytes' | 'Count', cumulative: boolean): AlluxioMetric {
  const prometheusName = prometheusNameOf(alluxioName);
  return { source, alluxioName, prometheusName, cloudWatchName: cloudWatchNameOf(prometheusName), cumulative, unit };
}

/**
 * Every metric the dashboard and the alarms read. The master aggregates the workers' read counters
 * and capacities (the same counters `status --cluster` reads); the workers' own used bytes show how
 * evenly the cache fills. Worker-side UFS read failures have no metric of their own in 2.9 (a read
 * with MinIO down counted nothing on the workers here), and the per-operation UFS failure counters
 * embed the user and the mount's URI in their names (`Master_GetStatusFailures_User:..._UFS:s3:...`),
 * so the UFS errors shown are the master's metadata-sync failures, which have fixed names.
 */
export const ALLUXIO_METRICS = {
  bytesReadRemote: metric('master', CLUSTER_READ_METRICS.remote, 'Bytes', true),
  bytesReadDomain: metric('master', CLUSTER_READ_METRICS.domainSocket, 'Bytes', true),
  bytesReadLocal: metric('master', CLUSTER_READ_METRICS.shortCircuit, 'Bytes', true),
  bytesReadDirect: metric('master', CLUSTER_READ_METRICS.workerInternal, 'Bytes', true),
  bytesReadUfs: metric('master', CLUSTER_READ_METRICS.fromUnderStore, 'Bytes', true),
  capacityUsed: metric('master', 'Cluster.CapacityUsed', 'Bytes', false),
  capacityTotal: metric('master', 'Cluster.CapacityTotal', 'Bytes', false),
  liveWorkers: metric('master', 'Cluster.Workers', 'Count', false),
  lostWorkers: metric('master', 'Cluster.LostWorkers', 'Count', false),
  metadataSyncFailures: metric('master', 'Master.MetadataSyncFail', 'Count', true),
  metadataSyncPathFailures: metric('master', 'Master.MetadataSyncPathsFail', 'Count', true),
  metadataSyncPrefetchFailures: metric('master', 'Master.MetadataSyncPrefetchFail', 'Count', true),
  workerCapacityUsed: metric('worker', 'Worker.CapacityUsed', 'Bytes', false),
} as const;

export type AlluxioMetricKey = keyof typeof ALLUXIO_METRICS;

/** The metrics one process emits, in catalogue order. */
export function metricsOf(source: AlluxioMetricSource): AlluxioMetric[] {
  return Object.values(ALLUXIO_METRICS).filter((m) => m.source === source);
}

/** The dimension every metric carries (the agent sets it from a static scrape label): the ECS cluster's name. */
export const CLUSTER_DIMENSION = 'ClusterName';
/** The namespace of the cluster's metrics (beside the rotation outcomes, which carry another dimension). */
export const CLUSTER_METRIC_NAMESPACE = 'AlluxioMinio';

/** Where each process serves its Prometheus text (the trailing slash matters: without it the web server answers 302). */
export const PROMETHEUS_ENDPOINTS: Record<AlluxioMetricSource, { readonly port: number; readonly path: string }> = {
  master: { port: 19999, path: '/metrics/prometheus/' },
  worker: { port: 30000, path: '/metrics/prometheus/' },
};

/** The scrape job of each process: its name is the label the agent's metric declaration matches. */
export const SCRAPE_JOBS: Record<AlluxioMetricSource, string> = { master: 'alluxio-master', worker: 'alluxio-worker' };

/** The agent's hard memory limit, which the task's JVMs are sized without (jvm-memory.ts's sidecarMiB). */
export const METRICS_AGENT_MEMORY_MIB = 256;

/** The CPU units the agent container takes. */
export const METRICS_AGENT_CPU = 64;

/** Once a minute: CloudWatch's standard resolution, and one EMF event per task and minute. */
export const SCRAPE_INTERVAL_SECONDS = 60;

export interface AgentConfigInput {
  readonly source: AlluxioMetricSource;
  /** The value of the ClusterName dimension (may be a CDK token; it is quoted in the YAML). */
  readonly clusterName: string;
  /** The log group the agent writes its EMF events to. */
  readonly logGroupName: string;
  readonly region: string;
}

/**
 * The Prometheus scrape configuration of the agent beside `source` (PROMETHEUS_CONFIG_CONTENT): the
 * container's own endpoint over the task's loopback, and only the catalogue's metrics kept, so the EMF
 * log events carry a dozen values instead of the 300-odd the master exports.
 */
export function renderScrapeConfig(input: Pick<AgentConfigInput, 'source' | 'clusterName'>): string {
  const endpoint = PROMETHEUS_ENDPOINTS[input.source];
  const keep = metricsOf(input.source).map((m) => m.prometheusName);
  return [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
    '  scrape_timeout: 10s',
    'scrape_configs:',
    `  - job_name: ${SCRAPE_JOBS[input.source]}`,
    `    metrics_path: ${endpoint.path}`,
    '    static_configs:',
    `      - targets: ['localhost:${endpoint.port}']`,
    '        labels:',
    `          ${CLUSTER_DIMENSION}: '${input.clusterName}'`,
    '    metric_relabel_configs:',
    '      - source_labels: [__name__]',
    `        regex: '^(${keep.join('|')})$'`,
    '        action: keep',
    '',
  ].join('\n');
}

/**
 * The CloudWatch agent's configuration (CW_CONFIG_CONTENT): Prometheus metrics to EMF log events in
 * `logGroupName`, each catalogue metric of `source` declared as a CloudWatch metric with the
 * ClusterName dimension, in CLUSTER_METRIC_NAMESPACE.
 */
export function renderAgentConfig(input: AgentConfigInput): string {
  const metrics = metricsOf(input.source);
  return JSON.stringify({
    agent: { region: input.region },
    logs: {
      metrics_collected: {
        prometheus: {
          cluster_name: input.clusterName,
          log_group_name: input.logGroupName,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_declaration_dedup: true,
            metric_namespace: CLUSTER_METRIC_NAMESPACE,
            metric_unit: Object.fromEntries(metrics.map((m) => [m.prometheusName, m.unit])),
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: `^${SCRAPE_JOBS[input.source]}$`,
                dimensions: [[CLUSTER_DIMENSION]],
                metric_selectors: metrics.map((m) => `^${m.prometheusName}$`),
              },
            ],
          },
        },
      },
    },
  });
}

/**
 * The cache hit ratio in percent per period, as CloudWatch metric math over the master's cumulative
 * read counters (ids are the ALLUXIO_METRICS keys): the rule of cluster-status.ts (1 - from the under
 * store / everything served, the under store's part capped at the total) applied to each period's
 * increase. A period with nothing read, or in which the master restarted (its counters fell back to
 * zero), has no value.
 */
export const HIT_RATIO_EXPRESSIONS = {
  served: 'DIFF(bytesReadRemote + bytesReadDomain + bytesReadLocal + bytesReadDirect)',
  fromUnderStore: 'DIFF(bytesReadUfs)',
  hitRatioPercent: 'IF(served > 0 AND fromUnderStore >= 0, 100 * (1 - IF(fromUnderStore > served, served, fromUnderStore) / served))',
  fromCache: 'IF(served > 0 AND fromUnderStore >= 0, served - IF(fromUnderStore > served, served, fromUnderStore))',
  fromMinio: 'IF(served > 0 AND fromUnderStore >= 0, IF(fromUnderStore > served, served, fromUnderStore))',
} as const;

/** The read counters each of the two base expressions names (by ALLUXIO_METRICS key). */
export const HIT_RATIO_INPUTS: { readonly served: readonly AlluxioMetricKey[]; readonly fromUnderStore: readonly AlluxioMetricKey[] } = {
  served: ['bytesReadRemote', 'bytesReadDomain', 'bytesReadLocal', 'bytesReadDirect'],
  fromUnderStore: ['bytesReadUfs'],
};

export const DEFAULT_HIT_RATIO_ALARM_PERCENT = 50;

/** The hit-ratio alarm's threshold, in percent: above 0 (nothing could breach it) and at most 100. */
export function validateHitRatioThreshold(percent: number): number {
  if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
    throw new InputError(
      'metrics.hitRatioAlarmThreshold',
      `${percent} is not a percentage a hit ratio can fall below`,
      'give a number above 0 and at most 100, e.g. 50',
    );
  }
  return percent;
}
