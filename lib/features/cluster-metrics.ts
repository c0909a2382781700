import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IDependable } from 'constructs';
import { AlluxioClusterDashboard } from './cluster-dashboard';
import { InputError } from '../core/input-error';
import { CredentialRotation } from './credential-rotation';
import { AlluxioMetricsAgent, AlluxioMetricsTarget } from './metrics-agent';

/** The cluster's metrics in CloudWatch, its dashboard and its alarms. */
export interface MetricsOptions {
  /**
   * Run the CloudWatch agent beside the master and every worker, and create the dashboard and the
   * alarms. On Fargate each agent takes 64 CPU units and 64 to 256 MiB of its task's share (the task
   * is not made larger); beside an EC2 worker container it has that limit of its own, on the host.
   * The dashboard reads 13 custom CloudWatch metrics, and each task writes one EMF log event a
   * minute to CloudWatch Logs, from which those metrics are extracted.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * What the alarms (no live worker, low hit ratio) notify. CloudWatch must be allowed to publish to it.
   *
   * @default - the rotation topic; with rotation turned off this must be given
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The cache hit ratio, in percent, below which the hit-ratio alarm fires (three 5-minute periods
   * with reads in a row).
   *
   * @default 50
   */
  readonly hitRatioAlarmThreshold?: number;
  /**
   * The CloudWatch agent image.
   *
   * @default - `AlluxioMetricsAgent.DEFAULT_IMAGE` (a pinned release from the public ECR gallery)
   */
  readonly agentImage?: ecs.ContainerImage;
}

/** Props of {@link AlluxioClusterMetrics}. */
export interface AlluxioClusterMetricsProps {
  /** The user's metrics props (`enabled` is the caller's business: this construct is the "on" case). */
  readonly options: MetricsOptions;
  /** The ECS cluster the tasks run in (its name is the metrics' `ClusterName` dimension). */
  readonly cluster: ecs.ICluster;
  /** The master's task definition (its agent scrapes port 19999). */
  readonly masterTaskDefinition: ecs.TaskDefinition;
  /**
   * The task definitions of the other masters of a highly available cluster: each gets an agent too,
   * since whichever is primary serves the metrics (2.9's standby masters serve none).
   *
   * @default - none
   */
  readonly otherMasterTaskDefinitions?: ecs.TaskDefinition[];
  /** The workers' task definition (each worker's agent scrapes port 30000). */
  readonly workerTaskDefinition: ecs.TaskDefinition;
  /** Where the agents' own log lines go. */
  readonly logGroup: logs.ILogGroup;
  /**
   * The rotation whose outcomes the dashboard shows, and whose topic the alarms notify by default.
   *
   * @default - none
   */
  readonly rotation?: CredentialRotation;
  /**
   * What the alarms wait for (the services).
   *
   * @default - none
   */
  readonly alarmsAfter?: IDependable[];
}

/** An agent beside the master and each worker, the dashboard, and the alarms. */
export class AlluxioClusterMetrics extends Construct {
  /** The agent beside the master. */
  public readonly masterAgent: AlluxioMetricsAgent;
  /** The agents beside the other masters of a highly available cluster, in index order from the second master. */
  public readonly otherMasterAgents: AlluxioMetricsAgent[];
  /** The agent beside each worker (one container definition in the workers' task definition). */
  public readonly workerAgent: AlluxioMetricsAgent;
  /** The dashboard and its alarms. */
  public readonly dashboard: AlluxioClusterDashboard;

  constructor(scope: Construct, id: string, props: AlluxioClusterMetricsProps) {
    super(scope, id);
    const alarmTopic = props.options.alarmTopic ?? props.rotation?.topic;
    if (!alarmTopic) {
      throw new InputError(
        'metrics.alarmTopic',
        'is required with rotation turned off (rotation.enabled: false): the alarms would notify nobody',
        'pass metrics.alarmTopic, an SNS topic CloudWatch may publish to, or turn rotation on to use its topic',
      );
    }
    const agent = (agentId: string, taskDefinition: ecs.TaskDefinition, target: AlluxioMetricsTarget) =>
      new AlluxioMetricsAgent(this, agentId, { taskDefinition, target, cluster: props.cluster, logGroup: props.logGroup, image: props.options.agentImage });
    this.masterAgent = agent('MasterAgent', props.masterTaskDefinition, AlluxioMetricsTarget.MASTER);
    this.otherMasterAgents = (props.otherMasterTaskDefinitions ?? []).map((taskDefinition, index) =>
      agent(`MasterAgent${index + 1}`, taskDefinition, AlluxioMetricsTarget.MASTER),
    );
    this.workerAgent = agent('WorkerAgent', props.workerTaskDefinition, AlluxioMetricsTarget.WORKER);
    this.dashboard = new AlluxioClusterDashboard(this, 'Dashboard', {
      cluster: props.cluster,
      alarmTopic,
      rotation: props.rotation,
      hitRatioAlarmThreshold: props.options.hitRatioAlarmThreshold,
      alarmsAfter: props.alarmsAfter,
    });
  }
}
