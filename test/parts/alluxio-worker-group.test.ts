import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlluxioWorkerGroup } from '../../lib/parts/alluxio-worker-group';
import { base, contextIn } from './part-fixtures';

describe('AlluxioWorkerGroup', () => {
  test('workers sized from the cache, replaced half at a time, the configuration as their secret', () => {
    const b = base();
    new AlluxioWorkerGroup(b.stack, 'Worker', { context: contextIn(b), cpu: 1024, memoryMiB: 4096, jvmOptions: {}, count: 3, cacheGiB: 50 });
    const template = Template.fromStack(b.stack);
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 3,
      DeploymentConfiguration: Match.objectLike({ MaximumPercent: 200, MinimumHealthyPercent: 50 }),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { EphemeralStorage: { SizeInGiB: 60 } });
    const secrets = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((t: any) => t.Properties.ContainerDefinitions[0].Secrets[0].Name);
    expect(secrets).toEqual(['ALLUXIO_SITE_PROPERTIES']);
  });
});
