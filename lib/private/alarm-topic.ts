import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** The topic's display name (the sender name of e-mail notifications). */
  readonly displayName: string;
}

/**
 * An encrypted SNS topic that CloudWatch alarms can notify, as `scope/<id>` (its key beside it as
 * `scope/<id>Key`: the topic keeps the construct path it had before it had a key of its own, so an
 * upgrade changes its key in place instead of replacing it and losing its subscriptions).
 *
 * Encrypted topics only take CloudWatch's notifications when the key's policy lets
 * cloudwatch.amazonaws.com use it, and the AWS managed key alias/aws/sns has a policy nobody can
 * change: a topic encrypted with it drops every alarm without an error anywhere. So the topic has a
 * customer managed key of its own, and both the key and the topic admit CloudWatch on behalf of this
 * account's alarms only.
 */
export function createAlarmTopic(scope: Construct, id: string, props: AlarmTopicProps): sns.Topic {
  const key = new kms.Key(scope, `${id}Key`, {
    description: `Encrypts the SNS topic '${props.displayName}' and lets CloudWatch alarms publish to it`,
    enableKeyRotation: true,
    // It protects notifications passing through SNS, nothing kept: no reason to outlive the topic.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const topic = new sns.Topic(scope, id, { displayName: props.displayName, masterKey: key, enforceSSL: true });

  const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  // Any alarm of this account may notify the topic (users add their own); the alarms' generated
  // names are unknown here, and naming them would make the key depend on the alarms it serves.
  const thisAccountsAlarms = {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsEncryptNotifications',
      principals: [cloudWatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: thisAccountsAlarms,
    }),
  );
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [cloudWatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: thisAccountsAlarms,
    }),
  );
  return topic;
}
