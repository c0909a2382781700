import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { CredentialRotation, CredentialRotationProps } from '../../lib/credential-rotation';
import { cdkNagReport } from '../support/cdk-nag';

/*
 * CredentialRotation in a small stack of its own (the AlluxioMinio construct wires it in): the rule
 * pattern, IAM scoped to the exact parameters and services, the alarm, and cdk-nag.
 */
const ENV = { account: '123456789012', region: 'us-east-1' };

function rotationStack(overrides: (stack: Stack, vpc: ec2.Vpc) => Partial<CredentialRotationProps> = () => ({})) {
  const app = new App();
  const stack = new Stack(app, 'RotationStack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, flowLogs: { all: {} } });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
  const service = (id: string, serviceName: string) => ecs.FargateService.fromFargateServiceAttributes(stack, id, { cluster, serviceName });
  const props: CredentialRotationProps = {
    accessKeyParameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'AccessKey', { parameterName: '/cache/access-key' }),
    secretKeyParameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'SecretKey', { parameterName: '/cache/secret-key' }),
    sitePropertiesParameterName: '/cache/site-properties',
    cluster,
    masterServices: [service('Master', 'alluxio-master')],
    workerService: service('Workers', 'alluxio-workers'),
    vpc,
    ...overrides(stack, vpc),
  };
  const rotation = new CredentialRotation(stack, 'Rotation', props);
  return { app, stack, rotation };
}

