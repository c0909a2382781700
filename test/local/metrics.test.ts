import { randomBytes } from 'node:crypto';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Size } from 'aws-cdk-lib';
import { ALLUXIO_METRICS, AlluxioMetricSource, HIT_RATIO_INPUTS, metricsOf } from '../../lib/core/alluxio-metrics';
import { clusterStatusOf } from '../../lib/core/cluster-status';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { fetchText, parsePrometheusText, PrometheusFamily, sampleNames } from '../support/prometheus-text';
import { loadSandbox } from '../support/sandbox';

/*
 * The metrics the dashboard and the alarms use, against the real Alluxio 2.9.6 master and workers of a
 * local deployment with metrics on: each agent's deployed scrape configuration is followed to the
 * process it names (its `localhost` is the task's own address here, where each task has one), and
 * every name the dashboard, the alarms and the agents' declarations use must be one that process
 * emits, with the Alluxio name and type the catalogue claims. The CloudWatch agent itself does not run
 * here (its image cannot be pulled and its Go module is not on the module proxy this machine reaches).
 */

const FILE_BYTES = 4 * 1024 * 1024;
const ROTATION_METRICS = new Set(['RotationSuccesses', 'RotationFailures']);

let local: TestCluster;
let client: AlluxioClient;
let ecs: ECSClient;

interface Scraped {
  readonly address: string;
  readonly scrapeConfig: string;
  readonly agentConfig: any;
  readonly families: Map<string, PrometheusFamily>;
  readonly names: Set<string>;
}
const scraped: Partial<Record<AlluxioMetricSource, Scraped>> = {};

/** The deployed agent container of `role`'s task definition, as local ECS registered it (tokens resolved). */
async function deployedAgent(role: AlluxioMetricSource): Promise<{ address: string; environment: Record<string, string> }> {
  const task = local.cluster.ecs!.tasksOf(local.cluster.serviceName(role))[0];
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinition }));
  const agent = taskDefinition!.containerDefinitions!.find((c) => c.name === 'metrics-agent');
  if (!agent) throw new Error(`the ${role} task definition has no metrics-agent container`);
  return { address: task.address, environment: Object.fromEntries((agent.environment ?? []).map((e) => [e.name!, e.value!])) };
}

async function scrape(role: AlluxioMetricSource): Promise<Scraped> {
  const { address, environment } = await deployedAgent(role);
  const scrapeConfig = environment.PROMETHEUS_CONFIG_CONTENT;
  const path = /metrics_path: (\S+)/.exec(scrapeConfig)![1];
  const port = Number(/targets: \['localhost:(\d+)'\]/.exec(scrapeConfig)![1]);
  const families = parsePrometheusText(await fetchText(address, port, path));
  return { address, scrapeConfig, agentConfig: JSON.parse(environment.CW_CONFIG_CONTENT), families, names: sampleNames(families) };
}

/** The AlluxioMinio-namespace metric names a deployed template's dashboard and alarms read. */
function metricNamesReadByDashboardAndAlarms(): Set<string> {
  const names = new Set<string>();
  for (const resource of Object.values(local.cluster.template.Resources) as any[]) {
    if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      const parts: unknown[] = resource.Properties.DashboardBody['Fn::Join'][1];
      const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
      for (const widget of body.widgets) {
        for (const line of widget.properties.metrics ?? []) {
          if (typeof line[0] === 'string' && line[0] === 'AlluxioMinio') names.add(line[1]);
        }
      }
    }
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const stats = [resource.Properties, ...(resource.Properties.Metrics ?? []).map((m: any) => m.MetricStat?.Metric ?? {})];
      for (const stat of stats) if (stat.Namespace === 'AlluxioMinio' && stat.MetricName) names.add(stat.MetricName);
    }
  }
  return names;
}

