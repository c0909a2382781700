import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sfnTasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { createAlarmTopic } from '../private/alarm-topic';
import {
  DEFAULT_PAIR_WAIT_SECONDS,
  DEFAULT_SERVICE_RESTART_SECONDS,
  DEFAULT_VERIFICATION_SECONDS,
  ROTATION_STEP_TIMEOUT_SECONDS,
  rotationExecutionTimeoutSeconds,
  startExecutionTimeoutSeconds,
  validateRotationWaits,
} from '../core/rotation-budget';
import { InputError } from '../core/input-error';
import { ROTATION_ENV } from '../core/rotation-environment';
import {
  DEFAULT_LAST_KNOWN_GOOD_LABEL,
  DEFAULT_METRIC_NAMESPACE,
  FAILURE_METRIC,
  METRIC_DIMENSION,
  SUCCESS_METRIC,
  validateLabelName,
} from '../core/rotation-plan';
import { bundledHandlerCode } from '../private/handler-code';
import { acknowledgeNagFindings, arnWildcardFinding, parameterPathWildcardFinding } from '../private/nag-acknowledgements';

export interface CredentialRotationProps {
  /** The MinIO access key parameter (SecureString). */
  readonly accessKeyParameter: ssm.IStringParameter;
  /** The MinIO secret key parameter (SecureString). */
  readonly secretKeyParameter: ssm.IStringParameter;
  /**
   * The base name of the rendered configurations: the render custom resource writes each one to
   * `<base>/<generation>`, and the services' task definitions name theirs. Rotation changes the keys
   * in the one the services run, nothing else.
   */
  readonly sitePropertiesParameterName: string;
  /**
   * Whether the key parameters are this deployment's own (generated). A failed rotation then writes
   * the last-known-good pair back; otherwise the parameters are only read (no write, no label, and no
   * IAM permission to do either): a failure restores the cluster's configuration and reports.
   *
   * @default false
   */
  readonly ownsKeys?: boolean;
  readonly cluster: ecs.ICluster;
  /**
   * The master services, one per master (one entry: a single master). Restarted one at a time (force
   * new deployment), each waited for: with several, the ones that follow first and the leader (the
   * one whose web address answers, see `alluxioMasterWebAddresses`) last. A master's journal is on its
   * own volume and is not formatted again.
   */
  readonly masterServices: ecs.IBaseService[];
  /** Restarted after the masters are stable. */
  readonly workerService: ecs.IBaseService;
  /**
   * A MinIO the construct runs, whose root credentials are the pair: restarted before the new pair is checked.
   *
   * @default - an existing MinIO; nothing restarted before the check
   */
  readonly minioService?: ecs.IBaseService;
  /**
   * `host:port` of each master's web port, in the order of `masterServices`: the leader is found by
   * it before the masters restart, and the check after the restarts also compares the leader's root mount.
   *
   * @default - MinIO checks only; several masters restart in the order given
   */
  readonly alluxioMasterWebAddresses?: string[];
  /** The function runs in this VPC; it must reach MinIO (allow its `connections`). */
  readonly vpc: ec2.IVpc;
  /** @default - private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group with all outbound allowed */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * The key the parameters are encrypted with.
   *
   * @default - alias/aws/ssm
   */
  readonly kmsKey?: kms.IKey;
  /**
   * Where every outcome is published, and what the alarms notify. CloudWatch must be allowed to
   * publish to it (its topic policy, and the policy of the key that encrypts it), or alarm
   * notifications are dropped.
   *
   * @default - a new topic, SSL required, encrypted with a key of its own that CloudWatch may use
   */
  readonly topic?: sns.ITopic;
  /**
   * How often the function reconciles what is rendered with the parameters' current versions
   * (parameter-change events are best effort).
   *
   * @default Duration.hours(1)
   */
  readonly reconcileSchedule?: Duration;
  /**
   * How long the function waits for the second half of a pair after one half changed. Step
   * Functions' 25,000-event history bounds it with the other waits (lib/core/rotation-budget): with
   * the default restart and verification bounds, 2434 s (five masters, workers, provisioned MinIO)
   * to 3934 s (one master, workers); a longer wait is refused at synth, naming the longest that fits.
   *
   * @default Duration.seconds(60)
   */
  readonly pairWait?: Duration;
  /**
   * How long each service's restart is waited for (MinIO when provisioned, the master, the workers,
   * one after the other): from the forced deployment to one stable deployment with every task
   * running. A restart that takes longer fails the rotation, which is then rolled back; in a
   * rollback it ends the rollback there, so no further master is taken down. Each restart has the
   * whole bound: the state machine holds the waits, no Lambda run does. Step Functions' 25,000-event
   * history bounds the sum: a rotation that restarts every service twice, polling every 5 s, must fit
   * about 3 hours, so with the default pair wait and verification each restart may take at most 639 s
   * with seven services (five masters, workers, MinIO) and 2237 s with two; a longer bound is refused
   * at synth, naming the longest that fits.
   *
   * @default - 5 minutes (a Fargate start of the 1 GB Alluxio image, JVM start, first health check)
   */
  readonly serviceRestartTimeout?: Duration;
  /**
   * After the restarts, how long the checks (MinIO with the new pair, the master serving its root)
   * may take to pass before the rotation fails and is rolled back.
   *
   * @default Duration.seconds(60)
   */
  readonly verificationTimeout?: Duration;
  /**
   * SSM label marking the versions known to work (SSM's label rules apply).
   *
   * @default 'last-known-good'
   */
  readonly lastKnownGoodLabel?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Rotates the MinIO credentials when their SSM parameters change: a parameter-change rule and a
 * reconcile schedule start a small state machine that waits out the pair and starts the rotation
 * state machine under a name derived from the versions (one execution per rotation). The rotation
 * runs as short Lambda steps with Step Functions' Wait between them: it checks the new pair against
 * MinIO before anything is restarted, re-renders the site properties, restarts MinIO (when
 * provisioned), the masters (one at a time, the leader last) and the workers, each waited for, checks
 * again and moves the last-known-good label, or puts the last-known-good pair back and restarts what
 * it restarted, again one at a time. Outcomes go to an SNS topic and a CloudWatch metric with an
 * alarm on failures.
 */
export class CredentialRotation extends Construct implements ec2.IConnectable {
  /** One step of a rotation (the rotation state machine's task). */
  public readonly function: lambda.Function;
  /** Names a rotation after the pair wait (the start state machine's task). */
  public readonly nameFunction: lambda.Function;
  /**
   * The rotation: a loop of short steps with Step Functions' Wait between them, so each restart gets
   * its whole bound whatever the number of masters. Started only by `startMachine`, under a name
   * derived from the versions (lib/core rotationExecutionName): one execution per rotation.
   */
  public readonly stateMachine: sfn.StateMachine;
  /** What EventBridge starts: waits out the pair, names the rotation, starts it (a seen name is refused). */
  public readonly startMachine: sfn.StateMachine;
  /** In alarm when a rotation or start execution failed, timed out or was aborted in the last 5 minutes: nothing may have been reported. */
  public readonly executionsFailedAlarm: cloudwatch.Alarm;
  public readonly topic: sns.ITopic;
  /** In alarm when a rotation failed or was rolled back in the last 5 minutes. */
  public readonly failureAlarm: cloudwatch.Alarm;
  /** In alarm when a rotation step failed (an error or a timeout) in the last 5 minutes: nothing may have been reported. */
  public readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** In alarm when a rotation step was throttled in the last 5 minutes (the state machine retries it). */
  public readonly functionThrottlesAlarm: cloudwatch.Alarm;
  public readonly parameterChangeRule: events.Rule;
  public readonly reconcileRule: events.Rule;
  /** The function's network identity: let it reach MinIO (and the master's web port). */
  public readonly connections: ec2.Connections;
  private readonly sitePropertiesParameterName: string;

