import { Aws, Duration, Names, RemovalPolicy, Size, Stack, Tags, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ecsAgentSettingsUserData } from '../core/ecs-agent-config';
import { InputError } from '../core/input-error';
import { ATTACH_VOLUME_ENV, DATA_VOLUME_DEVICE, dataVolumeUserData, HOST_LAYOUT, minioStartScript } from '../core/minio-data-volume';
import { bundledHandlerCode } from '../private/handler-code';
import { ImageMirror } from '../choices/image-mirror';
import { ProvisionedMinioOptions } from '../choices/minio-backend-options';
import { acknowledgeEcsHostRoleFindings, acknowledgeNagFindings } from '../private/nag-acknowledgements';

export interface ProvisionedMinioServerProps {
  readonly cluster: ecs.Cluster;
  readonly options: ProvisionedMinioOptions;
  /** MinIO's root user is the Alluxio access key: one pair, one place to rotate. */
  readonly rootUserParameter: ssm.IStringParameter;
  readonly rootPasswordParameter: ssm.IStringParameter;
  /** The key both parameters are encrypted with, when not the AWS managed one. */
  readonly kmsKey?: kms.IKey;
  readonly port: number;
  readonly logRetention: logs.RetentionDays;
  /** Where the default image is pulled from, when not quay.io. */
  readonly imageMirror?: ImageMirror;
  /** The image run when `options.image` is not given (MinioBackend.DEFAULT_IMAGE_NAME). */
  readonly defaultImageName: string;
}

const DATA_IN_CONTAINER = '/data';
// The tag that lets the attach function act on this construct's hosts, and only on them.
const HOST_TAG = 'cdk-alluxio-minio:data-volume-host';
// The lifecycle hook holds a launching host this long; the attach function gives up a minute before.
const ATTACH_TIMEOUT = Duration.minutes(15);

/**
 * A single MinIO server on ECS with EC2 capacity. Its data lives on an encrypted gp3 EBS volume that
 * exists apart from any instance, so the data survives task and instance replacement. A launching
 * host waits in a lifecycle hook while a function attaches the volume (the host itself calls no AWS
 * API: the ECS-optimized AL2023 AMI has no AWS CLI); at every boot a systemd unit mounts it before the
 * ECS agent, which requires it, starts. Not EFS: MinIO's maintainers advise against network file
 * systems for data.
 */
export class ProvisionedMinioServer extends Construct implements ec2.IConnectable {
  public readonly connections: ec2.Connections;
  /** `http://minio.<namespace>:<port>`, the Cloud Map name the service registers. */
  public readonly endpoint: string;
  public readonly service: ecs.Ec2Service;
  public readonly dataVolume: ec2.IVolume;

