import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IDependable } from 'constructs';
import {
  ALLUXIO_METRICS,
  AlluxioMetricKey,
  CLUSTER_DIMENSION,
  CLUSTER_METRIC_NAMESPACE,
  DEFAULT_HIT_RATIO_ALARM_PERCENT,
  HIT_RATIO_EXPRESSIONS,
  HIT_RATIO_INPUTS,
  validateHitRatioThreshold,
} from '../core/alluxio-metrics';
import { CredentialRotation } from './credential-rotation';

/** Props of {@link AlluxioClusterDashboard}. */
export interface AlluxioClusterDashboardProps {
  /** The ECS cluster whose name the metrics carry as their `ClusterName` dimension. */
  readonly cluster: ecs.ICluster;
  /** What the alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The credential rotation whose outcomes the dashboard shows.
   *
   * @default - no rotation widget
   */
  readonly rotation?: CredentialRotation;
  /**
   * The cache hit ratio, in percent, below which the hit-ratio alarm fires when it stays there for
   * three 5-minute periods in which something was read.
   *
   * @default 50
   */
  readonly hitRatioAlarmThreshold?: number;
  /**
   * What must exist before the alarms (the services whose tasks send the metrics): an alarm created
   * before its first data point would report the cluster absent during the first deploy.
   *
   * @default - none
   */
  readonly alarmsAfter?: IDependable[];
}

const HIT_RATIO_PERIOD = Duration.minutes(5);
const HIT_RATIO_PERIODS = 3;
const LIVE_WORKERS_PERIOD = Duration.minutes(1);
const NO_LIVE_WORKER_PERIODS = 5;

/**
 * A CloudWatch dashboard of one Alluxio cluster (cache hit ratio, bytes read from the cache and from
 * MinIO, cache capacity, live workers, MinIO errors, rotation outcomes) and its two alarms: no live
 * worker, and a hit ratio that stays low.
 */