  constructor(scope: Construct, id: string, props: CredentialRotationProps) {
    super(scope, id);
    this.sitePropertiesParameterName = props.sitePropertiesParameterName;
    const label = validateLabelName(props.lastKnownGoodLabel ?? DEFAULT_LAST_KNOWN_GOOD_LABEL, 'lastKnownGoodLabel');
    const schedule = props.reconcileSchedule ?? Duration.hours(1);
    if (schedule.toMinutes({ integral: false }) < 1) {
      throw new InputError('reconcileSchedule', `is ${schedule.toHumanString()}`, "use at least Duration.minutes(1) (EventBridge's smallest rate)");
    }
    const pairWait = props.pairWait ?? Duration.seconds(DEFAULT_PAIR_WAIT_SECONDS);
    if (props.masterServices.length === 0) {
      throw new InputError('masterServices', 'is empty', 'pass the master service, or one per master');
    }
    if (props.alluxioMasterWebAddresses && props.alluxioMasterWebAddresses.length !== props.masterServices.length) {
      throw new InputError(
        'alluxioMasterWebAddresses',
        `names ${props.alluxioMasterWebAddresses.length} masters but masterServices ${props.masterServices.length}`,
        'give one web address per master service, in the same order',
      );
    }
    const restartedServices = props.masterServices.length + 1 + (props.minioService ? 1 : 0);
    const verificationSeconds = (props.verificationTimeout ?? Duration.seconds(DEFAULT_VERIFICATION_SECONDS)).toSeconds();
    const waits = {
      pairWaitSeconds: pairWait.toSeconds(),
      serviceRestartSeconds: props.serviceRestartTimeout?.toSeconds() ?? DEFAULT_SERVICE_RESTART_SECONDS,
      verificationSeconds,
    };
    validateRotationWaits(waits, restartedServices);
    const accessKeyName = props.accessKeyParameter.parameterName;
    const secretKeyName = props.secretKeyParameter.parameterName;
    const ownsKeys = props.ownsKeys ?? false;
    // Every configuration the render resource writes, and the base name an earlier version wrote to.
    const sitePropertiesArns = [props.sitePropertiesParameterName, `${props.sitePropertiesParameterName}/*`].map((name) =>
      Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }),
    );