  constructor(scope: Construct, id: string, props: ProvisionedMinioServerProps) {
    super(scope, id);
    const vpc = props.cluster.vpc;
    // One AZ for the volume, the instance and the task: an EBS volume attaches only within its AZ.
    const subnet = subnetForDataVolume(vpc, props.options.availabilityZone);

    this.dataVolume = props.options.dataVolumeId
      ? ec2.Volume.fromVolumeAttributes(this, 'Data', { volumeId: props.options.dataVolumeId, availabilityZone: subnet.availabilityZone })
      : new ec2.Volume(this, 'Data', {
          availabilityZone: subnet.availabilityZone,
          size: props.options.dataVolumeSize ?? Size.gibibytes(100),
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          encrypted: true,
          removalPolicy: props.options.dataVolumeRemovalPolicy ?? RemovalPolicy.RETAIN,
        });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'MinIO: reachable only from Alluxio and the health check',
      allowAllOutbound: true,
    });
    const hostSecurityGroup = new ec2.SecurityGroup(this, 'HostSecurityGroup', {
      vpc,
      description: 'MinIO ECS host (no inbound)',
      allowAllOutbound: true,
    });

    const hostRole = new iam.Role(this, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const userData = ec2.UserData.forLinux();
    const launchTemplate = new ec2.LaunchTemplate(this, 'HostTemplate', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
      instanceType: props.options.instanceType ?? new ec2.InstanceType('t3.medium'),
      requireImdsv2: true,
      userData,
      securityGroup: hostSecurityGroup,
      role: hostRole,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
    });
    const hosts = new autoscaling.AutoScalingGroup(this, 'Hosts', {
      vpc,
      vpcSubnets: { subnets: [subnet] },
      launchTemplate,
      minCapacity: 1,
      maxCapacity: 1,
      // A changed launch template (instance type, user data, a new ECS-optimized AMI on the next deploy)
      // replaces the host; without an update policy CloudFormation changes only the template and the
      // running host stays as it was. One host and a volume that attaches to one host at a time: the old
      // host goes first (none in service, as the group may not exceed its one host), and the new one is
      // in service once the launch hook has attached the volume. MinIO is down meanwhile (the README says so).
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: 0 }),
    });
    this.attachDataVolumeAtLaunch(hosts, props.logRetention);
    const capacity = new ecs.AsgCapacityProvider(this, 'Capacity', {
      autoScalingGroup: hosts,
      enableManagedTerminationProtection: false,
      // ECS drains the host itself, so no lifecycle-hook Lambda and SNS topic are needed.
      enableManagedDraining: true,
    });
    props.cluster.addAsgCapacityProvider(capacity);
    // After the ECS agent's configuration (ECS_CLUSTER) that registering the capacity added: when the
    // mount fails now, a later boot that mounts the volume still joins this cluster, not 'default'.
    userData.addCommands(...ecsAgentSettingsUserData());
    userData.addCommands(...dataVolumeUserData(this.dataVolume.volumeId));

    const task = new ecs.Ec2TaskDefinition(this, 'Task', {
      networkMode: ecs.NetworkMode.AWS_VPC,
      volumes: [{ name: 'data', host: { sourcePath: HOST_LAYOUT.mountPoint } }],
    });
    const container = task.addContainer('minio', {
      image: props.options.image ?? props.imageMirror?._imageFor(props.defaultImageName) ?? ecs.ContainerImage.fromRegistry(props.defaultImageName),
      memoryReservationMiB: 1024,
      // Never on the empty directory of the root disk that is there when the volume is not mounted.
      entryPoint: ['/bin/sh', '-c'],
      command: [minioStartScript({ dataPath: DATA_IN_CONTAINER, port: props.port })],
      secrets: {
        MINIO_ROOT_USER: ecs.Secret.fromSsmParameter(props.rootUserParameter),
        MINIO_ROOT_PASSWORD: ecs.Secret.fromSsmParameter(props.rootPasswordParameter),
      },
      portMappings: [{ containerPort: props.port }],
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'minio',
        logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      }),
    });
    container.addMountPoints({ sourceVolume: 'data', containerPath: DATA_IN_CONTAINER, readOnly: false });
    props.kmsKey?.grantDecrypt(task.obtainExecutionRole());

    acknowledgeNagFindings(task, [
      { id: 'AwsSolutions-ECS2', reason: 'The only plain variable is AWS_REGION, which aws-cdk-lib adds; the root credentials are ECS secrets.' },
    ]);

    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: task,
      desiredCount: 1,
      // One server owns the volume: stop the old task before starting the new one.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      capacityProviderStrategies: [{ capacityProvider: capacity.capacityProviderName, weight: 1 }],
      securityGroups: [securityGroup],
      vpcSubnets: { subnets: [subnet] },
      cloudMapOptions: { name: 'minio', dnsTtl: Duration.seconds(10) },
      circuitBreaker: { enable: true, rollback: true },
    });
    // The capacity provider reaches the cluster through an association aws-cdk-lib adds to the cluster
    // (in an aspect, so it cannot be named here). Depending on the whole cluster orders the service
    // after it on create and before it on delete, which ECS refuses while a service still uses the
    // capacity provider (aws/containers-roadmap#631).
    this.service.node.defaultChild!.node.addDependency(props.cluster);
    this.connections = this.service.connections;
    const namespace = props.cluster.defaultCloudMapNamespace!.namespaceName;
    this.endpoint = `http://minio.${namespace}:${props.port}`;

    acknowledgeNagFindings(hosts, [
      { id: 'AwsSolutions-AS3', reason: 'A single-instance group for one MinIO server; ECS service events report its health.' },
      { id: 'AwsSolutions-EC28', reason: 'Container Insights on the cluster covers the one MinIO host.' },
      { id: 'AwsSolutions-EC29', reason: 'The data lives on a separate RETAIN volume; the host is disposable by design.' },
    ]);
    acknowledgeEcsHostRoleFindings(hostRole);
  }

  /**
   * A launch lifecycle hook holds each new host while a function attaches the data volume (waiting
   * for the previous host to release it), then lets it continue, or abandons it so the group launches
   * another. The hook is part of the group from its creation, and the rule and function exist before
   * it, so the very first host is attached too; nothing here refers to the group (which would make a
   * cycle): the rule matches the hook's name, and IAM the hosts' tag.
   */
  private attachDataVolumeAtLaunch(hosts: autoscaling.AutoScalingGroup, logRetention: logs.RetentionDays): void {
    const hostTagValue = Names.uniqueId(this);
    Tags.of(hosts).add(HOST_TAG, hostTagValue);
    const hookName = `${hostTagValue.slice(-200)}-AttachData`;

    const role = new iam.Role(this, 'AttachDataRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
    // Pseudo parameters, not the stack's literal account and region: the nag finding ids (and the
    // acknowledgements below) then read the same in environment-specific stacks.
    const arnPrefix = (service: string) => `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AttachTheDataVolume',
        // DetachVolume (with Force) only takes the volume from a previous host that is gone or broken.
        actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
        resources: [`${arnPrefix('ec2')}:volume/${this.dataVolume.volumeId}`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ToTheseHostsOnly',
        actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
        resources: [`${arnPrefix('ec2')}:instance/*`],
        conditions: { StringEquals: { [`ec2:ResourceTag/${HOST_TAG}`]: hostTagValue } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SeeVolumeAndHost',
        actions: ['ec2:DescribeVolumes', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
        resources: ['*'],
      }),
    );
    // The volume is encrypted with the account's default EBS key (or, adopted, with any key), which may be a
    // customer managed key: attaching it has EC2 create a grant on that key for the instance, with the
    // caller's permission. Only grants EC2 creates on the caller's behalf (Amazon EBS User Guide,
    // "Requirements for Amazon EBS encryption": kms:CreateGrant with kms:GrantIsForAWSResource), and only
    // through EC2 in this region (kms:ViaService, as aws-cdk-lib's Volume.grantAttachVolume conditions the
    // same grant: node_modules/aws-cdk-lib/aws-ec2/lib/volume.js). The key is not known at synth; a key
    // policy that does not delegate to IAM must allow this role itself.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LetEc2UseTheVolumeKey',
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': `ec2.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CompleteTheLaunch',
        actions: ['autoscaling:CompleteLifecycleAction'],
        // arn:...:autoScalingGroup:<group id>:autoScalingGroupName/<name>
        resources: [`${arnPrefix('autoscaling')}:autoScalingGroup:*:autoScalingGroupName/*`],
        conditions: { StringEquals: { [`autoscaling:ResourceTag/${HOST_TAG}`]: hostTagValue } },
      }),
    );
    const attachFunction = new lambda.Function(this, 'AttachData', {
      description: 'Attaches the MinIO data volume to a launching host (Auto Scaling lifecycle hook)',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: bundledHandlerCode('attach-volume'),
      handler: 'index.handler',
      role,
      timeout: ATTACH_TIMEOUT,
      memorySize: 256,
      // A failed run completes nothing; the hook's timeout abandons the host and the next launch retries.
      retryAttempts: 0,
      environment: { [ATTACH_VOLUME_ENV.volumeId]: this.dataVolume.volumeId, [ATTACH_VOLUME_ENV.device]: DATA_VOLUME_DEVICE },
      logGroup: new logs.LogGroup(this, 'AttachDataLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });
    const rule = new events.Rule(this, 'HostLaunching', {
      description: 'A MinIO host is launching: attach the data volume',
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: ['EC2 Instance-launch Lifecycle Action'],
        detail: { LifecycleHookName: [hookName] },
      },
      targets: [new targets.LambdaFunction(attachFunction, { retryAttempts: 2, maxEventAge: Duration.minutes(10) })],
    });

    const group = hosts.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    group.lifecycleHookSpecificationList = [
      {
        lifecycleHookName: hookName,
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        heartbeatTimeout: ATTACH_TIMEOUT.toSeconds(),
        defaultResult: 'ABANDON',
      },
    ];
    group.node.addDependency(attachFunction, rule);

    acknowledgeNagFindings(role, [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS managed basic execution policy only lets the attach function write its own logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ec2:DescribeVolumes, DescribeInstances and DescribeInstanceStatus have no resource-level permissions and read state only; ' +
          'kms:CreateGrant is on whatever key encrypts the volume (the account default, unknown at synth), ' +
          'only for grants EC2 creates, through EC2 in this region (kms:GrantIsForAWSResource, kms:ViaService).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: "The data volume attaches only to instances carrying this construct's host tag (the condition).",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/*]',
        reason: "Only groups carrying this construct's host tag (the condition); naming the group would make it depend on its own hook.",
      },
    ]);
  }
}

/**
 * The subnet of the MinIO host: in the pinned AZ, else the VPC's first private subnet (whose AZ the
 * data volume had before it could be pinned, so existing volumes stay where they are).
 */
function subnetForDataVolume(vpc: ec2.IVpc, availabilityZone: string | undefined): ec2.ISubnet {
  const subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
  if (availabilityZone === undefined) return subnets[0];
  const inZone = subnets.find((subnet) => subnet.availabilityZone === availabilityZone);
  if (inZone) return inZone;
  const zones = subnets.map((subnet) => subnet.availabilityZone);
  if (zones.some((zone) => Token.isUnresolved(zone))) {
    throw new InputError(
      'minio.availabilityZone',
      `the VPC's availability zones are not known at synth, so no private subnet can be chosen in '${availabilityZone}'`,
      'give the stack an env (account and region), or pass a vpc whose private subnets name their AZs (ec2.Vpc.fromLookup or fromVpcAttributes)',
    );
  }
  throw new InputError(
    'minio.availabilityZone',
    `no private subnet of the VPC is in '${availabilityZone}' (they are in ${[...new Set(zones)].join(', ')})`,
    "pin an AZ with a private subnet with egress: the data volume's AZ, where the host must run",
  );
}
