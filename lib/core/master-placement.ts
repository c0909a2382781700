import { InputError } from './input-error';

/**
 * Where highly available masters run. ECS spreads the tasks of one service over AZs, but each master
 * is a service of its own with one task, so nothing spreads the masters unless each is placed: master
 * i runs in the i-th AZ of the VPC's private subnets (round robin past the last). With three AZs no AZ
 * holds a majority of three or five masters, so losing one AZ leaves a quorum. Losing one NAT gateway
 * does too only where each AZ has its own (the construct's own VPC for HA masters has one per AZ); in a
 * VPC you pass whose private subnets share one NAT gateway, losing it cuts every master's egress.
 */
export const HA_MASTER_MIN_ZONES = 3;

/** What the placement is chosen from: the AZ of each private subnet with egress, in the VPC's order. */
export interface MasterZoneInput {
  readonly subnetZones: readonly string[];
  readonly quorumSize: number;
  /** The user passed `vpc` (else the construct made its own VPC). */
  readonly vpcGiven: boolean;
  /**
   * The subnets are a stand-in for a VPC not looked up yet (CDK's `isPendingLookup`): the CDK CLI
   * records the lookup and synthesizes again with the real subnets, which are checked then. Refusing
   * the stand-in (two AZs, whatever the real VPC has) would stop the synth that records the lookup
   * (aws/aws-cdk#12078, #33786).
   */
  readonly pendingLookup?: boolean;
}

/**
 * The AZ of each master, in index order; throws an InputError naming the prop when the VPC's private
 * subnets with egress span fewer than three AZs (unless they are a stand-in pending a lookup).
 */
export function masterZones(input: MasterZoneInput): string[] {
  const zones = [...new Set(input.subnetZones)];
  if (zones.length < HA_MASTER_MIN_ZONES && !input.pendingLookup) {
    const where = `private subnets with egress in ${zones.length} AZ${zones.length === 1 ? '' : 's'}`;
    if (input.vpcGiven) {
      throw new InputError(
        'vpc',
        `has ${where}; highly available masters need ${HA_MASTER_MIN_ZONES}, one master per AZ, so that no AZ holds a majority of them`,
        `pass a vpc with private subnets with egress in at least ${HA_MASTER_MIN_ZONES} AZs ` +
          `(in a stack without an env, CDK gives a new ec2.Vpc only 2 AZs whatever its maxAzs: give the stack an env, or the Vpc availabilityZones), ` +
          `or use AlluxioMasters.single()`,
      );
    }
    throw new InputError(
      'alluxio.masters',
      `highly available masters need ${HA_MASTER_MIN_ZONES} AZs, one master per AZ, ` +
        `but the stack's region has ${zones.length} (the construct's own VPC spans those)`,
      `deploy the stack to a region with at least ${HA_MASTER_MIN_ZONES} AZs, ` +
        `pass a vpc with private subnets with egress in ${HA_MASTER_MIN_ZONES} AZs, or use AlluxioMasters.single()`,
    );
  }
  return Array.from({ length: input.quorumSize }, (_, index) => zones[index % zones.length]);
}
