import {
  ALLUXIO_METRICS,
  CLUSTER_DIMENSION,
  CLUSTER_METRIC_NAMESPACE,
  HIT_RATIO_EXPRESSIONS,
  HIT_RATIO_INPUTS,
  metricsOf,
  prometheusNameOf,
  renderAgentConfig,
  renderScrapeConfig,
  validateHitRatioThreshold,
} from '../../lib/core/alluxio-metrics';
import { CLUSTER_READ_METRICS } from '../../lib/core/cluster-status';
import { expectInputError } from './expect-input-error';

describe('the metric catalogue', () => {
  test("Alluxio names become Prometheus names by the Dropwizard bridge's rule, and CloudWatch keeps them", () => {
    expect(prometheusNameOf('Cluster.BytesReadUfsAll')).toBe('Cluster_BytesReadUfsAll');
    // As the 2.9.6 master exports its per-UFS counters: ':' kept, '%' and '.' replaced.
    expect(prometheusNameOf('Cluster.BytesReadPerUfs.UFS:s3:%2F%2Fdatalake%2Falluxio')).toBe('Cluster_BytesReadPerUfs_UFS:s3:_2F_2Fdatalake_2Falluxio');
    for (const metric of Object.values(ALLUXIO_METRICS)) {
      expect(metric.prometheusName).toBe(prometheusNameOf(metric.alluxioName));
      expect(metric.cloudWatchName).toBe(metric.prometheusName);
    }
  });

  test('the hit ratio reads the same counters as status --cluster (cluster-status.ts)', () => {
    const alluxioNames = (keys: readonly string[]) => keys.map((key) => ALLUXIO_METRICS[key as keyof typeof ALLUXIO_METRICS].alluxioName).sort();
    const { fromUnderStore, ...served } = CLUSTER_READ_METRICS;
    expect(alluxioNames(HIT_RATIO_INPUTS.served)).toEqual(Object.values(served).sort());
    expect(alluxioNames(HIT_RATIO_INPUTS.fromUnderStore)).toEqual([fromUnderStore]);
    // Each base expression names exactly its inputs.
    for (const [name, keys] of Object.entries(HIT_RATIO_INPUTS)) {
      const named = HIT_RATIO_EXPRESSIONS[name as 'served' | 'fromUnderStore'].match(/[a-z][A-Za-z]+(?=[ )+])/g);
      expect([...new Set(named)].filter((id) => id !== 'DIFF').sort()).toEqual([...keys].sort());
    }
  });

  // MetricsOptions.enabled's doc states the number of custom metrics.
  test('13 metrics: 12 from the master, 1 from the workers', () => {
    expect(metricsOf('master')).toHaveLength(12);
    expect(metricsOf('worker')).toHaveLength(1);
  });
});

describe('the agent configurations', () => {
  test("the master's scrape configuration targets its own web port and keeps only the catalogue's metrics", () => {
    expect(renderScrapeConfig({ source: 'master', clusterName: 'alluxio-cluster' })).toBe(
      [
        'global:',
        '  scrape_interval: 60s',
        '  scrape_timeout: 10s',
        'scrape_configs:',
        '  - job_name: alluxio-master',
        '    metrics_path: /metrics/prometheus/',
        '    static_configs:',
        "      - targets: ['localhost:19999']",
        '        labels:',
        "          ClusterName: 'alluxio-cluster'",
        '    metric_relabel_configs:',
        '      - source_labels: [__name__]',
        "        regex: '^(Cluster_BytesReadRemote|Cluster_BytesReadDomain|Cluster_BytesReadLocal|Cluster_BytesReadDirect|Cluster_BytesReadUfsAll|Cluster_CapacityUsed|Cluster_CapacityTotal|Cluster_Workers|Cluster_LostWorkers|Master_MetadataSyncFail|Master_MetadataSyncPathsFail|Master_MetadataSyncPrefetchFail)$'",
        '        action: keep',
        '',
      ].join('\n'),
    );
  });

  test("a worker's scrape configuration targets port 30000", () => {
    const config = renderScrapeConfig({ source: 'worker', clusterName: 'c' });
    expect(config).toContain("targets: ['localhost:30000']");
    expect(config).toContain('job_name: alluxio-worker');
    expect(config).toContain("regex: '^(Worker_CapacityUsed)$'");
  });

  test('the agent turns exactly the catalogue metrics of its process into CloudWatch metrics with the ClusterName dimension', () => {
    const config = JSON.parse(renderAgentConfig({ source: 'master', clusterName: 'c', logGroupName: 'emf-group', region: 'eu-west-1' }));
    expect(config.agent).toEqual({ region: 'eu-west-1' });
    const prometheus = config.logs.metrics_collected.prometheus;
    expect(prometheus.log_group_name).toBe('emf-group');
    expect(prometheus.prometheus_config_path).toBe('env:PROMETHEUS_CONFIG_CONTENT');
    expect(prometheus.emf_processor.metric_namespace).toBe(CLUSTER_METRIC_NAMESPACE);
    expect(prometheus.emf_processor.metric_declaration).toEqual([
      {
        source_labels: ['job'],
        label_matcher: '^alluxio-master$',
        dimensions: [[CLUSTER_DIMENSION]],
        metric_selectors: metricsOf('master').map((m) => `^${m.prometheusName}$`),
      },
    ]);
    expect(prometheus.emf_processor.metric_unit.Cluster_BytesReadUfsAll).toBe('Bytes');
    expect(prometheus.emf_processor.metric_unit.Cluster_Workers).toBe('Count');
  });
});

describe('the hit-ratio alarm threshold', () => {
  test.each([0, -5, 101, Number.NaN])('%p is refused, naming the prop', (value) => {
    expect(expectInputError(() => validateHitRatioThreshold(value), 'metrics.hitRatioAlarmThreshold').fix).toContain('above 0 and at most 100');
  });

  test.each([1, 50, 100, 99.5])('%p is accepted', (value) => {
    expect(validateHitRatioThreshold(value)).toBe(value);
  });
});