beforeAll(async () => {
  local = await deployTestCluster('metrics', { alluxio: { cacheSize: Size.gibibytes(1) }, metrics: { enabled: true } });
  client = local.cluster.client();
  const { aws } = loadSandbox();
  ecs = new ECSClient({
    endpoint: local.cluster.ecsEndpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  });
  // Reads through the workers: a cold one from MinIO and a warm one from the cache, so the read
  // counters (which the workers create on first use) exist and have moved. The object is put into the
  // bucket directly (Alluxio loads an unknown path's metadata on first access), so the first read
  // cannot find it cached (`fs free` only frees with a later worker heartbeat).
  // The master's cluster counters count from its start, fed by the workers' heartbeats: a master
  // replaced after the reads (a health-check stop under load) starts from zero, and a worker sends
  // each count once, so a heartbeat lost around a restart loses it. CI saw "served 0, from MinIO 0"
  // for 120 s once while the workers' own counters had moved. So a round that the master does not
  // count is read again with a new object (at most three), and each such round is printed with the
  // master's uptime and the workers' own counters: what is asserted is that a master up throughout
  // counts the reads, not that no heartbeat is ever lost.
  const s3 = createMinioS3Client(local.minio);
  try {
    for (let round = 1; ; round++) {
      const path = `/metrics-sample-${round}.bin`;
      await s3.send(new PutObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}${path}`, Body: randomBytes(FILE_BYTES) }));
      const readAt = Date.now();
      const reads = await client.timedReads(path, 2);
      if (reads.map((r) => r.bytes).join() !== `${FILE_BYTES},${FILE_BYTES}`) throw new Error(`the sample reads returned ${JSON.stringify(reads)}`);
      try {
        // The master aggregates the workers' counters from their heartbeats (every second).
        await eventually(
          'the master counts the bytes read from MinIO and from the cache',
          60_000,
          async () => {
            const status = clusterStatusOf(await local.cluster.masterInfo());
            // The cold read counts as served and from MinIO, the warm one as served only (seen here with
            // separate reads: 8 MiB served, 4 MiB from MinIO); a lost heartbeat can lose part of either.
            if (status.bytesFromUnderStore >= FILE_BYTES && status.bytesServed > status.bytesFromUnderStore) return true;
            throw new Error(`served ${status.bytesServed}, from MinIO ${status.bytesFromUnderStore} of ${FILE_BYTES} read twice`);
          },
          1000,
        );
        break;
      } catch (error) {
        const status = clusterStatusOf(await local.cluster.masterInfo());
        const workers = await Promise.all(
          local.cluster.ecs!.tasksOf(local.cluster.serviceName('worker')).map(async (task) => {
            const text = await fetchText(task.address, 30000, '/metrics/prometheus/').catch((e) => String(e));
            return `${task.address}: ${text
              .split('\n')
              .filter((line) => /^Worker_BytesRead(Remote|UfsAll|Cache) /.test(line))
              .join(', ')}`;
          }),
        );
        const diagnosis = `round ${round}: ${error instanceof Error ? error.message : String(error)}; the master is up ${status.uptimeSeconds} s (the reads began ${Math.round((Date.now() - readAt) / 1000)} s ago); the workers' own counters: ${workers.join('; ')}`;
        if (round === 3) throw new Error(`${diagnosis}\n${local.logTail(4000)}`, { cause: error });
        console.warn(`metrics suite: reading again, ${diagnosis}`);
      }
    }
  } finally {
    s3.destroy();
  }
  scraped.master = await scrape('master');
  scraped.worker = await scrape('worker');
}, CLUSTER_DEPLOY_TIMEOUT_MS + 240_000);

afterAll(async () => {
  ecs?.destroy();
  await local?.stop();
}, 120_000);

