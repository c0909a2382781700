import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { CredentialRotation, CredentialRotationProps } from '../../lib/features/credential-rotation';
import { cdkNagReport } from '../support/cdk-nag';
import { roleStatementsOf } from '../support/role-statements';

/*
 * CredentialRotation in a small stack of its own (the AlluxioMinio construct wires it in): the rule
 * pattern, IAM scoped to the exact parameters and services, the alarm, and cdk-nag.
 */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** A reference in a definition as a readable placeholder: `aws` for the partition, `<Id.Attribute>`, `<Id>`. */
function referenceOf(piece: Record<string, any>): string {
  if (piece.Ref === 'AWS::Partition') return 'aws';
  return piece['Fn::GetAtt'] ? `<${piece['Fn::GetAtt'].join('.')}>` : `<${piece.Ref}>`;
}

/** A state machine's definition (the ASL in the template; the Fn::Join pieces that are references become placeholders). */
function machines(stack: Stack) {
  const found = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const definition = (idPrefix: string) => {
    const [, machine] = Object.entries(found).find(([id]) => id.startsWith(idPrefix))! as [string, any];
    const body = machine.Properties.DefinitionString;
    const text =
      typeof body === 'string'
        ? body
        : (body['Fn::Join'][1] as unknown[]).map((piece) => (typeof piece === 'string' ? piece : referenceOf(piece as Record<string, any>))).join('');
    return { ...JSON.parse(text) };
  };
  return { rotation: definition('RotationStateMachine'), start: definition('RotationStartMachine'), definition };
}

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
  test('a parameter-change rule for exactly the two key parameters (writes only) and an hourly reconcile, both to the start state machine', () => {
    const template = Template.fromStack(rotationStack().stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: ['/cache/access-key', '/cache/secret-key'], operation: ['Create', 'Update'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('RotationStartMachine') }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
  });

  test('the functions: the bundled rotation handler as two short steps (step, name), Node 24, in the VPC, no secret in their environment', () => {
    const template = Template.fromStack(rotationStack().stack);
    for (const handler of ['index.step', 'index.name']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Handler: handler,
        Timeout: 120,
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
    }
    const variables = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(variables).not.toMatch(/s3a\.secretKey|SecretAccessKey|MINIO_SECRET/);
  });

  test('the rotation state machine: a step, then done or a Wait of the seconds the step asks for and the step again; a failed step ends the execution', () => {
    const { rotation, definition } = machines(rotationStack().stack);
    expect(rotation.StartAt).toBe('Step');
    // The function's ARN as the resource: its result is the state's output, nothing wrapped around it.
    expect(rotation.States.Step).toMatchObject({ Type: 'Task', Resource: expect.stringMatching(/^<RotationFunction[0-9A-F]+\.Arn>$/), Next: 'Done?' });
    expect(rotation.States.Step.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'StepFailed' })]);
    // Throttles and Lambda's service errors are retried, with back-off, before the catch ends the execution.
    expect(rotation.States.Step.Retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }),
        expect.objectContaining({ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 6, BackoffRate: 2 }),
      ]),
    );
    expect(rotation.States['Done?']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Reported' }],
      Default: 'Poll',
    });
    expect(rotation.States.Poll).toEqual({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Step' });
    expect(
      Object.values(rotation.States)
        .map((state: any) => state.Type)
        .sort(),
    ).toEqual(['Choice', 'Fail', 'Succeed', 'Task', 'Wait']);
    // The execution outlasts every restart twice (forward and rollback), however long: no 15-minute ceiling.
    expect(definition('RotationStateMachine').TimeoutSeconds).toBeGreaterThanOrEqual(2 * (60 + 2 * 300 + 60));
  });

  test('the start state machine names the rotation after the pair wait and starts it by that name; a name already used ends it quietly', () => {
    const { start } = machines(rotationStack().stack);
    expect(start.StartAt).toBe('FromEvent');
    expect(start.States.Name).toMatchObject({ Type: 'Task', Resource: expect.stringMatching(/^<RotationNameFunction[0-9A-F]+\.Arn>$/), Next: 'Named?' });
    expect(start.States['Named?'].Choices).toEqual([
      { Variable: '$.ready', BooleanEquals: false, Next: 'PairWait' },
      { Variable: '$.name', IsPresent: true, Next: 'StartRotation' },
    ]);
    // The naming step's whole answer: the trigger and the end of the pair wait it waited (the rotation does not wait it again).
    expect(start.States.StartRotation).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { 'Name.$': '$.name', 'Input.$': '$' },
    });
    expect(start.States.StartRotation.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: 'AlreadyStarted' }),
    ]);
  });

  test('IAM of the state machines: each invokes only its own function, the start machine starts only the rotation machine', () => {
    const template = Template.fromStack(rotationStack().stack);
    const roles = template.findResources('AWS::IAM::Role');
    const machineRoles = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).map(([id, m]: [string, any]) => [
      id,
      m.Properties.RoleArn['Fn::GetAtt'][0],
    ]);
    expect(machineRoles).toHaveLength(2);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    for (const [machine, role] of machineRoles) {
      const isStart = machine.includes('StartMachine');
      expect(roles[role].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'states.amazonaws.com' });
      const statements = policies.filter((p) => JSON.stringify(p.Properties.Roles).includes(role)).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const invoked = JSON.stringify(statements.filter((st: any) => [st.Action].flat().includes('lambda:InvokeFunction')).map((st: any) => st.Resource));
      expect(invoked).toMatch(isStart ? /RotationNameFunction/ : /"RotationFunction/);
      expect(invoked).not.toMatch(isStart ? /"RotationFunction/ : /RotationNameFunction/);
      const starts = statements.filter((st: any) => [st.Action].flat().some((action: string) => action.startsWith('states:')));
      if (isStart)
        expect(starts).toEqual([
          expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/^RotationStateMachine/) } }),
        ]);
      else expect(starts).toEqual([]);
      // What remains on '*' is what Step Functions logging and X-Ray tracing need (no resource-level permissions).
      for (const st of statements.filter((candidate: any) => candidate.Resource === '*')) {
        for (const action of [st.Action].flat()) expect(action).toMatch(/^(logs:[A-Za-z]+|xray:[A-Za-z]+)$/);
      }
    }
  });

  test('IAM: SSM on the exact parameter ARNs, ECS on the exact service ARNs, metrics only in the namespace', () => {
    const template = Template.fromStack(rotationStack().stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
    );
    const stepStatements = roleStatementsOf(template, 'RotationRole');
    const bySid = (sid: string) => stepStatements.find((s) => s.Sid === sid)!;
    const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:123456789012:parameter${name}`]] });
    // Keys the user named are only read: no write, no label.
    expect(bySid('KeyParametersRead').Resource).toEqual([arn('/cache/access-key'), arn('/cache/secret-key')]);
    expect(bySid('KeyParametersRead').Action).toEqual(['ssm:GetParameter', 'ssm:GetParameterHistory']);
    expect(bySid('KeyParametersWriteLabel')).toBeUndefined();
    expect(bySid('SitePropertiesRenderAndRecord').Resource).toEqual([arn('/cache/site-properties'), arn('/cache/site-properties/*')]);
    expect(bySid('SitePropertiesRead').Resource).toEqual([arn('/cache/site-properties'), arn('/cache/site-properties/*')]);
    expect(bySid('WatchServices').Resource).toEqual(bySid('RestartServices').Resource);
    const ecsResources = JSON.stringify(bySid('RestartServices').Resource);
    expect(ecsResources).toContain('service/');
    expect(ecsResources).toContain('alluxio-master');
    expect(ecsResources).toContain('alluxio-workers');
    expect(ecsResources).not.toContain('*');
    expect(bySid('RotationMetrics').Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'AlluxioMinio' } });
    // No other statement grants an ECS, SSM write or SNS action on a wildcard.
    // (The state machines' logging and tracing statements are checked with the machines.)
    for (const statement of statements.filter((st) => ![st.Action].flat().every((action) => /^(logs|xray):/.test(String(action))))) {
      if (statement.Resource === '*') expect(['ssm:DescribeParameters', 'cloudwatch:PutMetricData', 'ecs:DescribeTaskDefinition']).toContain(statement.Action);
    }
  });

  test('the naming step runs under a role of its own that only reads: no write, label, tag, restart, publish, metric or encryption, whoever owns the keys', () => {
    const writes = /^(ssm:(Put|Label|Unlabel|AddTags|Delete)|ecs:(Update|Stop|Run)|sns:|cloudwatch:Put|kms:(Encrypt|ReEncrypt|GenerateDataKey))/;
    for (const ownsKeys of [false, true]) {
      const { stack } = rotationStack((s) => ({ ownsKeys, kmsKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) }));
      const template = Template.fromStack(stack);
      const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.name' } });
      expect(Object.values(functions).map((f) => f.Properties.Role['Fn::GetAtt'][0])).toEqual([expect.stringMatching(/^RotationNameRole[0-9A-F]+$/)]);
      const naming = roleStatementsOf(template, 'RotationNameRole');
      const actions = naming.flatMap((statement) => [statement.Action].flat().map(String));
      expect(actions).toEqual(
        expect.arrayContaining([
          'ssm:GetParameter',
          'ssm:GetParameterHistory',
          'ssm:ListTagsForResource',
          'ecs:DescribeServices',
          'ecs:DescribeTaskDefinition',
          'kms:Decrypt',
        ]),
      );
      expect(actions.filter((action) => writes.test(action))).toEqual([]);
      // The rotation step keeps what it needs: the same check finds its writes (so it can fail).
      const stepActions = roleStatementsOf(template, 'RotationRole').flatMap((statement) => [statement.Action].flat().map(String));
      expect(stepActions.filter((action) => writes.test(action))).toEqual(
        expect.arrayContaining(['ssm:PutParameter', 'ssm:AddTagsToResource', 'ecs:UpdateService', 'sns:Publish', 'cloudwatch:PutMetricData', 'kms:Encrypt']),
      );
    }
  });

  test('IAM with keys of its own (generated): it may write them back and move the label', () => {
    const template = Template.fromStack(rotationStack(() => ({ ownsKeys: true })).stack);
    const owned = roleStatementsOf(template, 'RotationRole').find((s) => s.Sid === 'KeyParametersWriteLabel')!;
    expect(owned.Action).toEqual(expect.arrayContaining(['ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion', 'ssm:PutParameter']));
    expect(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { KEY_OWNERSHIP: 'generated' } } } })).not.toEqual({});
  });

  test('three masters: every master service in the restart grant and MASTER_SERVICE, index-aligned with ALLUXIO_MASTER; each restart keeps its whole bound', () => {
    const addresses = ['master-0.ns:19999', 'master-1.ns:19999', 'master-2.ns:19999'];
    const { stack } = rotationStack((s) => {
      const cluster = ecs.Cluster.fromClusterAttributes(s, 'C3', {
        clusterName: 'c',
        vpc: ec2.Vpc.fromVpcAttributes(s, 'V3', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }),
      });
      const master = (i: number) => ecs.FargateService.fromFargateServiceAttributes(s, `Master${i}`, { cluster, serviceName: `alluxio-master-${i}` });
      return { masterServices: [master(0), master(1), master(2)], alluxioMasterWebAddresses: addresses };
    });
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
    );
    const granted = JSON.stringify(statements.find((st) => st.Sid === 'RestartServices')!.Resource);
    for (const name of ['alluxio-master-0', 'alluxio-master-1', 'alluxio-master-2', 'alluxio-workers']) expect(granted).toContain(name);
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(variables.ALLUXIO_MASTER).toBe(addresses.join(','));
    const masterServices = JSON.stringify(variables.MASTER_SERVICE);
    expect(masterServices.indexOf('alluxio-master-0')).toBeLessThan(masterServices.indexOf('alluxio-master-1'));
    expect(masterServices.indexOf('alluxio-master-1')).toBeLessThan(masterServices.indexOf('alluxio-master-2'));
    // The three ARNs joined with commas: two separators among the join's literal pieces.
    const separators = (variables.MASTER_SERVICE['Fn::Join'][1] as unknown[]).filter((piece) => typeof piece === 'string' && piece.includes(',')).length;
    expect(separators).toBe(2);
    // Four restarts (three masters, the workers), each with the whole measured-estimate bound (was 720 s / 4 = 180 s).
    expect(variables.SERVICE_STABLE_TIMEOUT_SECONDS).toBe('300');
  });

  test('one master: MASTER_SERVICE is its ARN alone, as before (no separator)', () => {
    const variables = Object.values(Template.fromStack(rotationStack().stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    // The same shape as the workers' ARN: one service's ARN, nothing joined to it.
    expect(JSON.stringify(variables.MASTER_SERVICE).replace('alluxio-master', 'S')).toBe(
      JSON.stringify(variables.WORKER_SERVICE).replace('alluxio-workers', 'S'),
    );
  });

  test('a provisioned MinIO service joins the restart grant', () => {
    const { stack } = rotationStack((s, vpc) => ({
      minioService: ecs.Ec2Service.fromEc2ServiceAttributes(s, 'Minio', {
        cluster: ecs.Cluster.fromClusterAttributes(s, 'C2', { clusterName: 'c', vpc }),
        serviceName: 'minio',
      }),
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

  test('the state machines log under /aws/vendedlogs/states/, one group per rotation', () => {
    const template = Template.fromStack(rotationStack().stack);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const groups = machines.map((m) => m.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]);
    expect(new Set(groups).size).toBe(1);
    expect(template.toJSON().Resources[groups[0]].Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\/[A-Za-z0-9]+/);
  });

  test('the executions alarm sums failed, timed-out and aborted executions of both machines, each empty period counted as 0', () => {
    const template = Template.fromStack(rotationStack().stack);
    const [alarm] = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((r: any) =>
      (r.Properties.Metrics ?? []).some((m: any) => m.Expression),
    );
    const expression = alarm.Properties.Metrics.find((m: any) => m.Expression).Expression as string;
    const ids = alarm.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.Id as string);
    expect(ids).toHaveLength(6);
    for (const id of ids) expect(expression).toContain(`FILL(${id}, 0)`);
  });

  test("the user's topic and key are used instead", () => {
    const { stack } = rotationStack((s) => ({
      topic: sns.Topic.fromTopicArn(s, 'Mine', 'arn:aws:sns:us-east-1:123456789012:mine'),
      kmsKey: new kms.Key(s, 'Key', { enableKeyRotation: true }),
    }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:mine' }) },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain('kms:Decrypt');
  });

  test('props refused at synth name the prop and the fix', () => {
    expect(() => rotationStack(() => ({ lastKnownGoodLabel: 'ssm-good' }))).toThrow(/^lastKnownGoodLabel: .*reserves.*Fix:/);
    expect(() => rotationStack(() => ({ reconcileSchedule: Duration.seconds(30) }))).toThrow(
      /^reconcileSchedule: is 30 seconds\. Fix: use at least Duration.minutes\(1\)/,
    );
    expect(() => rotationStack(() => ({ pairWait: Duration.seconds(0) }))).toThrow(/^pairWait: is 0 s\. Fix: use a whole number of seconds/);
    expect(() => rotationStack(() => ({ masterServices: [] }))).toThrow(/^masterServices: is empty\. Fix: /);
    expect(() => rotationStack(() => ({ alluxioMasterWebAddresses: ['m0:19999', 'm1:19999'] }))).toThrow(
      /^alluxioMasterWebAddresses: names 2 masters but masterServices 1\. Fix: /,
    );
  });

  test('the waits reach the function: 5 min per restart whatever the topology (five masters and a provisioned MinIO too), 60 s verification', () => {
    const env = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    const two = env(rotationStack().stack);
    expect([two.SERVICE_STABLE_TIMEOUT_SECONDS, two.HEALTH_TIMEOUT_SECONDS, two.PAIR_WAIT_SECONDS]).toEqual(['300', '60', '60']);
    const seven = env(
      rotationStack((s) => {
        const cluster = ecs.Cluster.fromClusterAttributes(s, 'C', {
          clusterName: 'c',
          vpc: ec2.Vpc.fromVpcAttributes(s, 'V', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }),
        });
        const service = (id: string) => ecs.FargateService.fromFargateServiceAttributes(s, id, { cluster, serviceName: id });
        return { minioService: service('minio'), masterServices: [0, 1, 2, 3, 4].map((i) => service(`master-${i}`)) };
      }).stack,
    );
    // Was 720 s / 7 = 102 s, under the ~4 min a Fargate restart takes.
    expect(seven.SERVICE_STABLE_TIMEOUT_SECONDS).toBe('300');
    const chosen = env(rotationStack(() => ({ serviceRestartTimeout: Duration.minutes(7), verificationTimeout: Duration.seconds(90) })).stack);
    expect([chosen.SERVICE_STABLE_TIMEOUT_SECONDS, chosen.HEALTH_TIMEOUT_SECONDS]).toEqual(['420', '90']);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(cdkNagReport(rotationStack().app)).toBe('');
  });
});
