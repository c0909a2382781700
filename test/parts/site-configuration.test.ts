import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { base, configurationIn, credentialsIn, statementsOf } from './part-fixtures';

describe('SiteConfiguration', () => {
  test('renders after the credentials and lets a task definition read every configuration of the deployment', () => {
    const b = base();
    const configuration = configurationIn(b, credentialsIn(b));
    const task = new ecs.FargateTaskDefinition(b.stack, 'Task');
    configuration.grantReadEveryConfiguration(task);
    const template = Template.fromStack(b.stack);
    const [render] = Object.values(template.findResources('Custom::AlluxioSiteProperties')) as any[];
    expect(render.Properties).toMatchObject({
      SitePropertiesParameterName: '/parts/site-properties',
      Bucket: 'datalake',
      MasterHostname: 'master.parts.internal',
    });
    expect(render.DependsOn.some((id: string) => id.startsWith('Credentials'))).toBe(true);
    const reads = JSON.stringify(statementsOf(template).filter((s) => [s.Action].flat().includes('ssm:GetParameters')));
    expect(reads).toContain('parameter/parts/site-properties"');
    expect(reads).toContain('parameter/parts/site-properties/*');
  });
});
