import { CfnElement, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { OFFICIAL_IMAGE_LAYOUT, SITE_PROPERTIES_SECRET } from '../core/alluxio-container';
import {
  alluxioPreloadCommand,
  PRELOAD_DEPLOYMENT_ENV,
  PRELOAD_FAILURE_METRIC,
  PRELOAD_LOG_MARKER,
  PRELOAD_OUTCOMES,
  PRELOAD_PATHS_ENV,
  PRELOAD_SUCCESS_METRIC,
  PreloadEntry,
  preloadPathsValue,
  validatePreloadEntries,
  validateMastersUnreachableSeconds,
} from '../core/preload';
import { DEFAULT_METRIC_NAMESPACE, METRIC_DIMENSION } from '../core/rotation-plan';
import { acknowledgeNagFindings } from '../private/nag-acknowledgements';

/** One Alluxio path to load into the cache. */
export interface PreloadPath {
  /**
   * The Alluxio path to load: a directory (everything under it) or a file, absolute from the root
   * mount (`/` is the MinIO bucket's directory). Letters, digits and `. _ - = + @ ,` between slashes.
   */
  readonly path: string;
  /**
   * When to load it again, besides after every deploy: an EventBridge schedule that runs the preload
   * task for this path only.
   *
   * @default - only after each deploy
   */
  readonly schedule?: events.Schedule;
  /**
   * How long the load of this path may take before it is stopped and counted as failed.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
}

/** Props of {@link CachePreload}. */
export interface CachePreloadProps {
  /** The paths to load, in this order, after each deploy; each with a schedule also on that schedule. */
  readonly paths: PreloadPath[];
  /** The ECS cluster running Alluxio. */
  readonly cluster: ecs.ICluster;
  /** The Alluxio image (the task runs its `bin/alluxio`). */
  readonly image: ecs.ContainerImage;
  /**
   * The rendered alluxio-site.properties of this deploy without the MinIO keys (the task is a client
   * of the master, which has the workers read MinIO); the container's ALLUXIO_SITE_PROPERTIES.
   */
  readonly siteProperties: ecs.Secret;
  /** Where the task's output and outcome line go (stream prefix `preload`). */
  readonly logGroup: logs.ILogGroup;
  /** The security group that lets the task reach the master and the job master. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The name the outcome line and the metric's dimension carry (the site-properties base name, as the
   * rotation metrics use).
   */
  readonly deploymentName: string;
  /** The run after a deploy starts only once this is complete (the Alluxio health check). */
  readonly runAfter: IDependable;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * How long a run keeps asking masters that do not answer before it gives up (a master replaced by
   * a rotation or a deploy answers again; a stack being deleted does not). AlluxioMinio passes its
   * rotation's `serviceRestartTimeout`, so a run waits out a master's restart as long as the rotation does.
   *
   * @default - 5 minutes, the default restart bound of a rotation
   */
  readonly mastersUnreachableTimeout?: Duration;
}

const DEFAULT_TIMEOUT = Duration.hours(1);
const CONTAINER_NAME = 'preload';

/**
 * Loads Alluxio paths into the cache: a Fargate task running the Alluxio image's `bin/alluxio fs load
 * <path> --submit` (2.9's distributed load, run by the master's scheduler) on each path and waiting
 * for its outcome (with the deploy's site file), started once after every deploy that
 * changes the configuration or the paths (through ecs:RunTask, after the health check) and on each
 * path's schedule (EventBridge). Each run ends with an outcome line in CloudWatch Logs, which metric
 * filters count as successes and failures; an alarm fires on a failure.
 */
export class CachePreload extends Construct {
  /** The preload task; run it by hand with the same network settings for an extra warm-up. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** One rule per path with a schedule, in the order of the paths. */
  public readonly scheduleRules: events.Rule[];
  /** In alarm when a run failed in the last 5 minutes (no action: add your own). */
  public readonly failureAlarm: cloudwatch.Alarm;
  private readonly deploymentName: string;

  constructor(scope: Construct, id: string, props: CachePreloadProps) {
    super(scope, id);
    const entries: PreloadEntry[] = props.paths.map((p) => ({ path: p.path, timeoutSeconds: (p.timeout ?? DEFAULT_TIMEOUT).toSeconds({ integral: false }) }));
    validatePreloadEntries(entries);
    const mastersUnreachableSeconds = props.mastersUnreachableTimeout?.toSeconds();
    validateMastersUnreachableSeconds(mastersUnreachableSeconds, 'mastersUnreachableTimeout');
    this.deploymentName = props.deploymentName;
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

    // A client JVM only: the smallest Fargate size that gives it room.
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', { cpu: 512, memoryLimitMiB: 1024 });
    this.taskDefinition.addContainer(CONTAINER_NAME, {
      image: props.image,
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      command: [alluxioPreloadCommand(OFFICIAL_IMAGE_LAYOUT, { mastersUnreachableSeconds })],
      environment: { [PRELOAD_PATHS_ENV]: preloadPathsValue(entries), [PRELOAD_DEPLOYMENT_ENV]: props.deploymentName },
      secrets: { [SITE_PROPERTIES_SECRET]: props.siteProperties },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'preload' }),
    });
    const taskRoles = [this.taskDefinition.taskRole, this.taskDefinition.obtainExecutionRole()];

    // --- after each deploy ---------------------------------------------------------------------
    // The task definition changes with the configuration (it names this deploy's site-properties
    // parameter) and with the paths (its environment), so its ARN keys the run: an update that
    // changes neither starts nothing. RunTask answers at once; the task's own outcome never fails
    // or holds up the deploy.
    const subnetIds = props.cluster.vpc.selectSubnets(subnets).subnetIds;
    const runTask: cr.AwsSdkCall = {
      service: 'ECS',
      action: 'runTask',
      parameters: {
        cluster: props.cluster.clusterArn,
        taskDefinition: this.taskDefinition.taskDefinitionArn,
        launchType: 'FARGATE',
        count: 1,
        networkConfiguration: {
          awsvpcConfiguration: { subnets: subnetIds, securityGroups: [props.securityGroup.securityGroupId], assignPublicIp: 'DISABLED' },
        },
        startedBy: 'cdk-alluxio-minio-deploy',
      },
      physicalResourceId: cr.PhysicalResourceId.of(this.taskDefinition.taskDefinitionArn),
      // RunTask answers with the whole task description; a custom resource's answer is limited to 4 KB.
      outputPaths: ['tasks.0.taskArn'],
    };
    const afterDeploy = new cr.AwsCustomResource(this, 'RunAfterDeploy', {
      onUpdate: runTask,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ecs:RunTask'],
          resources: [this.taskDefinition.taskDefinitionArn],
          conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
        }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: taskRoles.map((role) => role.roleArn) }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'RunAfterDeployLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    afterDeploy.node.addDependency(props.runAfter);

    // --- on a schedule -----------------------------------------------------------------------
    this.scheduleRules = [];
    props.paths.forEach((preload, index) => {
      if (!preload.schedule) return;
      const rule = new events.Rule(this, `Schedule${index}`, {
        description: `Preload ${preload.path} into the Alluxio cache`,
        schedule: preload.schedule,
        targets: [
          new targets.EcsTask({
            cluster: props.cluster,
            taskDefinition: this.taskDefinition,
            launchType: ecs.LaunchType.FARGATE,
            subnetSelection: subnets,
            securityGroups: [props.securityGroup],
            // This path only; the override is data for the script, never part of its text.
            containerOverrides: [{ containerName: CONTAINER_NAME, environment: [{ name: PRELOAD_PATHS_ENV, value: preloadPathsValue([entries[index]]) }] }],
          }),
        ],
      });
      this.scheduleRules.push(rule);
    });

    // --- outcome -------------------------------------------------------------------------------
    for (const [metricName, outcome] of [
      [PRELOAD_SUCCESS_METRIC, PRELOAD_OUTCOMES.succeeded],
      [PRELOAD_FAILURE_METRIC, PRELOAD_OUTCOMES.failed],
    ] as const) {
      new logs.MetricFilter(this, `${metricName}Filter`, {
        logGroup: props.logGroup,
        metricNamespace: DEFAULT_METRIC_NAMESPACE,
        metricName,
        filterPattern: preloadOutcomePattern(outcome),
        metricValue: '1',
        dimensions: { [METRIC_DIMENSION]: '$deployment' },
      });
    }
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: `A cache preload of ${props.deploymentName} failed or timed out; see the preload stream of the Alluxio log group`,
      metric: this.metricPreloadFailures(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    acknowledgeNagFindings(this.taskDefinition, [
      { id: 'AwsSolutions-ECS2', reason: 'The paths to load and the deployment name are non-secret; the properties come from SSM as a secret.' },
    ]);
    if (this.scheduleRules.length > 0) {
      // The rules' role, which aws-cdk-lib's EcsTask target makes under the task definition.
      acknowledgeNagFindings(this.taskDefinition, [
        {
          id: taskTaggingFinding(props.cluster),
          reason: "aws-cdk-lib's EcsTask target may tag the tasks it starts, which have ids only known at run time, in this cluster only.",
        },
      ]);
    }
  }

  /** Runs that loaded every path (sum per period). */
  public metricPreloadSuccesses(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.outcomeMetric(PRELOAD_SUCCESS_METRIC, props);
  }

  /** Runs in which a path failed or timed out (sum per period). */
  public metricPreloadFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.outcomeMetric(PRELOAD_FAILURE_METRIC, props);
  }

  private outcomeMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DEFAULT_METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION]: this.deploymentName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }
}

/** The finding id cdk-nag gives `ecs:TagResource` on every task of `cluster` (`.../task/<cluster>/*`). */
function taskTaggingFinding(cluster: ecs.ICluster): string {
  const stack = Stack.of(cluster);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const cfn = cluster.node.defaultChild as CfnElement | undefined;
  const name = cfn ? `<${stack.resolve(cfn.logicalId)}>` : cluster.clusterName;
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:*:task/${name}/*]`;
}

/**
 * The outcome line's fields, space-delimited: marker, outcome, deployment, then counts. The metric's
 * dimension is the deployment field, so two deployments sharing an account keep their own counts.
 */
function preloadOutcomePattern(outcome: string): logs.IFilterPattern {
  return logs.FilterPattern.spaceDelimited('marker', 'outcome', 'deployment', '...')
    .whereString('marker', '=', PRELOAD_LOG_MARKER)
    .whereString('outcome', '=', outcome);
}