describe('CredentialRotation', () => {
  test('a parameter-change rule for exactly the two key parameters (writes only) and an hourly reconcile, both to the function', () => {
    const template = Template.fromStack(rotationStack().stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: ['/cache/access-key', '/cache/secret-key'], operation: ['Create', 'Update'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
  });

  test('the function: bundled rotation handler, Node 24, in the VPC, one run at a time, no secret in its environment', () => {
    const template = Template.fromStack(rotationStack().stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 1,
      Timeout: 900,
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          LAST_KNOWN_GOOD_LABEL: 'last-known-good',
          PAIR_WAIT_SECONDS: '60',
          ACCESS_KEY_PARAMETER: '/cache/access-key',
          SECRET_KEY_PARAMETER: '/cache/secret-key',
          SITE_PROPERTIES_PARAMETER: '/cache/site-properties',
          KEY_OWNERSHIP: 'existing',
        }),
      },
    });
    const variables = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(variables).not.toMatch(/s3a\.secretKey|SecretAccessKey|MINIO_SECRET/);
  });

  test('a failed or killed run is not replayed: the function\'s async invoke config allows no retry', () => {
    const template = Template.fromStack(rotationStack().stack);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('RotationFunction') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
    });
  });

  test('IAM: SSM on the exact parameter ARNs, ECS on the exact service ARNs, metrics only in the namespace', () => {
    const template = Template.fromStack(rotationStack().stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:123456789012:parameter${name}`]] });
    // Keys the user named are only read: no write, no label.
    expect(bySid('KeyParametersRead').Resource).toEqual([arn('/cache/access-key'), arn('/cache/secret-key')]);
    expect(bySid('KeyParametersRead').Action).toEqual(['ssm:GetParameter', 'ssm:GetParameterHistory']);
    expect(bySid('KeyParametersReadWriteLabel')).toBeUndefined();
    expect(bySid('SitePropertiesRenderAndRecord').Resource).toEqual([arn('/cache/site-properties'), arn('/cache/site-properties/*')]);
    const ecsResources = JSON.stringify(bySid('RestartAndWatchServices').Resource);
    expect(ecsResources).toContain('service/');
    expect(ecsResources).toContain('alluxio-master');
    expect(ecsResources).toContain('alluxio-workers');
    expect(ecsResources).not.toContain('*');
    expect(bySid('RotationMetrics').Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'AlluxioMinio' } });
    // No other statement grants an ECS, SSM write or SNS action on a wildcard.
    for (const statement of statements) {
      if (statement.Resource === '*') expect(['ssm:DescribeParameters', 'cloudwatch:PutMetricData', 'ecs:DescribeTaskDefinition']).toContain(statement.Action);
    }
  });

  test('IAM with keys of its own (generated): it may write them back and move the label', () => {
    const template = Template.fromStack(rotationStack(() => ({ ownsKeys: true })).stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const owned = statements.find((s) => s.Sid === 'KeyParametersReadWriteLabel')!;
    expect(owned.Action).toEqual(expect.arrayContaining(['ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion', 'ssm:PutParameter']));
    expect(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { KEY_OWNERSHIP: 'generated' } } } })).not.toEqual({});
  });

  test('three masters: every master service in the restart grant and MASTER_SERVICE, index-aligned with ALLUXIO_MASTER; the budget counts each', () => {
    const addresses = ['master-0.ns:19999', 'master-1.ns:19999', 'master-2.ns:19999'];
    const { stack } = rotationStack((s) => {
      const cluster = ecs.Cluster.fromClusterAttributes(s, 'C3', { clusterName: 'c', vpc: ec2.Vpc.fromVpcAttributes(s, 'V3', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }) });
      const master = (i: number) => ecs.FargateService.fromFargateServiceAttributes(s, `Master${i}`, { cluster, serviceName: `alluxio-master-${i}` });
      return { masterServices: [master(0), master(1), master(2)], alluxioMasterWebAddresses: addresses };
    });
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const granted = JSON.stringify(statements.find((st) => st.Sid === 'RestartAndWatchServices')!.Resource);
    for (const name of ['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-2', 'alluxio-workers']) expect(granted).toContain(name);
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(variables.ALLUXIO_MASTER).toBe(addresses.join(','));
    const masterServices = JSON.stringify(variables.MASTER_SERVICE);
    expect(masterServices.indexOf('alluxio-master-0')).toBeLessThan(masterServices.indexOf('alluxio-master-1'));
    expect(masterServices.indexOf('alluxio-master-1')).toBeLessThan(masterServices.indexOf('alluxio-master-2'));
    // The three ARNs joined with commas: two separators among the join's literal pieces.
    const separators = (variables.MASTER_SERVICE['Fn::Join'][1] as unknown[]).filter((piece) => typeof piece === 'string' && piece.includes(',')).length;
    expect(separators).toBe(2);
    // Four restarts (three masters, the workers) share what the function leaves: 720 s / 4.
    expect(variables.SERVICE_STABLE_TIMEOUT_SECONDS).toBe('180');
  });

  test('one master: MASTER_SERVICE is its ARN alone, as before (no separator)', () => {
    const variables = Object.values(Template.fromStack(rotationStack().stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    // The same shape as the workers' ARN: one service's ARN, nothing joined to it.
    expect(JSON.stringify(variables.MASTER_SERVICE).replace('alluxio-master', 'S')).toBe(JSON.stringify(variables.WORKER_SERVICE).replace('alluxio-workers', 'S'));
  });

  test('a provisioned MinIO service joins the restart grant', () => {
    const { stack } = rotationStack((s, vpc) => ({
      minioService: ecs.Ec2Service.fromEc2ServiceAttributes(s, 'Minio', { cluster: ecs.Cluster.fromClusterAttributes(s, 'C2', { clusterName: 'c', vpc }), serviceName: 'minio' }),
    }));
    const template = Template.fromStack(stack);
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain('/minio');
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MINIO_SERVICE: Match.anyValue() }) } });
  });

  test('an alarm on the failure metric of this deployment; a created topic is encrypted and requires SSL', () => {
    const template = Template.fromStack(rotationStack().stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AlluxioMinio',
      MetricName: 'RotationFailures',
      Dimensions: [{ Name: 'SitePropertiesParameter', Value: '/cache/site-properties' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test("the user's topic and key are used instead", () => {
    const { stack } = rotationStack((s) => ({ topic: sns.Topic.fromTopicArn(s, 'Mine', 'arn:aws:sns:us-east-1:123456789012:mine'), kmsKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:mine' }) } });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain('kms:Decrypt');
  });

  test('props refused at synth name the prop and the fix', () => {
    expect(() => rotationStack(() => ({ lastKnownGoodLabel: 'ssm-good' }))).toThrow(/^lastKnownGoodLabel: .*reserves.*Fix:/);
    expect(() => rotationStack(() => ({ reconcileSchedule: Duration.seconds(30) }))).toThrow(/reconcileSchedule .*Fix: use at least Duration.minutes\(1\)/);
    expect(() => rotationStack(() => ({ pairWait: Duration.minutes(10) }))).toThrow(/pairWait .*Fix: use at most/);
    expect(() => rotationStack(() => ({ masterServices: [] }))).toThrow(/masterServices is empty\. Fix: /);
    expect(() => rotationStack(() => ({ alluxioMasterWebAddresses: ['m0:19999', 'm1:19999'] }))).toThrow(/alluxioMasterWebAddresses names 2 masters but masterServices 1\. Fix: /);
  });

  test('the waits reach the function: 5 min per restart with two services, 4 min with a provisioned MinIO (three), 60 s verification', () => {
    const env = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    const two = env(rotationStack().stack);
    expect([two.SERVICE_STABLE_TIMEOUT_SECONDS, two.HEALTH_TIMEOUT_SECONDS, two.PAIR_WAIT_SECONDS]).toEqual(['300', '60', '60']);
    const three = env(rotationStack((s) => ({ minioService: ecs.FargateService.fromFargateServiceAttributes(s, 'Minio', { cluster: ecs.Cluster.fromClusterAttributes(s, 'C', { clusterName: 'c', vpc: ec2.Vpc.fromVpcAttributes(s, 'V', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }) }), serviceName: 'minio' }) })).stack);
    expect(three.SERVICE_STABLE_TIMEOUT_SECONDS).toBe('240');
    const chosen = env(rotationStack(() => ({ serviceRestartTimeout: Duration.seconds(330), verificationTimeout: Duration.seconds(90) })).stack);
    expect([chosen.SERVICE_STABLE_TIMEOUT_SECONDS, chosen.HEALTH_TIMEOUT_SECONDS]).toEqual(['330', '90']);
  });

  test('waits whose forward path outlasts the function are refused at synth, naming the prop and what fits', () => {
    // 60 s + 2 x 7 min + 60 s = 960 s > 840 s.
    expect(() => rotationStack(() => ({ serviceRestartTimeout: Duration.minutes(7) }))).toThrow(
      /^serviceRestartTimeout: pairWait \(60 s\) \+ 2 restarts x 420 s \+ verificationTimeout \(60 s\) is 960 s, more than the 840 s .*Fix: use at most 360 s per restart/,
    );
    expect(() => rotationStack(() => ({ serviceRestartTimeout: Duration.minutes(5), verificationTimeout: Duration.minutes(5) }))).toThrow(/is 960 s.*Fix: use at most 240 s per restart/);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(cdkNagReport(rotationStack().app)).toBe('');
  });
});
