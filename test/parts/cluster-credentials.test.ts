import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MinioCredentials } from '../../lib';
import { base, credentialsIn, statementsOf } from './part-fixtures';

describe('ClusterCredentials', () => {
  test("the user's parameters are checked, never written: no PutParameter anywhere", () => {
    const b = base();
    credentialsIn(b);
    const template = Template.fromStack(b.stack);
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', {
      Mode: 'existing',
      AccessKeyParameterName: '/team/minio/access-key',
      SecretKeyParameterName: '/team/minio/secret-key',
    });
    expect(JSON.stringify(statementsOf(template))).not.toContain('ssm:PutParameter');
  });

  test('generated keys are written under the prefix by the credentials function only, and grantRead reads both', () => {
    const b = base();
    const credentials = credentialsIn(b, MinioCredentials.generated());
    const reader = new iam.Role(b.stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    credentials.grantRead(reader);
    const template = Template.fromStack(b.stack);
    template.hasResourceProperties('Custom::AlluxioMinioCredentials', { Mode: 'generated', AccessKeyParameterName: '/parts/access-key' });
    const writes = statementsOf(template).filter((s) => [s.Action].flat().includes('ssm:PutParameter'));
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0].Resource)).toMatch(/parameter\/parts\/access-key.*parameter\/parts\/secret-key/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Reader') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['ssm:GetParameter', 'ssm:GetParameters'] })] },
    });
  });
});
