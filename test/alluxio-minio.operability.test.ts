import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AlluxioMinio, AlluxioMinioProps, MinioBackend, MinioCredentials } from '../lib';
import { cdkNagReport } from './support/cdk-nag';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synthApp(props: Partial<AlluxioMinioProps> = {}): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Ops');
  new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, ...props });
  return { app, stack };
}

function alluxioServices(template: Template): any[] {
  return Object.entries(template.findResources('AWS::ECS::Service'))
    .filter(([id]) => /MasterService|WorkerService/.test(id))
    .map(([, service]) => service);
}

function ssmMessagesGrantees(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.PolicyDocument).includes('ssmmessages:CreateControlChannel'))
    .flatMap((p: any) => p.Properties.Roles.map((r: any) => r.Ref));
}

describe('ECS Exec on the Alluxio services', () => {
  test('is off by default: no exec, and no task role may open an SSM session channel', () => {
    const template = Template.fromStack(synthApp().stack);
    const services = alluxioServices(template);
    expect(services).toHaveLength(2);
    for (const service of services) expect(service.Properties.EnableExecuteCommand).toBeUndefined();
    expect(ssmMessagesGrantees(template)).toEqual([]);
  });

  test('alluxio.enableExecuteCommand turns it on for the master and the workers, and lets exactly their task roles open the channels', () => {
    const template = Template.fromStack(synthApp({ alluxio: { enableExecuteCommand: true } }).stack);
    for (const service of alluxioServices(template)) expect(service.Properties.EnableExecuteCommand).toBe(true);
    const grantees = ssmMessagesGrantees(template).sort();
    expect(grantees).toHaveLength(2);
    expect(grantees[0]).toMatch(/^CacheMasterTaskTaskRole/);
    expect(grantees[1]).toMatch(/^CacheWorkerTaskTaskRole/);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding with exec on', () => {
    expect(cdkNagReport(synthApp({ alluxio: { enableExecuteCommand: true } }).app)).toBe('');
  });
});
