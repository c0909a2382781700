import { App, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMinio, AlluxioMinioProps, AlluxioWorkers, MinioBackend, MinioCredentials } from '../../lib';
import { cdkNagReport } from '../support/cdk-nag';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synth(alluxio: AlluxioMinioProps['alluxio']): Template {
  const stack = new Stack(new App(), 'Test');
  new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio });
  return Template.fromStack(stack);
}

function synthError(alluxio: AlluxioMinioProps['alluxio']): string {
  try {
    synth(alluxio);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected synth to fail');
}

const userDataOf = (template: Template): string =>
  JSON.stringify(Object.values(template.findResources('AWS::EC2::LaunchTemplate')).map((t: any) => t.Properties.LaunchTemplateData.UserData));

describe('AlluxioWorkers.ec2', () => {
  const r5d4xl = () => synth({ workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.4xlarge'), count: 3 }) });

  test('the deploy check waits for the EC2 worker count: ExpectedWorkers is the count of hosts', () => {
    r5d4xl().hasResourceProperties('Custom::AlluxioMinioHealthCheck', { AlluxioMaster: Match.anyValue(), ExpectedWorkers: '3' });
  });

  test('one worker per host on a fixed group of the instance type, in the Alluxio security group (awsvpc)', () => {
    const template = r5d4xl();
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'r5d.4xlarge' }) });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '3', MaxSize: '3' });
    const [worker] = Object.values(template.findResources('AWS::ECS::Service')).filter(
      (s: any) => s.Properties.LaunchType !== 'FARGATE' && !s.Properties.PlatformVersion,
    ) as any[];
    expect(worker.Properties).toMatchObject({
      DesiredCount: 3,
      PlacementConstraints: [{ Type: 'distinctInstance' }],
      DeploymentConfiguration: expect.objectContaining({ MaximumPercent: 100, MinimumHealthyPercent: 50 }),
      NetworkConfiguration: {
        AwsvpcConfiguration: expect.objectContaining({ SecurityGroups: [{ 'Fn::GetAtt': [expect.stringMatching(/^CacheAlluxioSecurityGroup/), 'GroupId'] }] }),
      },
    });
  });

  test('the EC2 worker container is health-checked on the worker and job worker RPC ports', () => {
    const [task] = Object.values(r5d4xl().findResources('AWS::ECS::TaskDefinition')).filter((t: any) =>
      t.Properties.RequiresCompatibilities?.includes('EC2'),
    ) as any[];
    const worker = task.Properties.ContainerDefinitions.find((c: any) => c.Name === 'worker');
    expect([...worker.HealthCheck.Command.join(' ').matchAll(/\/dev\/tcp\/127\.0\.0\.1\/(\d+)/g)].map((m: RegExpMatchArray) => Number(m[1]))).toEqual([
      29999, 30001,
    ]);
  });

  test('the tier is sized from the disks: one path and 90% of each disk (r5d.4xlarge: 2 x 300 GB = 251 GiB each)', () => {
    const template = r5d4xl();
    template.hasResourceProperties('Custom::AlluxioSiteProperties', {
      WorkerTierPath: '${alluxio.home}/cache/0,${alluxio.home}/cache/1',
      WorkerTierQuota: '251GB,251GB',
    });
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')).filter((t: any) =>
      t.Properties.Volumes?.some((v: any) => v.Host),
    ) as any[];
    expect(task.Properties.Volumes).toEqual([
      { Name: 'cache-0', Host: { SourcePath: '/mnt/alluxio-cache/0' } },
      { Name: 'cache-1', Host: { SourcePath: '/mnt/alluxio-cache/1' } },
    ]);
    expect(task.Properties.ContainerDefinitions[0].MountPoints).toEqual([
      { ContainerPath: '/opt/alluxio/cache/0', ReadOnly: false, SourceVolume: 'cache-0' },
      { ContainerPath: '/opt/alluxio/cache/1', ReadOnly: false, SourceVolume: 'cache-1' },
    ]);
  });

  test("the hosts' user data installs the cache-disk script for the type's disk count", () => {
    const userData = userDataOf(r5d4xl());
    expect(userData).toContain('cdk-alluxio-minio-cache-disks');
    expect(userData).toContain('expected=2');
  });

  test('cacheQuotaPercent sets the share of each disk', () => {
    synth({ workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('i3en.xlarge'), cacheQuotaPercent: 50 }) }).hasResourceProperties(
      'Custom::AlluxioSiteProperties',
      {
        WorkerTierQuota: '1164GB',
      },
    );
  });

  test.each<[string, AlluxioMinioProps['alluxio'], RegExp]>([
    [
      'an instance type without instance storage',
      { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('m5.large') }) },
      /alluxio\.workers\.instanceType: "m5\.large" is not an instance type with NVMe instance storage.*Fix: choose one with instance-store NVMe SSDs/,
    ],
    [
      'a Fargate cache size with EC2 workers',
      { cacheSize: Size.gibibytes(50), workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.large') }) },
      /alluxio\.cacheSize: sizes Fargate workers.*Fix: .*cacheQuotaPercent/,
    ],
    [
      'a quota above 95%',
      { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.large'), cacheQuotaPercent: 99 }) },
      /alluxio\.workers\.cacheQuotaPercent: .*Fix:/,
    ],
    [
      'a count given twice',
      { workerCount: 3, workers: AlluxioWorkers.fargate({ count: 2 }) },
      /alluxio\.workerCount: is given twice.*Fix: give it once, in AlluxioWorkers\.fargate\(\{ count \}\)/,
    ],
    [
      'a worker memory above what the host has',
      { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.large'), memoryMiB: 16384 }) },
      /alluxio\.workers\.memoryMiB: .*Fix: give 2048 to 14745 MiB, what a r5d\.large host has/,
    ],
    [
      'a worker CPU above what the host has',
      { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.large'), cpu: 4096 }) },
      /alluxio\.workers\.cpu: .*Fix: give CPU units from 256 to 2048/,
    ],
    [
      'a host count given twice',
      { workerCount: 3, workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.large'), count: 2 }) },
      /alluxio\.workerCount: is given twice.*Fix: give it once, in AlluxioWorkers\.ec2\(\{ count \}\)/,
    ],
  ])('refuses %s at synth, naming the prop and the fix', (_name, alluxio, message) => {
    expect(synthError(alluxio)).toMatch(message);
  });

  test('with metrics on, the agent runs beside the EC2 worker container, whose JVMs keep their sizes, and cdk-nag finds nothing', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const workers = AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType('r5d.xlarge') });
    new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio: { workers }, metrics: { enabled: true } });
    const template = Template.fromStack(stack);
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition')).filter((t: any) =>
      t.Properties.RequiresCompatibilities?.includes('EC2'),
    ) as any[];
    const containers = task.Properties.ContainerDefinitions as any[];
    expect(containers.map((c) => c.Name).sort()).toEqual(['metrics-agent', 'worker']);
    const jvm = (t: Template) => {
      const [ec2Task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')).filter((d: any) =>
        d.Properties.RequiresCompatibilities?.includes('EC2'),
      ) as any[];
      return ec2Task.Properties.ContainerDefinitions.find((c: any) => c.Name === 'worker').Environment.filter((e: any) => e.Name.endsWith('JAVA_OPTS'));
    };
    expect(jvm(template)).toEqual(jvm(synth({ workers })));
    expect(cdkNagReport(app)).toBe('');
  });

  test('AlluxioWorkers.fargate() is the default: the same template as no choice at all', () => {
    expect(synth({ workers: AlluxioWorkers.fargate() }).toJSON()).toEqual(synth({}).toJSON());
    expect(synth({ workers: AlluxioWorkers.fargate({ count: 3, cacheSize: Size.gibibytes(40) }) }).toJSON()).toEqual(
      synth({ workerCount: 3, cacheSize: Size.gibibytes(40) }).toJSON(),
    );
  });
});