    const securityGroup =
      props.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'MinIO credential rotation', allowAllOutbound: true });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup] });

    this.topic = props.topic ?? createAlarmTopic(this, 'Outcomes', { displayName: 'Alluxio MinIO credential rotation outcomes' });

    const functionRole = (id: string) =>
      new iam.Role(this, id, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
      });
    // The rotation step writes, restarts and reports; the naming step only reads: a role each, so
    // the one EventBridge's events reach first can change nothing.
    const role = functionRole('Role');
    const nameRole = functionRole('NameRole');
    const environment: Record<string, string> = {
      [ROTATION_ENV.accessKeyParameter]: accessKeyName,
      [ROTATION_ENV.secretKeyParameter]: secretKeyName,
      [ROTATION_ENV.sitePropertiesParameter]: props.sitePropertiesParameterName,
      ...(props.kmsKey ? { [ROTATION_ENV.kmsKeyId]: props.kmsKey.keyArn } : {}),
      [ROTATION_ENV.keyOwnership]: ownsKeys ? 'generated' : 'existing',
      [ROTATION_ENV.cluster]: props.cluster.clusterArn,
      // One entry is the single master's ARN exactly as before; several are comma-separated.
      [ROTATION_ENV.masterService]: props.masterServices.map((service) => service.serviceArn).join(','),
      [ROTATION_ENV.workerService]: props.workerService.serviceArn,
      ...(props.minioService ? { [ROTATION_ENV.minioService]: props.minioService.serviceArn } : {}),
      ...(props.alluxioMasterWebAddresses ? { [ROTATION_ENV.alluxioMaster]: props.alluxioMasterWebAddresses.join(',') } : {}),
      [ROTATION_ENV.topicArn]: this.topic.topicArn,
      [ROTATION_ENV.metricNamespace]: DEFAULT_METRIC_NAMESPACE,
      [ROTATION_ENV.label]: label,
      [ROTATION_ENV.pairWaitSeconds]: String(pairWait.toSeconds()),
      [ROTATION_ENV.serviceStableTimeoutSeconds]: String(waits.serviceRestartSeconds),
      [ROTATION_ENV.healthTimeoutSeconds]: String(waits.verificationSeconds),
    };
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // Short steps of the state machines below, one bundle: `step` does the rotation up to its next
    // wait, `name` waits out the pair and names the rotation. No step waits for a service.
    const stepFunction = (id: string, handler: string, functionRoleOf: iam.IRole) =>
      new lambda.Function(this, id, {
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        code: bundledHandlerCode('rotation'),
        handler,
        role: functionRoleOf,
        timeout: Duration.seconds(ROTATION_STEP_TIMEOUT_SECONDS),
        memorySize: 256,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        logGroup,
        environment,
      });
    this.function = stepFunction('Function', 'index.step', role);
    this.nameFunction = stepFunction('NameFunction', 'index.name', nameRole);

    // --- least privilege -------------------------------------------------------------------------
    // Both steps read: the key versions and values, the configuration and its tags (the last good
    // versions, the deferred rotation), and which configuration the running task definitions name.
    const keyArns = [props.accessKeyParameter.parameterArn, props.secretKeyParameter.parameterArn];
    const services = [...props.masterServices, props.workerService, ...(props.minioService ? [props.minioService] : [])];
    for (const reader of [role, nameRole]) {
      reader.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'KeyParametersRead', actions: ['ssm:GetParameter', 'ssm:GetParameterHistory'], resources: keyArns }),
      );
      reader.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SitePropertiesRead', actions: ['ssm:GetParameter', 'ssm:ListTagsForResource'], resources: sitePropertiesArns }),
      );
      props.kmsKey?.grantDecrypt(reader);
      reader.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'WatchServices', actions: ['ecs:DescribeServices'], resources: services.map((service) => service.serviceArn) }),
      );
      // Which configuration parameter the running task definitions name (no resource-level permissions).
      reader.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTaskDefinitions', actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }));
    }
    // The rotation step alone writes: keys it owns (and their labels), the configuration and its record.
    if (ownsKeys) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'KeyParametersWriteLabel',
          actions: ['ssm:PutParameter', 'ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion'],
          resources: keyArns,
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SitePropertiesRenderAndRecord', actions: ['ssm:PutParameter', 'ssm:AddTagsToResource'], resources: sitePropertiesArns }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParameterTierLookup',
        actions: ['ssm:DescribeParameters'],
        resources: ['*'],
      }),
    );
    props.kmsKey?.grantEncrypt(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'RestartServices', actions: ['ecs:UpdateService'], resources: services.map((service) => service.serviceArn) }),
    );
    this.topic.grantPublish(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RotationMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': DEFAULT_METRIC_NAMESPACE } },
      }),
    );

    // --- state machines -------------------------------------------------------------------------
    // Under /aws/vendedlogs/: Step Functions then needs no entry of its own in the account's CloudWatch
    // Logs resource policy, which is capped at 5120 characters across every stack
    // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
    const machineLogs = new logs.LogGroup(this, 'MachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Inputs and outputs hold versions and names only (never a value), but the step's own log has them.
    const machineLogging: sfn.LogOptions = { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false };
    const step = new sfnTasks.LambdaInvoke(this, 'Step', {
      lambdaFunction: this.function,
      payloadResponseOnly: true,
      comment: 'The rotation up to its next wait',
    });
    // CDK's task retries Lambda's service errors only; a throttled step
    // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html) is tried
    // again too before the execution fails. A step only reads its input and repeats idempotent writes,
    // so running it twice is safe; its own failures are in its answer, never thrown.
    step.addRetry({ errors: ['Lambda.TooManyRequestsException'], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6 });
    step.addCatch(
      new sfn.Fail(this, 'StepFailed', { error: 'RotationStepFailed', cause: 'A rotation step failed or timed out: see the rotation function log' }),
    );
    const again = new sfn.Wait(this, 'Poll', { time: sfn.WaitTime.secondsPath('$.waitSeconds') }).next(step);
    step.next(new sfn.Choice(this, 'Done?').when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(this, 'Reported')).otherwise(again));
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(step),
      timeout: Duration.seconds(rotationExecutionTimeoutSeconds(waits, restartedServices)),
      logs: machineLogging,
      tracingEnabled: true,
      comment: 'MinIO credential rotation: short steps, Step Functions holds the waits',
    });
    // The naming step starts no rotation while one runs (lib/runtime nameRotation).
    this.nameFunction.addEnvironment(ROTATION_ENV.rotationStateMachine, this.stateMachine.stateMachineArn);
    nameRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'RunningRotations', actions: ['states:ListExecutions'], resources: [this.stateMachine.stateMachineArn] }),
    );

    const named = new sfnTasks.LambdaInvoke(this, 'Name', {
      lambdaFunction: this.nameFunction,
      payloadResponseOnly: true,
      comment: 'After the pair wait: the execution name',
    });
    const startRotation = new sfnTasks.StepFunctionsStartExecution(this, 'StartRotation', {
      stateMachine: this.stateMachine,
      name: sfn.JsonPath.stringAt('$.name'),
      // The whole answer of the last naming step: the trigger, and the end of the pair wait when one
      // was waited (a field a path cannot name when it may be absent), so the rotation does not wait it again.
      input: sfn.TaskInput.fromJsonPathAt('$'),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      comment: 'A name Step Functions has seen is refused: one execution per rotation',
    });
    startRotation.addCatch(new sfn.Succeed(this, 'AlreadyStarted'), { errors: ['StepFunctions.ExecutionAlreadyExistsException'] });
    const waitForPair = new sfn.Wait(this, 'PairWait', { time: sfn.WaitTime.secondsPath('$.waitSeconds') }).next(named);
    named.next(
      new sfn.Choice(this, 'Named?')
        .when(sfn.Condition.booleanEquals('$.ready', false), waitForPair)
        .when(sfn.Condition.isPresent('$.name'), startRotation)
        .otherwise(new sfn.Succeed(this, 'NothingToStart')),
    );
    const fromEvent = new sfn.Pass(this, 'FromEvent', { parameters: { 'event.$': '$' } }).next(named);
    this.startMachine = new sfn.StateMachine(this, 'StartMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(fromEvent),
      timeout: Duration.seconds(startExecutionTimeoutSeconds(waits)),
      logs: machineLogging,
      tracingEnabled: true,
      comment: 'Names a MinIO credential rotation after the pair wait and starts it once',
    });

    // --- triggers --------------------------------------------------------------------------------
    const target = new targets.SfnStateMachine(this.startMachine, { retryAttempts: 2, maxEventAge: Duration.hours(1) });
    this.parameterChangeRule = new events.Rule(this, 'ParameterChange', {
      description: 'A MinIO key parameter was written: rotate',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['Parameter Store Change'],
        // Label changes (the function's own) also raise events; only writes start a rotation.
        detail: { name: [accessKeyName, secretKeyName], operation: ['Create', 'Update'] },
      },
      targets: [target],
    });
    this.reconcileRule = new events.Rule(this, 'Reconcile', {
      description: 'Reconcile the rendered Alluxio configuration with the MinIO key parameters',
      schedule: events.Schedule.rate(schedule),
      targets: [target],
    });

    // --- outcome alarm ---------------------------------------------------------------------------
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: `A MinIO credential rotation for ${props.sitePropertiesParameterName} failed or was rolled back; see the outcome on the SNS topic`,
      metric: this.metricRotationFailures(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const anyInFiveMinutes = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const perFiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    this.functionErrorsAlarm = this.function.metricErrors(perFiveMinutes).createAlarm(this, 'FunctionErrorsAlarm', {
      ...anyInFiveMinutes,
      alarmDescription:
        `The MinIO credential rotation function for ${props.sitePropertiesParameterName} failed (an error or a timeout): ` +
        `the run may have reported nothing; see its logs`,
    });
    this.functionThrottlesAlarm = this.function.metricThrottles(perFiveMinutes).createAlarm(this, 'FunctionThrottlesAlarm', {
      ...anyInFiveMinutes,
      alarmDescription:
        `A MinIO credential rotation step for ${props.sitePropertiesParameterName} was throttled: ` +
        `the state machine retries it, and fails the execution when it cannot (see ExecutionsFailedAlarm)`,
    });
    const executionsFailed = new cloudwatch.MathExpression({
      // FILL: a metric with no datapoint in the period would leave the sum without a value (and the
      // alarm without a breach) whenever the other five are empty, which is nearly always.
      expression: 'FILL(rf, 0) + FILL(rt, 0) + FILL(ra, 0) + FILL(sf, 0) + FILL(st, 0) + FILL(sa, 0)',
      usingMetrics: {
        rf: this.stateMachine.metricFailed(perFiveMinutes),
        rt: this.stateMachine.metricTimedOut(perFiveMinutes),
        ra: this.stateMachine.metricAborted(perFiveMinutes),
        sf: this.startMachine.metricFailed(perFiveMinutes),
        st: this.startMachine.metricTimedOut(perFiveMinutes),
        sa: this.startMachine.metricAborted(perFiveMinutes),
      },
      period: perFiveMinutes.period,
    });
    this.executionsFailedAlarm = executionsFailed.createAlarm(this, 'ExecutionsFailedAlarm', {
      ...anyInFiveMinutes,
      alarmDescription:
        `A MinIO credential rotation execution for ${props.sitePropertiesParameterName} failed, timed out or was aborted: ` +
        `the rotation may have reported nothing; see the state machine's history`,
    });
    const notify = new cloudwatchActions.SnsAction(this.topic);
    for (const alarm of [this.failureAlarm, this.functionErrorsAlarm, this.functionThrottlesAlarm, this.executionsFailedAlarm]) alarm.addAlarmAction(notify);

    for (const [machine, invoked] of [
      [this.stateMachine, this.function],
      [this.startMachine, this.nameFunction],
    ] as const) {
      acknowledgeNagFindings(machine.role, [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            "Step Functions' log delivery (logs:*LogDelivery, logs:PutResourcePolicy, logs:Describe*) " +
            'and X-Ray tracing actions have no resource-level permissions.',
        },
        { id: arnWildcardFinding(invoked), reason: 'The task invokes its own step function, any version of it (what LambdaInvoke grants).' },
      ]);
    }
    for (const functionRoleOf of [role, nameRole]) {
      acknowledgeNagFindings(functionRoleOf, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason: 'The AWS managed VPC execution policy only lets the rotation function manage its ENIs and write its logs.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'ssm:DescribeParameters and ecs:DescribeTaskDefinition have no resource-level permissions (they return metadata, never values); ' +
            'cloudwatch:PutMetricData is limited by the cloudwatch:namespace condition.',
        },
        {
          id: parameterPathWildcardFinding(this, props.sitePropertiesParameterName),
          reason: 'One parameter per rendered configuration under this prefix; rotation changes the keys in the one the services run.',
        },
      ]);
    }
    acknowledgeNagFindings(role, [
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Publishing to the encrypted outcome topic needs the data-key actions aws-cdk-lib's grantPublish gives, on that topic's key only.",
      },
    ]);
  }

  /** The metric of successful rotations (sum per period). */
  public metricRotationSuccesses(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.rotationMetric(SUCCESS_METRIC, props);
  }

  /** The metric of failed or rolled-back rotations (sum per period). */
  public metricRotationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.rotationMetric(FAILURE_METRIC, props);
  }

  private rotationMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DEFAULT_METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION]: this.sitePropertiesParameterName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }
}
