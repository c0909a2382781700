import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlluxioMasters } from '../../lib';
import { AlluxioMasterGroup } from '../../lib/parts/alluxio-master-group';
import { base, contextIn } from './part-fixtures';

describe('AlluxioMasterGroup', () => {
  test('one master that never overlaps itself, its journal on EFS, the configuration as its secret', () => {
    const b = base();
    const masters = new AlluxioMasterGroup(b.stack, 'Master', {
      context: contextIn(b),
      cpu: 1024,
      memoryMiB: 4096,
      jvmOptions: {},
      rootUfsKey: 'alluxio.master.mount.table.root.ufs',
      removalPolicy: RemovalPolicy.DESTROY,
      members: AlluxioMasters.single()._bind().membersIn('parts.internal', b.vpc, true),
    });
    expect(masters.rpcEndpoints).toEqual(['master.parts.internal:19998']);
    expect(masters.webEndpoints).toEqual(['master.parts.internal:19999']);
    const template = Template.fromStack(b.stack);
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ MaximumPercent: 100, MinimumHealthyPercent: 0 }),
    });
    const secrets = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((t: any) => t.Properties.ContainerDefinitions[0].Secrets[0].Name);
    expect(secrets).toEqual(['ALLUXIO_SITE_PROPERTIES']);
  });
});
