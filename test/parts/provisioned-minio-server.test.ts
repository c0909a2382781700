import { App, CfnParameter, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMinio, MinioBackend, ProvisionedMinioOptions } from '../../lib';
import { DATA_VOLUME_MARKER, DATA_VOLUME_UNITS } from '../../lib/core/minio-data-volume';
import { roleStatementsOf } from '../support/role-statements';

/*
 * The provisioned MinIO host as CloudFormation gets it: the volume is attached by a function during
 * the launch lifecycle hook (the host calls no AWS API), mounted at every boot by a systemd unit the
 * ECS agent requires, in an AZ that can be pinned, or an existing volume adopted. The boot scripts
 * themselves run for real in test/core/minio-data-volume.test.ts.
 */
const ENV = { account: '123456789012', region: 'eu-west-1' };

function synth(options: ProvisionedMinioOptions = {}, vpc?: (stack: Stack) => ec2.IVpc): Template {
  const app = new App();
  const stack = new Stack(app, 'Host', { env: ENV });
  new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned(options), vpc: vpc?.(stack) });
  return Template.fromStack(stack);
}

function synthError(options: ProvisionedMinioOptions, vpc?: (stack: Stack) => ec2.IVpc, environmentAgnostic = false): string {
  const app = new App();
  const stack = new Stack(app, 'Host', { env: environmentAgnostic ? undefined : ENV });
  try {
    new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned(options), vpc: vpc?.(stack) });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected synth to fail');
}

function only(template: Template, type: string): [string, any] {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as [string, any];
}

