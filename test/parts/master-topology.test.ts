import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMasters } from '../../lib';

// What each choice of masters answers for the facade and the master group, which no longer test the kind.

function vpcIn(zones: string[]): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Topology', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: zones, natGateways: 1 });
  return { stack, vpc };
}

describe('AlluxioMasters.single()', () => {
  const topology = AlluxioMasters.single()._bind();

  test('one master named master.<ns>, on the UFS journal, built in the group itself with no journal traffic', () => {
    const { stack, vpc } = vpcIn(['eu-west-1a', 'eu-west-1b']);
    expect(topology.spreadAcrossZones).toBe(false);
    expect(topology.hostnamesIn('ns.internal')).toEqual(['master.ns.internal']);
    expect(topology.siteSettings('ns.internal')).toEqual({ masterHostname: 'master.ns.internal', journalType: 'UFS' });
    const [member, ...others] = topology.membersIn('ns.internal', vpc, true);
    expect(others).toEqual([]);
    expect(member).toMatchObject({ cloudMapName: 'master', journalPath: '/alluxio-journal', environment: {} });
    // In the group itself and in the cluster's private subnets: the single master's resources as before quorums.
    expect(member.scopeId).toBeUndefined();
    expect(member.vpcSubnets).toBeUndefined();
    const securityGroup = new ec2.SecurityGroup(stack, 'Alluxio', { vpc });
    topology.allowJournalTraffic(securityGroup);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

describe('AlluxioMasters.highlyAvailable()', () => {
  const topology = AlluxioMasters.highlyAvailable({ count: 3 })._bind();

  test('master-<i>.<ns> on the embedded journal, each in its own AZ and told which master it is', () => {
    const { vpc } = vpcIn(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    const hostnames = ['master-0.ns.internal', 'master-1.ns.internal', 'master-2.ns.internal'];
    expect(topology.spreadAcrossZones).toBe(true);
    expect(topology.hostnamesIn('ns.internal')).toEqual(hostnames);
    expect(topology.siteSettings('ns.internal')).toEqual({ masterQuorum: hostnames, journalType: 'EMBEDDED' });
    const members = topology.membersIn('ns.internal', vpc, true);
    expect(members.map((m) => [m.scopeId, m.cloudMapName, m.journalPath])).toEqual([
      ['0', 'master-0', '/alluxio-journal-0'],
      ['1', 'master-1', '/alluxio-journal-1'],
      ['2', 'master-2', '/alluxio-journal-2'],
    ]);
    expect(members.map((m) => m.vpcSubnets!.subnets![0].availabilityZone)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(members[1].environment.ALLUXIO_JAVA_OPTS).toContain('-Dalluxio.master.hostname=master-1.ns.internal');
  });

  test("opens the masters' Raft ports among the cluster, one per master", () => {
    const { stack, vpc } = vpcIn(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    topology.allowJournalTraffic(new ec2.SecurityGroup(stack, 'Alluxio', { vpc }));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 19200,
      ToPort: 19202,
      Description: 'embedded journal between the masters',
    });
  });

  test('a VPC in two AZs cannot place them: the error names vpc', () => {
    const { vpc } = vpcIn(['eu-west-1a', 'eu-west-1b']);
    expect(() => topology.membersIn('ns.internal', vpc, true)).toThrow(/^vpc: has private subnets with egress in 2 AZs/);
  });

  test('a count Raft cannot use is refused when bound, naming alluxio.masters.count', () => {
    expect(() => AlluxioMasters.highlyAvailable({ count: 4 })._bind()).toThrow(/^alluxio\.masters\.count: 4 masters cannot form a useful Raft quorum/);
  });
});