export class AlluxioClusterDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Fires when the master has reported no live worker (or nothing at all) for five minutes. */
  public readonly noLiveWorkersAlarm: cloudwatch.Alarm;
  /** Fires when the cache hit ratio stays below the threshold for three 5-minute periods with reads. */
  public readonly lowHitRatioAlarm: cloudwatch.Alarm;

  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: AlluxioClusterDashboardProps) {
    super(scope, id);
    this.clusterName = props.cluster.clusterName;
    const threshold = validateHitRatioThreshold(props.hitRatioAlarmThreshold ?? DEFAULT_HIT_RATIO_ALARM_PERCENT);

    const hitRatio = this.hitRatioExpression('hitRatioPercent', 'cache hit ratio (%)', HIT_RATIO_PERIOD);
    this.lowHitRatioAlarm = hitRatio.createAlarm(this, 'LowHitRatioAlarm', {
      alarmDescription:
        `The Alluxio cache hit ratio of ${this.clusterName} stayed below ${threshold}% for ${HIT_RATIO_PERIODS} periods of 5 minutes with reads: ` +
        `most bytes are read from MinIO (cache too small, evictions, or a new working set)`,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: HIT_RATIO_PERIODS,
      datapointsToAlarm: HIT_RATIO_PERIODS,
      // A period with nothing read has no ratio: idleness is not a falling hit ratio.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.noLiveWorkersAlarm = this.metric('liveWorkers', { statistic: cloudwatch.Stats.MINIMUM, period: LIVE_WORKERS_PERIOD }).createAlarm(
      this,
      'NoLiveWorkersAlarm',
      {
        alarmDescription:
          `The Alluxio master of ${this.clusterName} reported no live worker (or reported nothing) for ${NO_LIVE_WORKER_PERIODS} minutes: ` +
          `reads fail or go to MinIO`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: NO_LIVE_WORKER_PERIODS,
        datapointsToAlarm: NO_LIVE_WORKER_PERIODS,
        // A master that sends nothing is no evidence of a live worker: a stopped master or agent alarms too.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
    const notify = new cloudwatchActions.SnsAction(props.alarmTopic);
    for (const alarm of [this.lowHitRatioAlarm, this.noLiveWorkersAlarm]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      for (const dependency of props.alarmsAfter ?? []) alarm.node.addDependency(dependency);
    }

    const perPeriod = Duration.minutes(5);
    const failuresPerPeriod = (key: AlluxioMetricKey, label: string) =>
      new cloudwatch.MathExpression({
        expression: `IF(DIFF(${key}) >= 0, DIFF(${key}))`,
        usingMetrics: { [key]: this.metric(key, { statistic: cloudwatch.Stats.MAXIMUM, period: perPeriod }) },
        label,
        period: perPeriod,
      });
    const widgets: cloudwatch.IWidget[][] = [
      [
        new cloudwatch.GraphWidget({
          title: 'Cache hit ratio (%) per 5 minutes',
          left: [hitRatio],
          leftYAxis: { min: 0, max: 100, showUnits: false },
          leftAnnotations: [{ value: threshold, label: 'alarm threshold', color: cloudwatch.Color.RED }],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Bytes read: from the cache vs from MinIO, per 5 minutes',
          left: [this.hitRatioExpression('fromCache', 'from the cache', perPeriod), this.hitRatioExpression('fromMinio', 'from MinIO', perPeriod)],
          stacked: true,
          width: 12,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Cache capacity (bytes)',
          left: [
            this.metric('capacityUsed', { label: 'used, all workers' }),
            this.metric('capacityTotal', { label: 'capacity, all workers' }),
            // One value per worker and minute under the same dimension: the maximum is the fullest worker.
            this.metric('workerCapacityUsed', { label: 'used, fullest worker' }),
            this.metric('workerCapacityUsed', { statistic: cloudwatch.Stats.MINIMUM, label: 'used, emptiest worker' }),
          ],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Workers',
          left: [
            this.metric('liveWorkers', { statistic: cloudwatch.Stats.MINIMUM, period: LIVE_WORKERS_PERIOD, label: 'live' }),
            this.metric('lostWorkers', { period: LIVE_WORKERS_PERIOD, label: 'lost' }),
          ],
          leftYAxis: { min: 0, showUnits: false },
          leftAnnotations: [{ value: 1, label: 'no-live-worker alarm below', color: cloudwatch.Color.RED }],
          width: 12,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'MinIO (under store) errors per 5 minutes',
          left: [
            failuresPerPeriod('metadataSyncFailures', 'failed metadata syncs'),
            failuresPerPeriod('metadataSyncPathFailures', 'paths that failed to sync'),
            failuresPerPeriod('metadataSyncPrefetchFailures', 'failed listing prefetches'),
          ],
          leftYAxis: { min: 0, showUnits: false },
          width: 12,
        }),
        props.rotation
          ? new cloudwatch.GraphWidget({
              title: 'Credential rotations per 5 minutes',
              left: [props.rotation.metricRotationSuccesses({ label: 'succeeded' }), props.rotation.metricRotationFailures({ label: 'failed or rolled back' })],
              leftYAxis: { min: 0, showUnits: false },
              width: 12,
            })
          : new cloudwatch.TextWidget({ markdown: 'Credential rotation is off (`rotation.enabled: false`): no outcomes to show.', width: 12, height: 6 }),
      ],
      [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [this.noLiveWorkersAlarm, this.lowHitRatioAlarm], width: 24, height: 3 })],
    ];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { widgets, defaultInterval: Duration.hours(3) });
  }

  /** A catalogue metric of this cluster (by default its maximum per minute: cumulative counters and gauges alike). */
  private metric(key: AlluxioMetricKey, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const entry = ALLUXIO_METRICS[key];
    return new cloudwatch.Metric({
      namespace: CLUSTER_METRIC_NAMESPACE,
      metricName: entry.cloudWatchName,
      dimensionsMap: { [CLUSTER_DIMENSION]: this.clusterName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      ...options,
    });
  }

  /** One of HIT_RATIO_EXPRESSIONS over the read counters' maxima per `period`. */
  private hitRatioExpression(name: 'hitRatioPercent' | 'fromCache' | 'fromMinio', label: string, period: Duration): cloudwatch.MathExpression {
    const counters = (keys: readonly AlluxioMetricKey[]) => Object.fromEntries(keys.map((key) => [key, this.metric(key, { period })]));
    const served = new cloudwatch.MathExpression({ expression: HIT_RATIO_EXPRESSIONS.served, usingMetrics: counters(HIT_RATIO_INPUTS.served), period });
    const fromUnderStore = new cloudwatch.MathExpression({
      expression: HIT_RATIO_EXPRESSIONS.fromUnderStore,
      usingMetrics: counters(HIT_RATIO_INPUTS.fromUnderStore),
      period,
    });
    return new cloudwatch.MathExpression({ expression: HIT_RATIO_EXPRESSIONS[name], usingMetrics: { served, fromUnderStore }, label, period });
  }
}
