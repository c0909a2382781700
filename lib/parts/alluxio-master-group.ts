import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioMasterCommand, MASTER_JOURNAL_MOUNT, OFFICIAL_IMAGE_LAYOUT } from '../core/alluxio-container';
import { acknowledgeAlluxioTaskFindings, alluxioContainerDefaults, alluxioServiceDefaults, AlluxioServiceContext, tcpHealthCheck } from './alluxio-services';
import { MasterMember } from './master-topology';

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
  /** The masters to build, in index order (`MasterTopology.membersIn`). */
  readonly members: MasterMember[];
}

/**
 * The Alluxio masters (each with its job master), their journals on one encrypted EFS file system so
 * they outlive every task. One master writes the UFS journal in the file system; a quorum's masters
 * each keep their embedded journal in a directory of their own (an access point each), and each is
 * its own single-task service so that its Cloud Map name, which its peers know it by, stays its own.
 */
export class AlluxioMasterGroup extends Construct {
  /** One service per master, in index order (the single master's alone). */
  public readonly services: ecs.FargateService[] = [];
  public readonly taskDefinitions: ecs.FargateTaskDefinition[] = [];
  public readonly journal: efs.FileSystem;
  /** The masters' names inside the VPC (Cloud Map), in index order. */
  public readonly hostnames: string[];

  constructor(scope: Construct, id: string, props: AlluxioMasterGroupProps) {
    super(scope, id);
    const context = props.context;
    this.hostnames = props.members.map((member) => member.hostname);

    this.journal = new efs.FileSystem(this, 'Journal', {
      vpc: context.cluster.vpc,
      encrypted: true,
      removalPolicy: props.removalPolicy,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      enableAutomaticBackups: true,
    });
    this.journal.connections.allowDefaultPortFrom(context.securityGroup, 'the master mounts its journal');
    for (const member of props.members) {
      this.addMaster(member.scopeId === undefined ? this : new Construct(this, member.scopeId), props, member);
    }
  }

  private addMaster(scope: Construct, props: AlluxioMasterGroupProps, master: MasterMember): void {
    const context = props.context;
    // The image runs as uid/gid 1000; the access point makes the journal theirs.
    const journalAccessPoint = this.journal.addAccessPoint(master.journalAccessPointId, {
      path: master.journalPath,
      posixUser: { uid: '1000', gid: '1000' },
      createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
    });

    const taskDefinition = new ecs.FargateTaskDefinition(scope, 'Task', {
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
    this.journal.grantReadWrite(taskDefinition.taskRole);
    const container = taskDefinition.addContainer('master', {
      ...alluxioContainerDefaults(context, 'master', alluxioMasterCommand(OFFICIAL_IMAGE_LAYOUT, { rootUfsKey: props.rootUfsKey }), {
        ...props.jvmOptions,
        ...master.environment,
      }),
      portMappings: master.ports.map((containerPort) => ({ containerPort })),
      // The job master too: it runs in this container, which outlives it.
      healthCheck: tcpHealthCheck(master.healthCheckPorts),
    });
    container.addMountPoints({ sourceVolume: 'journal', containerPath: MASTER_JOURNAL_MOUNT, readOnly: false });
    context.configuration.grantReadEveryConfiguration(taskDefinition);

    const service = new ecs.FargateService(scope, 'Service', {
      ...alluxioServiceDefaults(context),
      taskDefinition,
      desiredCount: 1,
      // One master owns its journal: the old task stops before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      cloudMapOptions: { name: master.cloudMapName, dnsTtl: Duration.seconds(10) },
      vpcSubnets: master.vpcSubnets,
    });
    // A task whose EFS volume has no available mount target in its subnet fails to start.
    service.node.defaultChild!.node.addDependency(this.journal.mountTargetsAvailable);
    acknowledgeAlluxioTaskFindings(taskDefinition, context);
    // A deploy that changes the configuration replaces every master: one after another, so the others
    // keep a majority and a primary while each restarts (CloudFormation would update them all at once).
    const previous = this.services[this.services.length - 1];
    if (previous) service.node.addDependency(previous);
    this.services.push(service);
    this.taskDefinitions.push(taskDefinition);
  }

  /** The single master's service, or the first master's. */
  public get service(): ecs.FargateService {
    return this.services[0];
  }

  /** `host:port` of every master's RPC endpoint, in index order. */
  public get rpcEndpoints(): string[] {
    return this.hostnames.map((host) => `${host}:${ALLUXIO_PORTS.masterRpc}`);
  }

  /** `host:port` of every master's web endpoint (the primary's serves the REST API the checks and rotation read). */
  public get webEndpoints(): string[] {
    return this.hostnames.map((host) => `${host}:${ALLUXIO_PORTS.masterWeb}`);
  }
}