describe.each(['master', 'worker'] as const)("the %s's Prometheus endpoint the deployed agent scrapes", (role) => {
  test('answers at the configured port and path with the Alluxio metrics', () => {
    const { families } = scraped[role]!;
    expect(families.size).toBeGreaterThan(50);
  });

  test('emits every catalogue metric of the process, named from its Alluxio name, as a gauge', () => {
    const { families, names } = scraped[role]!;
    const missing = metricsOf(role)
      .filter((m) => !names.has(m.prometheusName))
      .map((m) => m.prometheusName);
    expect({ role, missing }).toEqual({ role, missing: [] });
    for (const metric of metricsOf(role)) {
      const family = families.get(metric.prometheusName)!;
      expect({ name: metric.prometheusName, help: family.help }).toEqual({
        name: metric.prometheusName,
        help: expect.stringContaining(`(metric=${metric.alluxioName}, type=`),
      });
      // Dropwizard counters are exported as gauges: the values are cumulative, the dashboard takes DIFFs.
      expect({ name: metric.prometheusName, type: family.type }).toEqual({ name: metric.prometheusName, type: 'gauge' });
      expect({ name: metric.prometheusName, counter: family.help!.includes('type=com.codahale.metrics.Counter') }).toEqual({
        name: metric.prometheusName,
        counter: metric.cumulative,
      });
    }
  });

  test("the scrape configuration's keep filter passes exactly the catalogue's metrics of all it emits", () => {
    const { scrapeConfig, names } = scraped[role]!;
    const keep = new RegExp(/regex: '(.*)'/.exec(scrapeConfig)![1]);
    expect([...names].filter((name) => keep.test(name)).sort()).toEqual(
      metricsOf(role)
        .map((m) => m.prometheusName)
        .sort(),
    );
  });

  test('each metric the agent declares for CloudWatch selects one metric the process emits', () => {
    const { agentConfig, names } = scraped[role]!;
    const selectors: string[] = agentConfig.logs.metrics_collected.prometheus.emf_processor.metric_declaration.flatMap((d: any) => d.metric_selectors);
    expect(selectors.map((selector) => [selector, [...names].filter((name) => new RegExp(selector).test(name)).length])).toEqual(selectors.map((s) => [s, 1]));
  });
});

describe('the dashboard and the alarms', () => {
  test('read only metrics the real master and workers emit (a name they do not emit fails here)', () => {
    const used = [...metricNamesReadByDashboardAndAlarms()].filter((name) => !ROTATION_METRICS.has(name));
    expect(used.length).toBeGreaterThanOrEqual(8);
    const emittedBy = (name: string) => (['master', 'worker'] as const).filter((role) => scraped[role]!.names.has(name));
    const notEmitted = used.filter((name) => emittedBy(name).length === 0);
    expect(notEmitted).toEqual([]);
    // And by the process the catalogue says: the agent beside that process is the one that sends it.
    for (const name of used) {
      const entry = Object.values(ALLUXIO_METRICS).find((m) => m.cloudWatchName === name)!;
      expect({ name, emittedBy: emittedBy(name) }).toEqual({ name, emittedBy: expect.arrayContaining([entry.source]) });
    }
  });

  test('a name one process does not emit is caught: the worker emits none of the cluster-wide counters', () => {
    expect(scraped.worker!.names.has(ALLUXIO_METRICS.bytesReadUfs.prometheusName)).toBe(false);
    expect(scraped.master!.names.has(ALLUXIO_METRICS.workerCapacityUsed.prometheusName)).toBe(false);
  });

  test("the hit ratio's counters on the Prometheus endpoint are the ones status --cluster reads from the master info", async () => {
    await eventually('the Prometheus counters and the master info agree', 30_000, async () => {
      const [text, info] = await Promise.all([fetchText(scraped.master!.address, 19999, '/metrics/prometheus/'), local.cluster.masterInfo()]);
      const families = parsePrometheusText(text);
      const value = (key: keyof typeof ALLUXIO_METRICS) => families.get(ALLUXIO_METRICS[key].prometheusName)!.samples.get(ALLUXIO_METRICS[key].prometheusName)!;
      const served = HIT_RATIO_INPUTS.served.reduce((sum, key) => sum + value(key), 0);
      const status = clusterStatusOf(info);
      return served === status.bytesServed && value('bytesReadUfs') === status.bytesFromUnderStore ? { served, status } : undefined;
    });
  }, 60_000);
});
