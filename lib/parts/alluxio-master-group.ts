import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioMasterCommand, MASTER_JOURNAL_MOUNT, masterHealthCheckPorts, OFFICIAL_IMAGE_LAYOUT } from '../core/alluxio-container';
import { masterZones } from '../core/master-placement';
import { journalPortsOf, quorumMemberJavaOptions } from '../core/master-quorum';
import { acknowledgeAlluxioTaskFindings, alluxioContainerDefaults, alluxioServiceDefaults, AlluxioServiceContext, tcpHealthCheck } from './alluxio-services';

/** The Cloud Map name of the single master; the site file and every client name it. */
const MASTER_CLOUD_MAP_NAME = 'master';

/** The master's name inside the VPC, in the cluster's Cloud Map namespace. */
export function masterHostnameIn(namespace: string): string {
  return `${MASTER_CLOUD_MAP_NAME}.${namespace}`;
}

/**
 * The masters' names inside the VPC, in index order: the single master's, or a quorum's
 * (`master-0.<ns>`, `master-1.<ns>`, ...).
 */
export function masterHostnamesIn(namespace: string, quorumSize: number | undefined): string[] {
  if (quorumSize === undefined) return [masterHostnameIn(namespace)];
  return Array.from({ length: quorumSize }, (_, index) => `${MASTER_CLOUD_MAP_NAME}-${index}.${namespace}`);
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
  /**
   * How many masters run on the embedded journal.
   *
   * @default - one master on the UFS journal
   */
  readonly quorumSize?: number;
  /** The subnet each master of a quorum runs in, in index order (`quorumMemberSubnets`). */
  readonly quorumSubnets?: ec2.ISubnet[];
}

/**
 * The private subnet with egress of each master of a quorum, in index order: master i in the VPC's
 * i-th AZ (see masterZones). Throws an InputError naming the prop when the VPC spans fewer than three
 * (not while a looked-up VPC is still CDK's stand-in: the synth after the lookup checks the real one).
 */
export function quorumMemberSubnets(vpc: ec2.IVpc, quorumSize: number, vpcGiven: boolean): ec2.ISubnet[] {
  const selection = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  const subnets = selection.subnets;
  const zones = masterZones({ subnetZones: subnets.map((subnet) => subnet.availabilityZone), quorumSize, vpcGiven, pendingLookup: selection.isPendingLookup });
  return zones.map((zone) => subnets.find((subnet) => subnet.availabilityZone === zone)!);
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
    const namespace = context.cluster.defaultCloudMapNamespace!.namespaceName;
    this.hostnames = masterHostnamesIn(namespace, props.quorumSize);

    this.journal = new efs.FileSystem(this, 'Journal', {
      vpc: context.cluster.vpc,
      encrypted: true,
      removalPolicy: props.removalPolicy,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      enableAutomaticBackups: true,
    });
    this.journal.connections.allowDefaultPortFrom(context.securityGroup, 'the master mounts its journal');
    if (props.quorumSize === undefined) {
      this.addMaster(this, props, { journalPath: '/alluxio-journal', cloudMapName: MASTER_CLOUD_MAP_NAME });
    } else {
      this.hostnames.forEach((hostname, index) => {
        this.addMaster(new Construct(this, String(index)), props, {
          journalPath: `/alluxio-journal-${index}`,
          cloudMapName: `${MASTER_CLOUD_MAP_NAME}-${index}`,
          quorumMember: { hostname, index, subnet: props.quorumSubnets?.[index] },
        });
      });
    }
  }

  private addMaster(
    scope: Construct,
    props: AlluxioMasterGroupProps,
    master: { journalPath: string; cloudMapName: string; quorumMember?: { hostname: string; index: number; subnet?: ec2.ISubnet } },
  ): void {
    const context = props.context;
    // The image runs as uid/gid 1000; the access point makes the journal theirs.
    const journalAccessPoint = this.journal.addAccessPoint(master.quorumMember ? `JournalAccessPoint${master.quorumMember.index}` : 'JournalAccessPoint', {
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
    const ports = master.quorumMember ? quorumMemberPorts(master.quorumMember.index) : ALLUXIO_PORTS.masterAll;
    // Which master of the quorum this one is: for formatJournal, the master and the job master alike.
    const jvmOptions = master.quorumMember
      ? { ...props.jvmOptions, ALLUXIO_JAVA_OPTS: quorumMemberJavaOptions(master.quorumMember.hostname, master.quorumMember.index) }
      : props.jvmOptions;
    const container = taskDefinition.addContainer('master', {
      ...alluxioContainerDefaults(context, 'master', alluxioMasterCommand(OFFICIAL_IMAGE_LAYOUT, { rootUfsKey: props.rootUfsKey }), jvmOptions),
      portMappings: ports.map((containerPort) => ({ containerPort })),
      // The job master too: it runs in this container, which outlives it. A quorum's master is probed on
      // its Raft port, which it serves from start to stop: its RPC port closes while it turns from standby
      // to primary (2.9.6's log shows its standby services stopped before the primary's start), and a
      // probe there had ECS kill new primaries on the local cluster.
      healthCheck: tcpHealthCheck(masterHealthCheckPorts(master.quorumMember?.index)),
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
      // A quorum's master stays in its own AZ: ECS spreads tasks only within a service, and each master is its own.
      ...(master.quorumMember?.subnet ? { vpcSubnets: { subnets: [master.quorumMember.subnet] } } : {}),
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

/** The ports master `index` of a quorum listens on: the single master's, with its own journal ports. */
function quorumMemberPorts(index: number): number[] {
  const journal = journalPortsOf(index);
  const shared = ALLUXIO_PORTS.masterAll.filter((port) => port !== ALLUXIO_PORTS.masterEmbeddedJournal && port !== journalPortsOf(0).jobMaster);
  return [...shared, journal.master, journal.jobMaster];
}
