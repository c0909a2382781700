import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AlluxioMetricSource, METRICS_AGENT_CPU, METRICS_AGENT_MEMORY_MIB, renderAgentConfig, renderScrapeConfig } from '../core/alluxio-metrics';

/** Which Alluxio process of a task the metrics agent scrapes. */
export enum AlluxioMetricsTarget {
  /** The master's web port, 19999 (with the cluster-wide aggregates of the workers' counters). */
  MASTER = 'master',
  /** A worker's web port, 30000. */
  WORKER = 'worker',
}

/** Props of {@link AlluxioMetricsAgent}. */
export interface AlluxioMetricsAgentProps {
  /** The task definition whose Alluxio container the agent runs beside. */
  readonly taskDefinition: ecs.TaskDefinition;
  /** Which Alluxio process runs in that task. */
  readonly target: AlluxioMetricsTarget;
  /** The ECS cluster the task runs in: its name is the `ClusterName` dimension of every metric. */
  readonly cluster: ecs.ICluster;
  /** Where the agent's own log lines go. */
  readonly logGroup: logs.ILogGroup;
  /**
   * The CloudWatch agent image.
   *
   * @default - `AlluxioMetricsAgent.DEFAULT_IMAGE` from the public ECR gallery
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Retention of the log group the agent writes its metric (EMF) events to.
   *
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly metricLogRetention?: logs.RetentionDays;
}

/**
 * The CloudWatch agent as a sidecar of an Alluxio task: it scrapes the Alluxio process's Prometheus
 * endpoint over the task's loopback once a minute and writes the dashboard's metrics as EMF log events,
 * from which CloudWatch Logs makes them metrics in the `AlluxioMinio` namespace.
 *
 * Why the CloudWatch agent rather than the ADOT collector: both are maintained by AWS and both scrape
 * Prometheus into EMF, but the agent's translation (Prometheus name kept as the metric name, gauges
 * sent as they are, counters as deltas) is specified in the CloudWatch documentation itself, while the
 * collector's names also depend on its Prometheus receiver's name normalization and its awsemf
 * exporter's settings; and the agent's documented ECS set-up takes its two configurations from
 * environment variables (CW_CONFIG_CONTENT, PROMETHEUS_CONFIG_CONTENT), so the sidecar needs no file,
 * volume or SSM parameter.
 */
export class AlluxioMetricsAgent extends Construct {
  /**
   * The agent image used when none is given: pinned, so a new agent release reaches the cluster only
   * with a new release of this library (an image someone else changes would change what is scraped).
   */
  public static readonly DEFAULT_IMAGE = 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300062.0b1304';

  /** The sidecar container. */
  public readonly container: ecs.ContainerDefinition;
  /** The log group the agent writes its EMF events to (the metrics' source). */
  public readonly metricLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AlluxioMetricsAgentProps) {
    super(scope, id);
    const source = props.target as string as AlluxioMetricSource;
    this.metricLogGroup = new logs.LogGroup(this, 'MetricEvents', {
      retention: props.metricLogRetention ?? logs.RetentionDays.ONE_WEEK,
      // Metrics are extracted on arrival; the events themselves are not worth keeping past the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.container = props.taskDefinition.addContainer('metrics-agent', {
      image: props.image ?? ecs.ContainerImage.fromRegistry(AlluxioMetricsAgent.DEFAULT_IMAGE),
      // A stopped agent must never stop Alluxio; ECS restarts it in place instead.
      essential: false,
      enableRestartPolicy: true,
      // In a Fargate task it is taken from the task's size, not added to it, and the JVMs are sized
      // without its hard limit (AlluxioMinio passes it to the JVM memory rule), so it can never crowd
      // them out; beside an EC2 worker container (which has a hard limit of its own) it is added on the host.
      cpu: METRICS_AGENT_CPU,
      memoryReservationMiB: 64,
      memoryLimitMiB: METRICS_AGENT_MEMORY_MIB,
      environment: {
        CW_CONFIG_CONTENT: renderAgentConfig({
          source,
          clusterName: props.cluster.clusterName,
          logGroupName: this.metricLogGroup.logGroupName,
          region: Stack.of(this).region,
        }),
        PROMETHEUS_CONFIG_CONTENT: renderScrapeConfig({ source, clusterName: props.cluster.clusterName }),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: `metrics-agent-${source}` }),
    });
    // EMF needs only CloudWatch Logs: the metrics are extracted from the events, no PutMetricData.
    this.metricLogGroup.grantWrite(props.taskDefinition.taskRole);
  }
}
