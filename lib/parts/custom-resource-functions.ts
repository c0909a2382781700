import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { bundledHandlerCode } from '../private/handler-code';
import { acknowledgeNagFindings, arnWildcardFinding } from '../private/nag-acknowledgements';

export interface CustomResourceFunctionsProps {
  readonly vpc: ec2.IVpc;
  readonly logRetention: logs.RetentionDays;
  /** How long the health check may keep polling before it fails the deploy. */
  readonly healthCheckTimeout: Duration;
}

// Polling step of the health check; short, since every check inside is bounded by seconds.
const HEALTH_CHECK_QUERY_INTERVAL = Duration.seconds(15);
// Above the polling budget so the Provider framework, not CloudFormation's hour, reports a timeout.
const SERVICE_TIMEOUT_MARGIN = Duration.minutes(5);

/**
 * The three handlers (credentials, render, health check) behind the construct's custom resources,
 * each behind a Provider framework so a thrown error fails the resource with its message.
 */
export class CustomResourceFunctions extends Construct {
  public readonly credentialsServiceToken: string;
  public readonly renderServiceToken: string;
  public readonly healthCheckServiceToken: string;
  public readonly healthCheckServiceTimeout: Duration;
  public readonly credentialsRole: iam.IRole;
  public readonly renderRole: iam.IRole;
  public readonly healthCheckRole: iam.IRole;
  /** The health check's network identity; MinIO and the master's web port admit it. */
  public readonly healthCheckSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CustomResourceFunctionsProps) {
    super(scope, id);

    const credentials = this.handler('Credentials', 'credentials', 'index.handler', props);
    const render = this.handler('Render', 'render', 'index.handler', props);
    this.healthCheckSecurityGroup = new ec2.SecurityGroup(this, 'HealthCheckSecurityGroup', {
      vpc: props.vpc,
      description: 'Post-deploy health check of MinIO and Alluxio',
      allowAllOutbound: true,
    });
    const vpcPlacement = {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.healthCheckSecurityGroup],
    };
    const healthOnEvent = this.handler('HealthCheck', 'health-check', 'index.onEvent', props, vpcPlacement);
    const healthIsComplete = this.handler('HealthCheckPoll', 'health-check', 'index.isComplete', props, vpcPlacement);

    this.credentialsRole = credentials.role!;
    this.renderRole = render.role!;
    this.healthCheckRole = healthOnEvent.role!;

    this.credentialsServiceToken = this.provider('CredentialsProvider', credentials, props).serviceToken;
    this.renderServiceToken = this.provider('RenderProvider', render, props).serviceToken;
    this.healthCheckServiceToken = this.provider('HealthCheckProvider', healthOnEvent, props, healthIsComplete).serviceToken;
    this.healthCheckServiceTimeout = props.healthCheckTimeout.plus(SERVICE_TIMEOUT_MARGIN);

    const basicExecution = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role';
    acknowledgeNagFindings(this, [
      {
        id: `AwsSolutions-IAM4[${basicExecution}/AWSLambdaBasicExecutionRole]`,
        reason: 'The AWS managed basic execution policy only lets a function write its own logs.',
      },
      {
        id: `AwsSolutions-IAM4[${basicExecution}/AWSLambdaVPCAccessExecutionRole]`,
        reason: 'The AWS managed VPC execution policy only lets the health check manage its ENIs and write logs.',
      },
      // The Provider framework grants its functions invoke on every version (`<arn>:*`) of what they call.
      ...[credentials, render, healthOnEvent, healthIsComplete, ...frameworkFunctions(this)].map((fn) => ({
        id: arnWildcardFinding(fn),
        reason: 'The Provider framework invokes the handler by ARN and may call any of its versions.',
      })),
      {
        id: 'AwsSolutions-SF2',
        reason: "The Provider framework's waiter state machine only polls the health check; its executions are logged in full.",
      },
    ]);
  }

  private handler(
    id: string,
    bundleName: string,
    entry: string,
    props: CustomResourceFunctionsProps,
    placement?: { vpc: ec2.IVpc; vpcSubnets: ec2.SubnetSelection; securityGroups: ec2.ISecurityGroup[] },
  ): lambda.Function {
    return new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: bundledHandlerCode(bundleName),
      handler: entry,
      // A handler answers within this bound; waiting beyond it is the Provider's isComplete polling.
      timeout: Duration.minutes(2),
      memorySize: 256,
      // Both health-check functions share one role, so one grant covers onEvent and isComplete.
      role: placement ? this.sharedVpcRole() : undefined,
      logGroup: new logs.LogGroup(this, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      ...placement,
    });
  }

  private vpcRole?: iam.Role;

  private sharedVpcRole(): iam.Role {
    this.vpcRole ??= new iam.Role(this, 'HealthCheckRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
    });
    return this.vpcRole;
  }

  private provider(id: string, onEvent: lambda.IFunction, props: CustomResourceFunctionsProps, isComplete?: lambda.IFunction): cr.Provider {
    const provider = new cr.Provider(this, id, {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: isComplete ? HEALTH_CHECK_QUERY_INTERVAL : undefined,
      totalTimeout: isComplete ? props.healthCheckTimeout : undefined,
      logGroup: new logs.LogGroup(this, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      // Every poll of the waiter is logged, so a failed health check can be traced step by step.
      disableWaiterStateMachineLogging: isComplete ? false : undefined,
      waiterStateMachineLogOptions: isComplete
        ? {
            destination: new logs.LogGroup(this, `${id}WaiterLogs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
            level: sfn.LogLevel.ALL,
            includeExecutionData: false,
          }
        : undefined,
    });
    const waiter = provider.node.tryFindChild('waiter-state-machine');
    if (waiter) {
      acknowledgeNagFindings(waiter, [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'CloudWatch Logs delivery APIs, which state machine logging needs, have no resource-level permissions.',
        },
      ]);
    }
    return provider;
  }
}

/** The functions the Provider framework adds (onEvent, isComplete, onTimeout) under `scope`. */
function frameworkFunctions(scope: Construct): lambda.Function[] {
  return scope.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function && c.node.path.includes('/framework-'));
}
