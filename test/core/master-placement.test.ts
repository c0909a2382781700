import { InputError } from '../../lib/core/input-error';
import { masterZones } from '../../lib/core/master-placement';

describe('masterZones', () => {
  test('master i runs in the i-th AZ; five masters over three AZs leave no AZ with a majority', () => {
    const zones = masterZones({ subnetZones: ['a', 'a', 'b', 'c'], quorumSize: 5, vpcGiven: true });
    expect(zones).toEqual(['a', 'b', 'c', 'a', 'b']);
    const most = Math.max(...['a', 'b', 'c'].map((zone) => zones.filter((z) => z === zone).length));
    expect(most).toBeLessThan(Math.floor(5 / 2) + 1);
  });

  test('a given VPC with private subnets in two AZs is refused, naming vpc and the fix', () => {
    const error = (() => {
      try {
        masterZones({ subnetZones: ['a', 'b', 'b'], quorumSize: 3, vpcGiven: true });
      } catch (e) {
        return e as InputError;
      }
      throw new Error('expected an InputError');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.input).toBe('vpc');
    expect(error.message).toContain('private subnets with egress in 2 AZs');
    expect(error.fix).toContain('at least 3 AZs');
    expect(error.fix).toContain('give the stack an env');
  });

  test("a VPC still to be looked up (CDK's two-AZ stand-in) is not refused; once looked up, the same two AZs are", () => {
    expect(masterZones({ subnetZones: ['dummy1a', 'dummy1b'], quorumSize: 3, vpcGiven: true, pendingLookup: true })).toEqual(['dummy1a', 'dummy1b', 'dummy1a']);
    expect(() => masterZones({ subnetZones: ['a', 'b'], quorumSize: 3, vpcGiven: true, pendingLookup: false })).toThrow(
      /^vpc: has private subnets with egress in 2 AZs/,
    );
  });

  test("the construct's own VPC in a region with two AZs is refused, naming alluxio.masters", () => {
    expect(() => masterZones({ subnetZones: ['a', 'b'], quorumSize: 3, vpcGiven: false })).toThrow(/^alluxio\.masters: .*the stack's region has 2/);
  });
});
