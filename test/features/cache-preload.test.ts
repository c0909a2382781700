import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { AlluxioMinio, AlluxioMinioProps, MinioBackend, MinioCredentials } from '../../lib';
import { PRELOAD_PATHS_ENV } from '../../lib/core/preload';
import { cdkNagReport } from '../support/cdk-nag';
import { ssmResourcesOf, taskRoleStatements } from '../support/key-free-roles';

const BASE: AlluxioMinioProps = {
  minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
  credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
};
const PRELOAD = [{ path: '/warm' }, { path: '/cold', schedule: events.Schedule.cron({ minute: '0', hour: '3' }), timeout: Duration.minutes(20) }];

function synth(props: Partial<AlluxioMinioProps>): { app: App; stack: Stack; construct: AlluxioMinio; json: any; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const construct = new AlluxioMinio(stack, 'Cache', { ...BASE, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, construct, json: template.toJSON(), template };
}

const ofType = (json: any, type: string) => Object.entries<any>(json.Resources).filter(([, r]) => r.Type === type);

describe('preload', () => {
  const { construct, json, template, stack } = synth({ preload: PRELOAD });
  const [[taskId, task]] = ofType(json, 'AWS::ECS::TaskDefinition').filter(([, r]) => r.Properties.ContainerDefinitions[0].Name === 'preload');
  const container = task.Properties.ContainerDefinitions[0];

  test('one task definition: every path with its time bound in the environment, the site file as a secret, logs under the preload prefix', () => {
    expect(container.Environment).toEqual(expect.arrayContaining([{ Name: PRELOAD_PATHS_ENV, Value: '3600:/warm 1200:/cold' }]));
    expect(container.Secrets.map((s: { Name: string }) => s.Name)).toEqual(['ALLUXIO_SITE_PROPERTIES']);
    expect(container.LogConfiguration.Options['awslogs-stream-prefix']).toBe('preload');
    expect(container.EntryPoint).toEqual(['/bin/sh', '-c']);
    expect(container.Command[0]).toContain('fs load "$path" --submit');
    // The paths are never part of the script's text.
    expect(container.Command[0]).not.toContain('/warm');
    expect(construct.preload!.taskDefinition).toBeDefined();
  });

  test('its configuration is the key-free one, and its roles read no configuration that holds the MinIO keys', () => {
    expect(JSON.stringify(container.Secrets[0].ValueFrom)).toMatch(/"Fn::GetAtt":\["\w*SiteProperties\w*","KeyFreeParameterName"\]/);
    expect([...new Set(ssmResourcesOf(taskRoleStatements(json.Resources, task)))]).toEqual(['KeyFreeParameterName']);
  });

  test('runs after the Alluxio health check, keyed by the task definition (a change of paths or configuration runs it again)', () => {
    const [[, run]] = ofType(json, 'Custom::AWS').filter(([id]) => id.includes('PreloadRunAfterDeploy'));
    expect(run.DependsOn.some((id: string) => id.startsWith('CacheChecksAlluxioCheck'))).toBe(true);
    const create = JSON.stringify(run.Properties.Create);
    expect(create).toContain('\\"action\\":\\"runTask\\"');
    expect(create).toContain(`"Ref":"${taskId}"`);
    expect(create).toMatch(/physicalResourceId\\":\{\\"id\\":\\"",\{"Ref":"CachePreloadTask/);
  });

  test('least privilege: RunTask on the preload task definition in this cluster, PassRole only for its two roles', () => {
    const policies = ofType(json, 'AWS::IAM::Policy').filter(([id]) => id.includes('RunAfterDeploy') || id.includes('PreloadTaskEventsRole'));
    expect(policies).toHaveLength(2);
    for (const [, policy] of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as any[];
      const runTask = statements.find((s) => s.Action === 'ecs:RunTask');
      expect(runTask.Resource).toEqual({ Ref: taskId });
      expect(runTask.Condition.ArnEquals['ecs:cluster']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CacheCluster/), 'Arn'] });
      const passed = statements.filter((s) => s.Action === 'iam:PassRole').flatMap((s) => [s.Resource].flat());
      expect(passed.map((r: any) => r['Fn::GetAtt'][0]).sort()).toEqual([
        expect.stringMatching(/^CachePreloadTaskExecutionRole/),
        expect.stringMatching(/^CachePreloadTaskTaskRole/),
      ]);
      expect(JSON.stringify(statements)).not.toMatch(/"Action":"\*"|"iam:\*"|"ecs:\*"/);
    }
  });

  test('a rule per scheduled path, whose ECS target loads that path only', () => {
    const rules = ofType(json, 'AWS::Events::Rule').filter(([, r]) => String(r.Properties.Description).startsWith('Preload '));
    expect(rules).toHaveLength(1);
    const [[, rule]] = rules;
    expect(rule.Properties.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    const [target] = rule.Properties.Targets;
    expect(target.EcsParameters).toMatchObject({ LaunchType: 'FARGATE', TaskDefinitionArn: { Ref: taskId } });
    expect(JSON.parse(target.Input)).toEqual({ containerOverrides: [{ name: 'preload', environment: [{ name: PRELOAD_PATHS_ENV, value: '1200:/cold' }] }] });
    expect(construct.preload!.scheduleRules).toHaveLength(1);
  });

  test('the outcome: metric filters on the Alluxio log group and an alarm on failures, per deployment', () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PreloadFailures',
      Namespace: 'AlluxioMinio',
      Dimensions: [{ Name: 'SitePropertiesParameter', Value: Match.stringLikeRegexp('/site-properties$') }],
      TreatMissingData: 'notBreaching',
    });
    expect(stack.resolve(construct.preload!.metricPreloadSuccesses().dimensions)).toEqual({
      SitePropertiesParameter: expect.stringMatching(/\/site-properties$/),
    });
  });

  test("a run waits for silent masters as long as a rotation waits for a restart: the default 300 s, or the rotation's serviceRestartTimeout", () => {
    const bound = (props: Partial<AlluxioMinioProps>) => {
      const [[, definition]] = ofType(synth(props).json, 'AWS::ECS::TaskDefinition').filter(([, r]) => r.Properties.ContainerDefinitions[0].Name === 'preload');
      return /no master answered for (\d+) s; giving up/.exec(definition.Properties.ContainerDefinitions[0].Command[0])?.[1];
    };
    expect(bound({ preload: PRELOAD })).toBe('300');
    expect(bound({ preload: PRELOAD, rotation: { serviceRestartTimeout: Duration.minutes(12) } })).toBe('720');
  });

  test("the masters' silence bound is refused below a second, naming the prop the user set (rotation.serviceRestartTimeout), rotation or not", () => {
    for (const enabled of [false, true]) {
      expect(() => synth({ preload: PRELOAD, rotation: { enabled, serviceRestartTimeout: Duration.seconds(0) } })).toThrow(
        /^AlluxioMinio Test\/Cache: rotation\.serviceRestartTimeout: is 0 s\. Fix: give at least Duration\.seconds\(1\)$/,
      );
    }
  });

  test('no preload: no preload task, run, rule or filter', () => {
    const none = synth({ rotation: { enabled: false } });
    expect(none.construct.preload).toBeUndefined();
    none.template.resourceCountIs('Custom::AWS', 0);
    none.template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(ofType(none.json, 'AWS::ECS::TaskDefinition')).toHaveLength(2);
  });

  test.each([
    [[{ path: 'warm' }], /preload\[0\]\.path: "warm" is not an absolute Alluxio path.*Fix:/],
    [[{ path: '/ok' }, { path: '/x;reboot' }], /preload\[1\]\.path: .*Fix:/],
    [[{ path: '/ok', timeout: Duration.seconds(10) }], /preload\[0\]\.timeout: .*Fix:/],
  ])('bad paths fail at synth naming the construct, the prop and the fix (%#)', (preload, expected) => {
    let message = '';
    try {
      synth({ preload });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(expected);
    expect(message).toContain('AlluxioMinio Test/Cache');
  });

  test.each([
    ['rotation on', {}],
    ['rotation off', { rotation: { enabled: false } }],
  ])('cdk-nag: no unacknowledged finding with preload (%s)', (_name, extra) => {
    // A fresh app: one already synthesized (Template.fromStack) would not run the checks again.
    const app = new App();
    new AlluxioMinio(new Stack(app, 'Nag'), 'Cache', { ...BASE, preload: PRELOAD, ...extra });
    expect(cdkNagReport(app)).toBe('');
  });
});
