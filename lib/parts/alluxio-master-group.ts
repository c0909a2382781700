import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioMasterCommand, MASTER_JOURNAL_MOUNT, OFFICIAL_IMAGE_LAYOUT } from '../core/alluxio-container';
import { acknowledgeAlluxioTaskFindings, alluxioContainerDefaults, alluxioServiceDefaults, AlluxioServiceContext, tcpHealthCheck } from './alluxio-services';

/** The Cloud Map name of the master; the site file and every client name it. */
const MASTER_CLOUD_MAP_NAME = 'master';

/** The master's name inside the VPC, in the cluster's Cloud Map namespace. */
export function masterHostnameIn(namespace: string): string {
  return `${MASTER_CLOUD_MAP_NAME}.${namespace}`;
}

export interface AlluxioMasterGroupProps {
  readonly context: AlluxioServiceContext;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** ALLUXIO_*_JAVA_OPTS of the master container (master and job master), sized from its task memory. */
  readonly jvmOptions: Record<string, string>;
  /** The root-mount property of the Alluxio release (2.x and 3.x name it differently). */
  readonly rootUfsKey: string;
  /** What happens to the journal file system when the construct is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The Alluxio master (with its job master): one task on the UFS journal, which lives on an encrypted
 * EFS file system so it outlives every task.
 */
export class AlluxioMasterGroup extends Construct {
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly journal: efs.FileSystem;
  /** The master's name inside the VPC (Cloud Map). */
  public readonly hostname: string;

  constructor(scope: Construct, id: string, props: AlluxioMasterGroupProps) {
    super(scope, id);
    const context = props.context;
    this.hostname = masterHostnameIn(context.cluster.defaultCloudMapNamespace!.namespaceName);

    this.journal = new efs.FileSystem(this, 'Journal', {
      vpc: context.cluster.vpc,
      encrypted: true,
      removalPolicy: props.removalPolicy,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      enableAutomaticBackups: true,
    });
    // The image runs as uid/gid 1000; the access point makes the journal theirs.
    const journalAccessPoint = this.journal.addAccessPoint('JournalAccessPoint', {
      path: '/alluxio-journal',
      posixUser: { uid: '1000', gid: '1000' },
      createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      volumes: [
        {
          name: 'journal',
          efsVolumeConfiguration: {
            fileSystemId: this.journal.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: journalAccessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });
    this.journal.grantReadWrite(this.taskDefinition.taskRole);
    const master = this.taskDefinition.addContainer('master', {
      ...alluxioContainerDefaults(context, 'master', alluxioMasterCommand(OFFICIAL_IMAGE_LAYOUT, { rootUfsKey: props.rootUfsKey }), props.jvmOptions),
      portMappings: ALLUXIO_PORTS.masterAll.map((containerPort) => ({ containerPort })),
      healthCheck: tcpHealthCheck(ALLUXIO_PORTS.masterRpc),
    });
    master.addMountPoints({ sourceVolume: 'journal', containerPath: MASTER_JOURNAL_MOUNT, readOnly: false });
    context.configuration.grantReadEveryConfiguration(this.taskDefinition);

    this.service = new ecs.FargateService(this, 'Service', {
      ...alluxioServiceDefaults(context),
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      // One master owns the journal: the old task stops before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      cloudMapOptions: { name: MASTER_CLOUD_MAP_NAME, dnsTtl: Duration.seconds(10) },
    });
    // A task whose EFS volume has no available mount target in its subnet fails to start.
    this.service.node.defaultChild!.node.addDependency(this.journal.mountTargetsAvailable);
    this.journal.connections.allowDefaultPortFrom(context.securityGroup, 'the master mounts its journal');
    acknowledgeAlluxioTaskFindings(this.taskDefinition, context);
  }

  /** `host:port` of the master's RPC endpoint. */
  public get rpcEndpoint(): string {
    return `${this.hostname}:${ALLUXIO_PORTS.masterRpc}`;
  }

  /** `host:port` of the master's web endpoint (its REST API, which the checks and rotation read). */
  public get webEndpoint(): string {
    return `${this.hostname}:${ALLUXIO_PORTS.masterWeb}`;
  }
}