function userDataOf(template: Template): string {
  const [, launchTemplate] = only(template, 'AWS::EC2::LaunchTemplate');
  const parts: unknown[] = launchTemplate.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`)).join('');
}

function attachFunction(template: Template): [string, any] {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.includes('MinioAttachData'));
  expect(found).toHaveLength(1);
  return found[0] as [string, any];
}

/** Two private subnets in eu-west-1a and eu-west-1b, listed in the given order. */
function vpcWithSubnetsIn(order: string[]): (stack: Stack) => ec2.IVpc {
  const subnetOf: Record<string, string> = { 'eu-west-1a': 'subnet-0aaaaaaaaaaaaaaaa', 'eu-west-1b': 'subnet-0bbbbbbbbbbbbbbbb' };
  return (stack) =>
    ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: order,
      privateSubnetIds: order.map((zone) => subnetOf[zone]),
    });
}

test('a changed instance type is a new version of the same launch template, and the group replaces its one host with it (old host first, the volume moves)', () => {
  const before = synth({ instanceType: new ec2.InstanceType('t3.medium') });
  const after = synth({ instanceType: new ec2.InstanceType('m6i.large') });
  const [templateId, launchTemplateBefore] = only(before, 'AWS::EC2::LaunchTemplate');
  const [templateIdAfter, launchTemplateAfter] = only(after, 'AWS::EC2::LaunchTemplate');
  expect(templateIdAfter).toBe(templateId);
  expect([launchTemplateBefore.Properties.LaunchTemplateData.InstanceType, launchTemplateAfter.Properties.LaunchTemplateData.InstanceType]).toEqual([
    't3.medium',
    'm6i.large',
  ]);
  const [groupId, groupBefore] = only(before, 'AWS::AutoScaling::AutoScalingGroup');
  const [groupIdAfter, groupAfter] = only(after, 'AWS::AutoScaling::AutoScalingGroup');
  expect(groupIdAfter).toBe(groupId);
  for (const group of [groupBefore, groupAfter]) {
    expect(group.Properties.LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: templateId }, Version: { 'Fn::GetAtt': [templateId, 'LatestVersionNumber'] } });
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 0 });
    expect(group.Properties).toMatchObject({ MinSize: '1', MaxSize: '1' });
  }
});

describe('attaching the volume without the AWS CLI', () => {
  const template = synth();
  const [volumeId] = only(template, 'AWS::EC2::Volume');

  test('the host calls no AWS API: its user data has no aws command and its role may not attach volumes', () => {
    expect(userDataOf(template)).not.toMatch(/(^|\s)aws\s/m);
    const hostStatements = roleStatementsOf(template, 'CacheMinioHostRole');
    expect(hostStatements.length).toBeGreaterThan(0);
    expect(JSON.stringify(hostStatements)).not.toContain('ec2:AttachVolume');
  });

  test('the group holds each launching host in a hook from its creation on, abandoning it when the volume is not attached in time', () => {
    const [, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group.Properties.LifecycleHookSpecificationList).toEqual([
      {
        LifecycleHookName: expect.stringMatching(/-AttachData$/),
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 900,
        DefaultResult: 'ABANDON',
      },
    ]);
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
  });

  test('the rule and the function exist before the group, so the first host is attached too', () => {
    const [groupId, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const [functionId] = attachFunction(template);
    const [ruleId] = Object.entries(template.findResources('AWS::Events::Rule')).find(([id]) => id.includes('MinioHostLaunching'))!;
    expect(group.DependsOn).toEqual(expect.arrayContaining([functionId, ruleId]));
    const permission = Object.entries(template.findResources('AWS::Lambda::Permission')).find(
      ([, p]: [string, any]) => p.Properties.FunctionName['Fn::GetAtt']?.[0] === functionId,
    )!;
    expect(group.DependsOn).toContain(permission[0]);
    expect(groupId).toBeDefined();
  });

  test("the rule matches the hook's launch actions and starts the function with the volume's id", () => {
    const [, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const hookName = group.Properties.LifecycleHookSpecificationList[0].LifecycleHookName;
    const [functionId, fn] = attachFunction(template);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance-launch Lifecycle Action'], detail: { LifecycleHookName: [hookName] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] } })],
    });
    expect(fn.Properties.Environment.Variables).toEqual({ DATA_VOLUME_ID: { Ref: volumeId }, DATA_VOLUME_DEVICE: '/dev/xvdf' });
    expect(fn.Properties.Timeout).toBe(900);
  });

  test("the function may attach this volume only, only to hosts carrying the group's tag, and complete only that group's actions", () => {
    const [, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const tag = group.Properties.Tags.find((t: any) => t.Key === 'cdk-alluxio-minio:data-volume-host');
    expect(tag.PropagateAtLaunch).toBe(true);
    const statements = roleStatementsOf(template, 'CacheMinioAttachDataRole');
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(JSON.stringify(bySid('AttachTheDataVolume').Resource)).toContain(`"Ref":"${volumeId}"`);
    expect(bySid('ToTheseHostsOnly').Condition).toEqual({ StringEquals: { 'ec2:ResourceTag/cdk-alluxio-minio:data-volume-host': tag.Value } });
    expect(bySid('CompleteTheLaunch').Condition).toEqual({ StringEquals: { 'autoscaling:ResourceTag/cdk-alluxio-minio:data-volume-host': tag.Value } });
    expect(JSON.stringify(bySid('CompleteTheLaunch').Resource)).toContain(':autoScalingGroup:*:autoScalingGroupName/*');
  });

  test("the function may detach this volume only from hosts carrying the group's tag, and let EC2 use the volume's KMS key through grants only", () => {
    const statements = roleStatementsOf(template, 'CacheMinioAttachDataRole');
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('AttachTheDataVolume').Action).toEqual(['ec2:AttachVolume', 'ec2:DetachVolume']);
    expect(bySid('ToTheseHostsOnly').Action).toEqual(['ec2:AttachVolume', 'ec2:DetachVolume']);
    expect(
      statements
        .filter((s) => [s.Action].flat().includes('ec2:DetachVolume'))
        .map((s) => s.Sid)
        .sort(),
    ).toEqual(['AttachTheDataVolume', 'ToTheseHostsOnly']);
    expect(bySid('SeeVolumeAndHost').Action).toContain('ec2:DescribeInstanceStatus');
    expect(bySid('LetEc2UseTheVolumeKey')).toEqual({
      Sid: 'LetEc2UseTheVolumeKey',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: '*',
      // Only grants EC2 itself asks for in this region, as aws-cdk-lib's Volume.grantAttachVolume conditions them.
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': `ec2.${ENV.region}.amazonaws.com` } },
    });
  });

  test('the user data installs the mount as a unit the ECS agent requires, and the grow timer, for the volume', () => {
    const userData = userDataOf(template);
    expect(userData).toContain(`volume_id='<{"Ref":"${volumeId}"}>'`);
    expect(userData).toContain('RequiredBy=ecs.service');
    expect(userData).toContain(`systemctl enable ${DATA_VOLUME_UNITS.mount} ${DATA_VOLUME_UNITS.growTimer}`);
    // The agent's cluster is configured first: should this mount fail, a later boot that mounts the
    // volume joins this cluster, not 'default' (the unit keeps the agent stopped until then).
    expect(userData.indexOf('ECS_CLUSTER')).toBeGreaterThan(-1);
    expect(userData.indexOf('ECS_CLUSTER')).toBeLessThan(userData.indexOf(`systemctl start ${DATA_VOLUME_UNITS.mount}`));
  });

  test('the MinIO container starts only on the marked volume', () => {
    const [, task] = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).find(
      ([, t]: [string, any]) => t.Properties.ContainerDefinitions[0].Name === 'minio',
    ) as [string, any];
    const container = task.Properties.ContainerDefinitions[0];
    expect(container.EntryPoint).toEqual(['/bin/sh', '-c']);
    expect(container.Command[0]).toContain(`/data/${DATA_VOLUME_MARKER}`);
    expect(container.Command[0]).toContain("exec /usr/bin/docker-entrypoint.sh minio server '/data' --address ':9000'");
    expect(task.Properties.Volumes).toEqual([{ Name: 'data', Host: { SourcePath: '/mnt/minio-data' } }]);
  });
});

describe('the volume stays where its data is', () => {
  test('a larger dataVolumeSize updates the same volume in place (no new, empty one)', () => {
    const [smallId, small] = only(synth({ dataVolumeSize: Size.gibibytes(100) }), 'AWS::EC2::Volume');
    const [largeId, large] = only(synth({ dataVolumeSize: Size.gibibytes(500) }), 'AWS::EC2::Volume');
    expect(largeId).toBe(smallId);
    expect([small.Properties.Size, large.Properties.Size]).toEqual([100, 500]);
    expect(large.Properties.AvailabilityZone).toBe(small.Properties.AvailabilityZone);
  });

  test('a pinned AZ keeps the volume and the host there whatever the order of the subnets', () => {
    for (const order of [
      ['eu-west-1a', 'eu-west-1b'],
      ['eu-west-1b', 'eu-west-1a'],
    ]) {
      const template = synth({ availabilityZone: 'eu-west-1a' }, vpcWithSubnetsIn(order));
      expect(only(template, 'AWS::EC2::Volume')[1].Properties.AvailabilityZone).toBe('eu-west-1a');
      expect(only(template, 'AWS::AutoScaling::AutoScalingGroup')[1].Properties.VPCZoneIdentifier).toEqual(['subnet-0aaaaaaaaaaaaaaaa']);
    }
  });

  test('unpinned, the volume keeps the AZ of the first private subnet it always had', () => {
    const template = synth({}, vpcWithSubnetsIn(['eu-west-1b', 'eu-west-1a']));
    expect(only(template, 'AWS::EC2::Volume')[1].Properties.AvailabilityZone).toBe('eu-west-1b');
  });

  test('dataVolumeId adopts a retained volume: no volume is created, and the host and function use that one', () => {
    const template = synth({ dataVolumeId: 'vol-0123456789abcdef0', availabilityZone: 'eu-west-1b' }, vpcWithSubnetsIn(['eu-west-1a', 'eu-west-1b']));
    template.resourceCountIs('AWS::EC2::Volume', 0);
    expect(attachFunction(template)[1].Properties.Environment.Variables.DATA_VOLUME_ID).toBe('vol-0123456789abcdef0');
    expect(userDataOf(template)).toContain("volume_id='vol-0123456789abcdef0'");
    expect(only(template, 'AWS::AutoScaling::AutoScalingGroup')[1].Properties.VPCZoneIdentifier).toEqual(['subnet-0bbbbbbbbbbbbbbbb']);
    expect(JSON.stringify(roleStatementsOf(template, 'CacheMinioAttachDataRole'))).toContain(':volume/vol-0123456789abcdef0');
  });
});

describe('placement props refused at synth name the prop and the fix', () => {
  test.each<[string, ProvisionedMinioOptions, RegExp]>([
    ['dataVolumeId without its AZ', { dataVolumeId: 'vol-0123456789abcdef0' }, /minio\.dataVolumeId: needs minio\.availabilityZone.*Fix:/],
    [
      'dataVolumeId with a size',
      { dataVolumeId: 'vol-0123456789abcdef0', availabilityZone: 'eu-west-1a', dataVolumeSize: Size.gibibytes(200) },
      /minio\.dataVolumeId: .*dataVolumeSize.*Fix:/,
    ],
    [
      'dataVolumeId with a removal policy',
      { dataVolumeId: 'vol-0123456789abcdef0', availabilityZone: 'eu-west-1a', dataVolumeRemovalPolicy: RemovalPolicy.DESTROY },
      /minio\.dataVolumeId: .*Fix:/,
    ],
    ['a malformed volume id', { dataVolumeId: 'vol-xyz', availabilityZone: 'eu-west-1a' }, /minio\.dataVolumeId: 'vol-xyz' is not an EBS volume id.*Fix:/],
    ['a malformed AZ', { availabilityZone: 'eu-west-1' }, /minio\.availabilityZone: 'eu-west-1' is not an availability zone name.*Fix:/],
    [
      'an AZ without a private subnet',
      { availabilityZone: 'eu-west-1c' },
      /minio\.availabilityZone: no private subnet of the VPC is in 'eu-west-1c' \(they are in eu-west-1a, eu-west-1b\).*Fix:/,
    ],
  ])('%s', (_name, options, expected) => {
    const message = synthError(options, vpcWithSubnetsIn(['eu-west-1a', 'eu-west-1b']));
    expect(message).toMatch(expected);
    expect(message).toContain('AlluxioMinio Host/Cache: ');
  });

  test('a pinned AZ known only at deploy time (a CloudFormation parameter)', () => {
    const app = new App();
    const stack = new Stack(app, 'Host', { env: ENV });
    const zone = new CfnParameter(stack, 'Zone').valueAsString;
    expect(() => new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned({ availabilityZone: zone }) })).toThrow(
      /minio\.availabilityZone: is only known at deploy time.*Fix:/,
    );
  });

  test('a pinned AZ in an environment-agnostic stack, whose AZs are unknown at synth', () => {
    expect(synthError({ availabilityZone: 'eu-west-1a' }, undefined, true)).toMatch(
      /minio\.availabilityZone: the VPC's availability zones are not known at synth.*Fix: give the stack an env/,
    );
  });
});
