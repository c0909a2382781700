/*
 * The masters as `alluxio.masters` chose them: one on the UFS journal, or a quorum on the embedded
 * (Raft) journal. Every question that depends on which (their names, the site file's master fields,
 * the journal's ports, the zones, what the master group builds) is answered here, so the facade and
 * the master group ask rather than test the kind.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ALLUXIO_PORTS, masterHealthCheckPorts } from '../core/alluxio-container';
import { RenderSettingsSource } from '../core/custom-resource-props';
import { masterZones } from '../core/master-placement';
import { journalPortsOf, masterJournalPortRange, quorumMemberJavaOptions } from '../core/master-quorum';

/** The Cloud Map name of the single master; the site file and every client name it. */
const MASTER_CLOUD_MAP_NAME = 'master';

/** One master the master group builds: its journal, its name and its ports. */
export interface MasterMember {
  /**
   * The construct id its task definition and service sit under inside the group; undefined puts them in
   * the group itself, where the single master's have always been (its logical ids stay).
   */
  readonly scopeId?: string;
  readonly journalAccessPointId: string;
  /** Its journal's directory in the file system, its own. */
  readonly journalPath: string;
  /** Its Cloud Map name, which its peers and clients know it by. */
  readonly cloudMapName: string;
  /** Its name inside the VPC. */
  readonly hostname: string;
  readonly ports: readonly number[];
  /** The ports whose being open shows it serves. */
  readonly healthCheckPorts: readonly number[];
  /** Container environment added to the sized JVM options (which master of a quorum this one is). */
  readonly environment: Record<string, string>;
  /**
   * The subnets it runs in.
   *
   * @default - the cluster's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/** The site file's fields that name the masters and their journal. */
export type MasterSiteSettings = Pick<RenderSettingsSource, 'masterHostname' | 'masterQuorum' | 'journalType'>;

/** The masters, resolved: what the facade and the master group need to know of them. */
export interface MasterTopology {
  /** Whether the masters run one per AZ, so that a default VPC must span three AZs, each with its own NAT. */
  readonly spreadAcrossZones: boolean;
  /** The masters' names inside the VPC, in index order. */
  hostnamesIn(namespace: string): string[];
  /** The site file's master fields. */
  siteSettings(namespace: string): MasterSiteSettings;
  /** Opens the ports the masters' journals talk on between them (none when one master writes its journal alone). */
  allowJournalTraffic(securityGroup: ec2.ISecurityGroup): void;
  /**
   * The masters to build, in index order. Throws an InputError naming the prop when `vpc` cannot place
   * them (`vpcGiven`: whether the user passed it, which the error names).
   */
  membersIn(namespace: string, vpc: ec2.IVpc, vpcGiven: boolean): MasterMember[];
}

/** One master on the UFS journal, in an encrypted EFS file system. */
export class SingleMasterTopology implements MasterTopology {
  public readonly spreadAcrossZones = false;

  public hostnamesIn(namespace: string): string[] {
    return [`${MASTER_CLOUD_MAP_NAME}.${namespace}`];
  }

  public siteSettings(namespace: string): MasterSiteSettings {
    // The journal type in the site file, the one place every process and `bin/alluxio formatJournal`
    // read: the format never sees ALLUXIO_MASTER_JAVA_OPTS, and workers would know a master-only -D only
    // through the master's cluster defaults (they load them at start; seen with 2.9.6 on the local cluster).
    return { masterHostname: this.hostnamesIn(namespace)[0], journalType: 'UFS' };
  }

  public allowJournalTraffic(): void {}

  public membersIn(namespace: string): MasterMember[] {
    return [
      {
        journalAccessPointId: 'JournalAccessPoint',
        journalPath: '/alluxio-journal',
        cloudMapName: MASTER_CLOUD_MAP_NAME,
        hostname: this.hostnamesIn(namespace)[0],
        ports: ALLUXIO_PORTS.masterAll,
        healthCheckPorts: masterHealthCheckPorts(),
        environment: {},
      },
    ];
  }
}

/** `size` masters on the embedded journal, each its own single-task service in its own AZ. */
export class QuorumTopology implements MasterTopology {
  public readonly spreadAcrossZones = true;

  constructor(private readonly size: number) {}

  public hostnamesIn(namespace: string): string[] {
    return Array.from({ length: this.size }, (_, index) => `${MASTER_CLOUD_MAP_NAME}-${index}.${namespace}`);
  }

  public siteSettings(namespace: string): MasterSiteSettings {
    // EMBEDDED in the site file, for the reason SingleMasterTopology gives.
    return { masterQuorum: this.hostnamesIn(namespace), journalType: 'EMBEDDED' };
  }

  public allowJournalTraffic(securityGroup: ec2.ISecurityGroup): void {
    // The masters' Raft ports (the job masters' are in the cluster's port range).
    const [first, last] = masterJournalPortRange(this.size);
    // Ingress only, as for the cluster's other ports (the group allows all outbound).
    securityGroup.addIngressRule(securityGroup, ec2.Port.tcpRange(first, last), 'embedded journal between the masters');
  }

  public membersIn(namespace: string, vpc: ec2.IVpc, vpcGiven: boolean): MasterMember[] {
    const subnets = this.memberSubnets(vpc, vpcGiven);
    return this.hostnamesIn(namespace).map((hostname, index) => ({
      scopeId: String(index),
      journalAccessPointId: `JournalAccessPoint${index}`,
      journalPath: `/alluxio-journal-${index}`,
      cloudMapName: `${MASTER_CLOUD_MAP_NAME}-${index}`,
      hostname,
      ports: quorumMemberPorts(index),
      // A quorum's master is probed on its Raft port, which it serves from start to stop: its RPC port
      // closes while it turns from standby to primary (2.9.6's log shows its standby services stopped
      // before the primary's start), and a probe there had ECS kill new primaries on the local cluster.
      healthCheckPorts: masterHealthCheckPorts(index),
      // Which master of the quorum this one is: for formatJournal, the master and the job master alike.
      environment: { ALLUXIO_JAVA_OPTS: quorumMemberJavaOptions(hostname, index) },
      // A quorum's master stays in its own AZ: ECS spreads tasks only within a service, and each master is
      // its own. (A VPC still to be looked up may have no such subnet yet: the synth after the lookup places it.)
      vpcSubnets: subnets[index] ? { subnets: [subnets[index]] } : undefined,
    }));
  }

  /**
   * The private subnet with egress of each master, in index order: master i in the VPC's i-th AZ (see
   * masterZones). Throws an InputError naming the prop when the VPC spans fewer than three (not while
   * a looked-up VPC is still CDK's stand-in: the synth after the lookup checks the real one).
   */
  private memberSubnets(vpc: ec2.IVpc, vpcGiven: boolean): ec2.ISubnet[] {
    const selection = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    const subnets = selection.subnets;
    const zones = masterZones({
      subnetZones: subnets.map((subnet) => subnet.availabilityZone),
      quorumSize: this.size,
      vpcGiven,
      pendingLookup: selection.isPendingLookup,
    });
    return zones.map((zone) => subnets.find((subnet) => subnet.availabilityZone === zone)!);
  }
}

/** The ports master `index` of a quorum listens on: the single master's, with its own journal ports. */
function quorumMemberPorts(index: number): number[] {
  const journal = journalPortsOf(index);
  const shared = ALLUXIO_PORTS.masterAll.filter((port) => port !== ALLUXIO_PORTS.masterEmbeddedJournal && port !== journalPortsOf(0).jobMaster);
  return [...shared, journal.master, journal.jobMaster];
}
