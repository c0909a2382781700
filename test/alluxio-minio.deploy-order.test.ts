import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AlluxioMinio, MinioBackend } from '../lib';

/*
 * The order CloudFormation creates (and, reversed, deletes) resources in, where the implicit order
 * from references is not enough for the first deploy or for `cdk destroy`.
 */
function provisionedTemplate(): Template {
  const app = new App();
  const stack = new Stack(app, 'Order');
  new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned() });
  return Template.fromStack(stack);
}

function idsOfType(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

function dependsOn(template: Template, logicalId: string): string[] {
  return (template.toJSON().Resources[logicalId].DependsOn as string[] | undefined) ?? [];
}

describe('deploy order', () => {
  const template = provisionedTemplate();

  test('the MinIO service waits for the capacity provider to be associated with the cluster, and is deleted before it', () => {
    // Without it the service's create races the association (it may find no such capacity provider on the
    // cluster) and a delete removes the association first, which ECS refuses while the service uses it
    // ("The specified capacity provider is in use", aws/containers-roadmap#631).
    const [association] = idsOfType(template, 'AWS::ECS::ClusterCapacityProviderAssociations');
    expect(association).toBeDefined();
    const services = template.findResources('AWS::ECS::Service');
    const minioServices = Object.entries(services).filter(([, s]: [string, any]) => s.Properties.CapacityProviderStrategy);
    expect(minioServices).toHaveLength(1);
    expect(dependsOn(template, minioServices[0][0])).toContain(association);
  });

  test('the master service waits for every mount target of its journal file system', () => {
    // A Fargate task whose EFS volume has no available mount target in its subnet fails to start
    // (ResourceInitializationError); on a first deploy the mount targets are created in parallel otherwise.
    const mountTargets = idsOfType(template, 'AWS::EFS::MountTarget');
    expect(mountTargets.length).toBeGreaterThan(0);
    const [master] = idsOfType(template, 'AWS::ECS::Service').filter((id) => id.includes('MasterService'));
    expect(dependsOn(template, master)).toEqual(expect.arrayContaining(mountTargets));
  });
});
