import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DeployChecks } from '../../lib/parts/deploy-checks';
import { base, credentialsIn, EXISTING, existingStoreIn } from './part-fixtures';

/** The two checks' part on an existing MinIO, in a stack of its own. */
function checksOnExistingMinio() {
  const b = base();
  const credentials = credentialsIn(b);
  const checks = new DeployChecks(b.stack, 'Checks', {
    functions: b.functions,
    credentials,
    store: existingStoreIn(b, credentials),
    backend: EXISTING,
    alluxioVersion: '2.9.6',
    timeoutSeconds: 120,
    configHash: 'abc',
  });
  return { b, checks };
}

describe('DeployChecks', () => {
  test('the MinIO check runs after the credentials; the Alluxio check after the services it is given', () => {
    const { b, checks } = checksOnExistingMinio();
    const service = new iam.Role(b.stack, 'StandInForAService', { assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com') });
    checks.addAlluxioCheck(['master.parts.internal:19999'], 2, [service]);
    const checksByKind = Object.values(Template.fromStack(b.stack).findResources('Custom::AlluxioMinioHealthCheck')) as any[];
    const minio = checksByKind.find((c) => !c.Properties.AlluxioMaster);
    const alluxio = checksByKind.find((c) => c.Properties.AlluxioMaster);
    expect(minio.Properties).toMatchObject({
      Endpoint: 'http://10.0.12.7:9000',
      Bucket: 'datalake',
      EnsureDirectory: 'true',
      ConfigHash: 'abc',
      TimeoutSeconds: '120',
    });
    expect(minio.DependsOn.some((id: string) => id.startsWith('Credentials'))).toBe(true);
    // One master: its address exactly as before, no separator.
    expect(alluxio.Properties).toMatchObject({ AlluxioMaster: 'master.parts.internal:19999', ExpectedWorkers: '2', EnsureBucket: 'false' });
    expect(alluxio.DependsOn.some((id: string) => id.startsWith('StandInForAService'))).toBe(true);
    // What an on-demand run (the integ tests' assertion) invokes the poll function with: the resource's
    // own properties, less the two CloudFormation reads itself (the provider's token and its timeout).
    const { ServiceToken: _serviceToken, ServiceTimeout: _serviceTimeout, ...properties } = alluxio.Properties;
    expect(checks.alluxioCheckProperties).toEqual(properties);
  });

  test('several masters: every web endpoint, comma-separated, in the order given', () => {
    const { b, checks } = checksOnExistingMinio();
    checks.addAlluxioCheck(['master-0.ns:19999', 'master-1.ns:19999', 'master-2.ns:19999'], 5, []);
    const alluxio = (Object.values(Template.fromStack(b.stack).findResources('Custom::AlluxioMinioHealthCheck')) as any[]).find(
      (c) => c.Properties.AlluxioMaster,
    );
    expect(alluxio.Properties).toMatchObject({ AlluxioMaster: 'master-0.ns:19999,master-1.ns:19999,master-2.ns:19999', ExpectedWorkers: '5' });
    expect(() => checks.addAlluxioCheck([], 1, [])).toThrow(/at least one master/);
  });
});
