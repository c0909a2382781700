import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlluxioMinio, MinioBackend, MinioCredentials } from '../../lib';
import { cdkNagReport } from '../support/cdk-nag';

/*
 * Rotation alarms reach people: every alarm has the topic as its action, and CloudWatch can publish
 * to the topic the construct creates. CloudWatch cannot use the AWS managed key alias/aws/sns (its
 * policy cannot be changed to let cloudwatch.amazonaws.com in), so a topic encrypted with it would
 * drop every alarm notification without an error anywhere.
 */
const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synthApp(topic?: (stack: Stack) => sns.ITopic): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Alarms');
  new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, rotation: { topic: topic?.(stack) } });
  return { app, stack };
}

function synth(topic?: (stack: Stack) => sns.ITopic): Template {
  return Template.fromStack(synthApp(topic).stack);
}

function statementsOf(resource: any): any[] {
  return resource.Properties.KeyPolicy?.Statement ?? resource.Properties.PolicyDocument.Statement;
}

function allowsCloudWatch(statement: any, action: string): boolean {
  return statement.Effect === 'Allow' && statement.Principal?.Service === 'cloudwatch.amazonaws.com' && [statement.Action].flat().includes(action);
}

describe('the rotation topic the construct creates', () => {
  const template = synth();
  const [topicId, topic] = Object.entries(template.findResources('AWS::SNS::Topic'))[0] as [string, any];

  test('is encrypted with a key of its own whose policy lets CloudWatch encrypt, not with alias/aws/sns', () => {
    const keyRef = topic.Properties.KmsMasterKeyId;
    expect(JSON.stringify(keyRef)).not.toContain('alias/aws/sns');
    const keyId = keyRef['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const cloudWatch = statementsOf(key).filter((s) => allowsCloudWatch(s, 'kms:GenerateDataKey*'));
    expect(cloudWatch).toHaveLength(1);
    expect([cloudWatch[0].Action].flat()).toContain('kms:Decrypt');
    // Only alarms of this account may use it (confused deputy).
    expect(JSON.stringify(cloudWatch[0].Condition)).toContain('aws:SourceAccount');
  });

  test('lets CloudWatch publish through its topic policy, and still only over TLS', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as any[];
    expect(JSON.stringify(policy.Properties.Topics)).toContain(topicId);
    const statements = statementsOf(policy);
    const publish = statements.filter((s) => allowsCloudWatch(s, 'sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(JSON.stringify(publish[0].Condition)).toContain('aws:SourceAccount');
    expect(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'))).toBe(true);
  });

  test("the failure alarm, alarms on the step function's errors and throttles, and on failed executions, all notify the topic", () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    const metricOf = (alarm: any) =>
      alarm.Properties.Metrics
        ? alarm.Properties.Metrics.filter((m: any) => m.MetricStat)
            .map((m: any) => `${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`)
            .sort()
            .join('+')
        : `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`;
    const executions = ['Aborted', 'Aborted', 'Failed', 'Failed', 'TimedOut', 'TimedOut'].map((name) => `AWS/States/Executions${name}`).join('+');
    expect(alarms.map(metricOf).sort()).toEqual(['AWS/Lambda/Errors', 'AWS/Lambda/Throttles', executions, 'AlluxioMinio/RotationFailures'].sort());
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
    const functionAlarms = alarms.filter((a) => a.Properties.Namespace === 'AWS/Lambda');
    for (const alarm of functionAlarms) {
      expect(alarm.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^CacheRotationFunction/) } }]);
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(alarms.find((a) => a.Properties.MetricName === 'Errors').Properties.EvaluationPeriods).toBe(1);
  });

  test('the rotation function may still publish (and encrypt) its outcomes', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const kms = statements.find(
      (s: any) => [s.Action].flat().includes('kms:GenerateDataKey*') && JSON.stringify(s.Resource).includes(topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0]),
    );
    expect(kms).toBeDefined();
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    // A fresh app: one already synthesized for the assertions would not be checked again.
    expect(cdkNagReport(synthApp().app)).toBe('');
  });
});

test("with the user's topic, every alarm notifies that topic and no topic or key is created", () => {
  const template = synth((stack) => sns.Topic.fromTopicArn(stack, 'Mine', 'arn:aws:sns:us-east-1:123456789012:mine'));
  template.resourceCountIs('AWS::SNS::Topic', 0);
  template.resourceCountIs('AWS::KMS::Key', 0);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
  expect(alarms).toHaveLength(4);
  for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:123456789012:mine']);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', AlarmActions: Match.anyValue() });
});
