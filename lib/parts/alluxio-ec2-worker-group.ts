import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioWorkerCommand, OFFICIAL_IMAGE_LAYOUT, WORKER_HEALTH_CHECK_PORTS, workerCacheDirs } from '../core/alluxio-container';
import { ecsAgentSettingsUserData } from '../core/ecs-agent-config';
import { hostSignalWaits, registrationSignalUserData } from '../core/host-registration-signal';
import { InstanceStore } from '../core/instance-store';
import { cacheDiskMountPoints, cacheDisksUserData } from '../core/worker-cache-disks';
import { acknowledgeEcsHostRoleFindings, acknowledgeNagFindings } from '../private/nag-acknowledgements';
import { acknowledgeAlluxioTaskFindings, alluxioContainerDefaults, alluxioServiceDefaults, AlluxioServiceContext, tcpHealthCheck } from './alluxio-services';

/**
 * How long CloudFormation waits for each new host's signal (the creation timeout and the rolling
 * update's PauseTime); the host's own waits, for its agent and then its worker, are derived from it
 * (hostSignalWaits).
 */
const HOST_SIGNAL_TIMEOUT = Duration.minutes(15);

export interface AlluxioEc2WorkerGroupProps {
  readonly context: AlluxioServiceContext;
  readonly instanceType: ec2.InstanceType;
  readonly instanceStore: InstanceStore;
  readonly count: number;
  /** CPU units and hard memory limit of the worker container (the rest of the host is the OS, Docker and the agent). */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly jvmOptions: Record<string, string>;
}

/**
 * The Alluxio workers on EC2 hosts with instance-store NVMe, one worker per host, caching on the
 * host's disks (formatted and mounted at every boot by the host's boot script).
 *
 * awsvpc networking, not host: each worker task has its own network interface in the Alluxio
 * security group, exactly as on Fargate, so `allowClientsFrom` and the cluster's own rules hold
 * unchanged, and the address the worker advertises (`hostname -i`, its interface's) is the one
 * clients reach. One interface per host is within every type of the table.
 */
export class AlluxioEc2WorkerGroup extends Construct {
  public readonly service: ecs.Ec2Service;
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  public readonly hosts: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: AlluxioEc2WorkerGroupProps) {
    super(scope, id);
    const context = props.context;
    const vpc = context.cluster.vpc;
    const disks = props.instanceStore.disks;

    // First: each host's signal names the worker's task definition family.
    const hostDirs = cacheDiskMountPoints(disks);
    const containerDirs = workerCacheDirs(disks, OFFICIAL_IMAGE_LAYOUT.home);
    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'Task', {
      networkMode: ecs.NetworkMode.AWS_VPC,
      volumes: hostDirs.map((sourcePath, i) => ({ name: `cache-${i}`, host: { sourcePath } })),
    });

    const hostSecurityGroup = new ec2.SecurityGroup(this, 'HostSecurityGroup', {
      vpc,
      description: 'Alluxio worker hosts (the worker tasks have their own interfaces in the Alluxio group)',
      allowAllOutbound: true,
    });
    const hostRole = new iam.Role(this, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const userData = ec2.UserData.forLinux();
    const launchTemplate = new ec2.LaunchTemplate(this, 'HostTemplate', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
      instanceType: props.instanceType,
      requireImdsv2: true,
      userData,
      securityGroup: hostSecurityGroup,
      role: hostRole,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
    });
    this.hosts = new autoscaling.AutoScalingGroup(this, 'Hosts', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: props.count,
      maxCapacity: props.count,
      // A new host counts once its ECS agent has registered it and its worker container is healthy, or the
      // worker wait ran out (the signal in its user data), at creation and in updates.
      signals: autoscaling.Signals.waitForAll({ timeout: HOST_SIGNAL_TIMEOUT }),
      // A changed launch template (instance type, disk count, a new ECS-optimized AMI on the next deploy)
      // replaces the hosts one at a time: each old host is drained (managed draining) and terminated, and the
      // next waits for its replacement's signal. Without an update policy CloudFormation changes only the
      // template, and the running hosts stay as they are. The group's maximum is the worker count, so a
      // replacement can start only where an old host left: MinInstancesInService is one less than the count.
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: props.count - 1 }),
    });
    const capacity = new ecs.AsgCapacityProvider(this, 'Capacity', {
      autoScalingGroup: this.hosts,
      enableManagedTerminationProtection: false,
      enableManagedDraining: true,
    });
    context.cluster.addAsgCapacityProvider(capacity);
    // After ECS_CLUSTER, which registering the capacity added, and before anything that may stop the user data.
    userData.addCommands(...ecsAgentSettingsUserData());
    // Queued before the disks: a host whose disks fail (its agent then never starts) signals the failure itself.
    userData.addCommands(
      ...registrationSignalUserData(
        {
          stackName: Aws.STACK_NAME,
          resource: Stack.of(this).getLogicalId(this.hosts.node.defaultChild as autoscaling.CfnAutoScalingGroup),
          region: Aws.REGION,
          workerTaskFamily: this.taskDefinition.family,
        },
        hostSignalWaits(HOST_SIGNAL_TIMEOUT.toSeconds()),
      ),
    );
    // A later boot that mounts the disks still joins this cluster.
    userData.addCommands(...cacheDisksUserData(disks));

    const worker = this.taskDefinition.addContainer('worker', {
      ...alluxioContainerDefaults(context, 'worker', alluxioWorkerCommand(OFFICIAL_IMAGE_LAYOUT, { tierPath: containerDirs.join(',') }), props.jvmOptions),
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      portMappings: ALLUXIO_PORTS.workerAll.map((containerPort) => ({ containerPort })),
      // The job worker too: it runs in this container, which outlives it.
      healthCheck: tcpHealthCheck(WORKER_HEALTH_CHECK_PORTS),
    });
    worker.addMountPoints(...containerDirs.map((containerPath, i) => ({ sourceVolume: `cache-${i}`, containerPath, readOnly: false })));
    context.configuration.grantReadEveryConfiguration(this.taskDefinition);

    this.service = new ecs.Ec2Service(this, 'Service', {
      ...alluxioServiceDefaults(context),
      taskDefinition: this.taskDefinition,
      desiredCount: props.count,
      // Exactly one host per worker: a replacement starts only where the old task stopped, so an update
      // stops up to half first (all of a single worker), never needs a spare host.
      minHealthyPercent: props.count >= 2 ? 50 : 0,
      maxHealthyPercent: 100,
      placementConstraints: [ecs.PlacementConstraint.distinctInstances()],
      capacityProviderStrategies: [{ capacityProvider: capacity.capacityProviderName, weight: 1 }],
      cloudMapOptions: { name: 'worker', dnsTtl: Duration.seconds(10) },
    });
    // As for the provisioned MinIO: the capacity provider's association is created before the service
    // and deleted after it (aws/containers-roadmap#631).
    this.service.node.defaultChild!.node.addDependency(context.cluster);
    acknowledgeAlluxioTaskFindings(this.taskDefinition, context);
    acknowledgeNagFindings(this.hosts, [
      {
        id: 'AwsSolutions-AS3',
        reason: 'A fixed-size group of cache hosts; ECS service events (and, with metrics on, the no-live-worker alarm) report their health.',
      },
      { id: 'AwsSolutions-EC28', reason: 'Container Insights on the cluster covers the worker hosts.' },
      { id: 'AwsSolutions-EC29', reason: 'Cache hosts are disposable: every block they hold is in MinIO.' },
    ]);
    acknowledgeEcsHostRoleFindings(hostRole);
  }
}
