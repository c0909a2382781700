import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MinioBackend, MinioCredentials } from '../../lib';
import { MinioStore } from '../../lib/parts/minio-store';
import { base, credentialsIn, existingStoreIn } from './part-fixtures';

describe('MinioStore', () => {
  test('an existing endpoint creates nothing and opens nothing', () => {
    const resourcesWith = (withStore: boolean) => {
      const b = base();
      const credentials = credentialsIn(b);
      const client = new ec2.SecurityGroup(b.stack, 'Client', { vpc: b.vpc });
      if (withStore) {
        const store = existingStoreIn(b, credentials);
        store.allowFrom(client, 'client');
        expect(store.endpoint).toBe('http://10.0.12.7:9000');
        expect(store.server).toBeUndefined();
      }
      return Template.fromStack(b.stack).toJSON().Resources;
    };
    expect(Object.keys(resourcesWith(true))).toEqual(Object.keys(resourcesWith(false)));
  });

  test('a provisioned server admits exactly the clients it is told about, on the S3 port', () => {
    const b = base();
    const store = new MinioStore(b.stack, 'Minio', {
      backend: MinioBackend.provisioned(),
      credentials: credentialsIn(b, MinioCredentials.generated()),
      cluster: b.cluster,
      port: 9000,
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    store.allowFrom(new ec2.SecurityGroup(b.stack, 'Client', { vpc: b.vpc }), 'client');
    const template = Template.fromStack(b.stack);
    template.resourceCountIs('AWS::ECS::Service', 1);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
    expect(ingress.map((rule) => [rule.Properties.FromPort, rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]])).toEqual([
      [9000, expect.stringMatching(/^Client/)],
    ]);
  });
});
