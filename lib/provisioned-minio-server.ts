import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ImageMirror } from './image-mirror';
import { MinioBackend, ProvisionedMinioOptions } from './minio-backend';
import { acknowledgeNagFindings } from './nag-acknowledgements';

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
}

const DATA_MOUNT = '/mnt/minio-data';

/**
 * A single MinIO server on ECS with EC2 capacity. Its data lives on an encrypted gp3 EBS volume that
 * exists apart from any instance: each new instance attaches it at boot, so the data survives task and
 * instance replacement. Not EFS: MinIO's maintainers advise against network file systems for data.
 */
export class ProvisionedMinioServer extends Construct implements ec2.IConnectable {
  public readonly connections: ec2.Connections;
  /** `http://minio.<namespace>:<port>`, the Cloud Map name the service registers. */
  public readonly endpoint: string;
  public readonly service: ecs.Ec2Service;
  public readonly dataVolume: ec2.Volume;

  constructor(scope: Construct, id: string, props: ProvisionedMinioServerProps) {
    super(scope, id);
    const vpc = props.cluster.vpc;
    // One AZ for the volume, the instance and the task: an EBS volume attaches only within its AZ.
    const subnet = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets[0];

    this.dataVolume = new ec2.Volume(this, 'Data', {
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
    userData.addCommands(...attachDataVolumeScript(this.dataVolume.volumeId, Stack.of(this).region));
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
    });
    this.dataVolume.grantAttachVolumeByResourceTag(launchTemplate.role!, [hosts]);
    const capacity = new ecs.AsgCapacityProvider(this, 'Capacity', {
      autoScalingGroup: hosts,
      enableManagedTerminationProtection: false,
      // ECS drains the host itself, so no lifecycle-hook Lambda and SNS topic are needed.
      enableManagedDraining: true,
    });
    props.cluster.addAsgCapacityProvider(capacity);

    const task = new ecs.Ec2TaskDefinition(this, 'Task', {
      networkMode: ecs.NetworkMode.AWS_VPC,
      volumes: [{ name: 'data', host: { sourcePath: DATA_MOUNT } }],
    });
    const container = task.addContainer('minio', {
      image:
        props.options.image ?? props.imageMirror?._imageFor(MinioBackend.DEFAULT_IMAGE_NAME) ?? ecs.ContainerImage.fromRegistry(MinioBackend.DEFAULT_IMAGE_NAME),
      memoryReservationMiB: 1024,
      command: ['server', '/data', '--address', `:${props.port}`],
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
    container.addMountPoints({ sourceVolume: 'data', containerPath: '/data', readOnly: false });
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
    acknowledgeNagFindings(hostRole, [
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: 'The host attaches the data volume to itself; the grant is narrowed to instances carrying the group tag.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::ecs:Submit*]',
        reason: 'The ECS agent policy aws-cdk-lib gives container hosts: report task and container state for this cluster.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ECS agent essentials (discover poll endpoint, ECR token, log streams) have no resource-level permissions.',
      },
    ]);
  }
}

/** Boot script: attach the data volume (retrying while a previous host releases it), format XFS once, mount. */
function attachDataVolumeScript(volumeId: string, region: string): string[] {
  return [
    'set -euo pipefail',
    'TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
    'INSTANCE_ID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
    `VOLUME_ID=${volumeId}`,
    'attached=false',
    'for attempt in $(seq 1 60); do',
    `  aws ec2 attach-volume --region ${region} --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" --device /dev/xvdf && attached=true && break`,
    '  sleep 5',
    'done',
    // Without its data volume this host must not join the cluster: MinIO would start on an empty root disk.
    '[ "$attached" = true ] || { echo "data volume $VOLUME_ID did not attach" >&2; exit 1; }',
    'DEVICE=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}',
    'for attempt in $(seq 1 60); do [ -e "$DEVICE" ] && break; [ -e /dev/xvdf ] && DEVICE=/dev/xvdf && break; sleep 2; done',
    // Format only a blank volume: an existing file system is MinIO's data.
    'blkid "$DEVICE" || mkfs.xfs "$DEVICE"',
    `mkdir -p ${DATA_MOUNT}`,
    `mount -o noatime "$DEVICE" ${DATA_MOUNT}`,
  ];
}
