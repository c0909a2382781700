import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlluxioMetricsAgent, AlluxioMinio, AlluxioMinioProps, MetricsOptions, MinioBackend, MinioCredentials } from '../../lib';
import { ALLUXIO_METRICS, METRICS_AGENT_MEMORY_MIB, metricsOf, renderAgentConfig, renderScrapeConfig } from '../../lib/core/alluxio-metrics';
import { alluxioJvmMemory, jvmMemoryEnvironment } from '../../lib/core/jvm-memory';
import { cdkNagReport } from '../support/cdk-nag';

/*
 * The metrics part of the construct: the CloudWatch agent beside the master and the workers (its
 * configuration pinned), its permissions, the dashboard's widgets and the alarms' thresholds and actions.
 * That the names are real is test/local/metrics.test.ts's job, against the running processes.
 */
const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function synthesize(props: Partial<AlluxioMinioProps> = {}, topic?: (stack: Stack) => sns.ITopic): { app: App; stack: Stack; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Metrics');
  const metrics: MetricsOptions | undefined = props.metrics || topic ? { ...props.metrics, ...(topic ? { alarmTopic: topic(stack) } : {}) } : undefined;
  new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, ...props, metrics });
  return { app, stack, template: Template.fromStack(stack) };
}

const ON = { metrics: { enabled: true } };

/** Fn::Join and Ref/GetAtt of a template value as a string with `<logicalId>` placeholders. */
function flatten(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(flatten).join(value['Fn::Join'][0]);
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

function taskDefinitions(template: Template): Array<[string, any]> {
  return Object.entries(template.findResources('AWS::ECS::TaskDefinition'));
}

function agentOf(template: Template, alluxioContainer: 'master' | 'worker'): { taskId: string; agent: any; definitions: any[] } {
  const [taskId, task] = taskDefinitions(template).find(([, t]) => t.Properties.ContainerDefinitions[0].Name === alluxioContainer)!;
  const definitions = task.Properties.ContainerDefinitions;
  return { taskId, agent: definitions.find((c: any) => c.Name === 'metrics-agent'), definitions };
}

function environmentOf(container: any): Record<string, string> {
  return Object.fromEntries(container.Environment.map((e: any) => [e.Name, flatten(e.Value)]));
}

describe('metrics off (the default)', () => {
  const { template } = synthesize();

  test('adds no agent, dashboard or alarm to the cluster', () => {
    for (const [, task] of taskDefinitions(template)) {
      expect(task.Properties.ContainerDefinitions.map((c: any) => c.Name)).not.toContain('metrics-agent');
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.filter((id) => id.includes('Metrics'))).toEqual([]);
  });
});

describe('metrics on', () => {
  const { template, stack } = synthesize(ON);
  const clusterRef = `<${stack.getLogicalId((stack.node.findChild('Cache').node.findChild('Cluster') as any).node.defaultChild)}>`;

  test.each([
    ['master', 19999],
    ['worker', 30000],
  ] as const)('the %s task runs the pinned CloudWatch agent beside Alluxio, scraping its own port %i, never essential', (role, port) => {
    const { agent, definitions } = agentOf(template, role);
    expect(definitions[0].Name).toBe(role);
    expect(agent.Image).toBe(AlluxioMetricsAgent.DEFAULT_IMAGE);
    expect(AlluxioMetricsAgent.DEFAULT_IMAGE).toMatch(/^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent:\d+\.\d+\.\d+b\d+$/);
    expect(agent.Essential).toBe(false);
    expect(agent.RestartPolicy).toEqual({ Enabled: true });
    expect({ cpu: agent.Cpu, reservation: agent.MemoryReservation, limit: agent.Memory }).toEqual({ cpu: 64, reservation: 64, limit: 256 });
    expect(agent.PortMappings ?? []).toEqual([]);
    const environment = environmentOf(agent);
    expect(environment.PROMETHEUS_CONFIG_CONTENT).toBe(renderScrapeConfig({ source: role, clusterName: clusterRef }));
    expect(environment.PROMETHEUS_CONFIG_CONTENT).toContain(`targets: ['localhost:${port}']`);
    const emfGroup = /"log_group_name":"(<[^>]+>)"/.exec(environment.CW_CONFIG_CONTENT)![1];
    expect(environment.CW_CONFIG_CONTENT).toBe(renderAgentConfig({ source: role, clusterName: clusterRef, logGroupName: emfGroup, region: '<AWS::Region>' }));
  });

  test('the agents hold no secret: no container secrets, nothing from SSM in their environment', () => {
    for (const role of ['master', 'worker'] as const) {
      const { agent } = agentOf(template, role);
      expect(agent.Secrets).toBeUndefined();
      expect(JSON.stringify(agent)).not.toMatch(/ssm|parameter|secret-key|access-key/i);
    }
  });

  test("each task role may only write events to its own agent's EMF log group (no PutMetricData, no wildcard)", () => {
    for (const role of ['master', 'worker'] as const) {
      const { taskId } = agentOf(template, role);
      const task = template.toJSON().Resources[taskId];
      const roleId = task.Properties.TaskRoleArn['Fn::GetAtt'][0];
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
      const statements = policies
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('logs:') || a.startsWith('cloudwatch:')));
      expect(statements).toHaveLength(1);
      expect(statements[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const group = statements[0].Resource['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[group].Type).toBe('AWS::Logs::LogGroup');
      expect(environmentOf(agentOf(template, role).agent).CW_CONFIG_CONTENT).toContain(`"log_group_name":"<${group}>"`);
    }
  });

  describe('the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    const body = JSON.parse(flatten(dashboard.Properties.DashboardBody));
    const widgets: any[] = body.widgets;
    const titled = (title: string) => widgets.find((w) => w.properties.title === title)!;
    const metricLines = (widget: any) => widget.properties.metrics as any[][];
    const namesIn = (widget: any) =>
      metricLines(widget)
        .filter((line) => typeof line[0] === 'string')
        .map((line) => line[1]);
    const expressionsIn = (widget: any) =>
      metricLines(widget)
        .filter((line) => typeof line[0] === 'object')
        .map((line) => line[0]);

    test('has the six graphs and the alarm status, in rows', () => {
      expect(widgets.map((w) => w.properties.title)).toEqual([
        'Cache hit ratio (%) per 5 minutes',
        'Bytes read: from the cache vs from MinIO, per 5 minutes',
        'Cache capacity (bytes)',
        'Workers',
        'MinIO (under store) errors per 5 minutes',
        'Credential rotations per 5 minutes',
        'Alarms',
      ]);
    });

    test('the hit ratio is metric math over the five read counters of the master, per 5 minutes', () => {
      const widget = titled('Cache hit ratio (%) per 5 minutes');
      expect(namesIn(widget).sort()).toEqual([
        'Cluster_BytesReadDirect',
        'Cluster_BytesReadDomain',
        'Cluster_BytesReadLocal',
        'Cluster_BytesReadRemote',
        'Cluster_BytesReadUfsAll',
      ]);
      const visible = expressionsIn(widget).filter((e) => e.visible !== false);
      expect(visible).toHaveLength(1);
      expect(visible[0].expression).toMatch(/^IF\(served > 0/);
      expect(expressionsIn(widget).map((e) => e.expression)).toContain('DIFF(bytesReadUfs)');
      // Maxima of cumulative counters per 5 minutes (CloudWatch's default period, which the lines then omit).
      const options = metricLines(widget)
        .filter((l) => typeof l[0] === 'string')
        .map((l) => l[l.length - 1]);
      expect(options.every((o) => o.stat === 'Maximum' && (o.period ?? 300) === 300)).toBe(true);
      expect(widget.properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 50 })]);
    });

    test('bytes from the cache and from MinIO are stacked, from the same counters', () => {
      const widget = titled('Bytes read: from the cache vs from MinIO, per 5 minutes');
      expect(widget.properties.stacked).toBe(true);
      expect(
        expressionsIn(widget)
          .filter((e) => e.visible !== false)
          .map((e) => e.label),
      ).toEqual(['from the cache', 'from MinIO']);
      expect(new Set(namesIn(widget))).toEqual(
        new Set(['Cluster_BytesReadDirect', 'Cluster_BytesReadDomain', 'Cluster_BytesReadLocal', 'Cluster_BytesReadRemote', 'Cluster_BytesReadUfsAll']),
      );
    });

    test('capacity, workers and MinIO errors show the catalogue metrics', () => {
      expect(namesIn(titled('Cache capacity (bytes)'))).toEqual([
        'Cluster_CapacityUsed',
        'Cluster_CapacityTotal',
        'Worker_CapacityUsed',
        'Worker_CapacityUsed',
      ]);
      expect(namesIn(titled('Workers'))).toEqual(['Cluster_Workers', 'Cluster_LostWorkers']);
      expect(namesIn(titled('MinIO (under store) errors per 5 minutes'))).toEqual([
        'Master_MetadataSyncFail',
        'Master_MetadataSyncPathsFail',
        'Master_MetadataSyncPrefetchFail',
      ]);
    });

    test('rotation outcomes come from the rotation metrics', () => {
      expect(namesIn(titled('Credential rotations per 5 minutes'))).toEqual(['RotationSuccesses', 'RotationFailures']);
    });

    test('every catalogue metric the agents send is shown somewhere (none is paid for and unused)', () => {
      const shown = new Set(widgets.flatMap((w) => (w.properties.metrics ? namesIn(w) : [])));
      expect(
        Object.values(ALLUXIO_METRICS)
          .filter((m) => !shown.has(m.cloudWatchName))
          .map((m) => m.cloudWatchName),
      ).toEqual([]);
      expect([...metricsOf('master'), ...metricsOf('worker')]).toHaveLength(Object.keys(ALLUXIO_METRICS).length);
    });
  });

  describe('the alarms', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const find = (fragment: string) => Object.entries(alarms).find(([id]) => id.includes(fragment)) as [string, any];
    const [rotationTopicId] = Object.keys(template.findResources('AWS::SNS::Topic'));

    test('no live worker: the minimum of Cluster_Workers below 1 for 5 minutes, missing data breaching', () => {
      const [, alarm] = find('NoLiveWorkersAlarm');
      expect(alarm.Properties).toMatchObject({
        MetricName: 'Cluster_Workers',
        Namespace: 'AlluxioMinio',
        Statistic: 'Minimum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'breaching',
      });
    });

    test('low hit ratio: below 50% in three 5-minute periods with reads, idle periods not breaching', () => {
      const [, alarm] = find('LowHitRatioAlarm');
      expect(alarm.Properties).toMatchObject({
        Threshold: 50,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      });
      const returned = alarm.Properties.Metrics.filter((m: any) => m.ReturnData !== false);
      expect(returned).toHaveLength(1);
      expect(returned[0].Expression).toMatch(/^IF\(served > 0/);
    });

    test('both notify the rotation topic (alarm and OK) by default, and wait for the services', () => {
      for (const fragment of ['NoLiveWorkersAlarm', 'LowHitRatioAlarm']) {
        const [, alarm] = find(fragment);
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: rotationTopicId }]);
        expect(alarm.Properties.OKActions).toEqual([{ Ref: rotationTopicId }]);
        expect(alarm.DependsOn).toEqual(expect.arrayContaining(Object.keys(template.findResources('AWS::ECS::Service'))));
      }
    });
  });
});

describe('metrics options', () => {
  test('alarms notify the topic the user passes, and the threshold the user sets', () => {
    const { template } = synthesize({ metrics: { enabled: true, hitRatioAlarmThreshold: 80 } }, (stack) => new sns.Topic(stack, 'Team'));
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.includes('Metrics'));
    expect(alarms).toHaveLength(2);
    for (const [, alarm] of alarms as any[]) expect(flatten(alarm.Properties.AlarmActions[0])).toMatch(/^<Team/);
    expect((alarms.find(([id]) => id.includes('LowHitRatio'))![1] as any).Properties.Threshold).toBe(80);
  });

  test('with rotation off and no alarm topic, synth stops naming metrics.alarmTopic', () => {
    expect(() => synthesize({ metrics: { enabled: true }, rotation: { enabled: false } })).toThrow(
      /AlluxioMinio Metrics\/Cache: metrics\.alarmTopic: is required with rotation turned off.*Fix: pass metrics\.alarmTopic/,
    );
  });

  test('with rotation off and an alarm topic, the dashboard says rotation is off instead of graphing it', () => {
    const { template } = synthesize({ metrics: { enabled: true }, rotation: { enabled: false } }, (stack) => new sns.Topic(stack, 'Team'));
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    const widgets = JSON.parse(flatten(dashboard.Properties.DashboardBody)).widgets;
    expect(widgets.find((w: any) => w.type === 'text').properties.markdown).toContain('rotation is off');
  });

  test('a hit-ratio threshold that is not a percentage stops synth naming the prop', () => {
    expect(() => synthesize({ metrics: { enabled: true, hitRatioAlarmThreshold: 0 } })).toThrow(/metrics\.hitRatioAlarmThreshold: 0 is not a percentage/);
  });
});

describe('cdk-nag AwsSolutions with metrics on', () => {
  test('no unacknowledged finding', () => {
    expect(cdkNagReport(synthesize(ON).app)).toBe('');
  });
});

describe('JVM memory with metrics on', () => {
  test("each task's JVMs are sized without the agent's hard limit, so the agent cannot push the task over its memory", () => {
    const javaOptions = (template: Template, role: 'master' | 'worker') =>
      Object.fromEntries(
        agentOf(template, role)
          .definitions[0].Environment.filter((e: any) => e.Name.endsWith('_JAVA_OPTS'))
          .map((e: any) => [e.Name, e.Value]),
      );
    const on = synthesize(ON).template;
    const off = synthesize().template;
    expect(javaOptions(on, 'master')).toEqual(jvmMemoryEnvironment(alluxioJvmMemory('master', 4096, 'm', METRICS_AGENT_MEMORY_MIB)));
    expect(javaOptions(on, 'worker')).toEqual(jvmMemoryEnvironment(alluxioJvmMemory('worker', 4096, 'w', METRICS_AGENT_MEMORY_MIB)));
    expect(javaOptions(off, 'master')).toEqual(jvmMemoryEnvironment(alluxioJvmMemory('master', 4096, 'm')));
    expect(agentOf(on, 'master').agent.Memory).toBe(METRICS_AGENT_MEMORY_MIB);
  });

  test('a 2 GiB master with metrics on is refused at synth, naming the prop and the size that fits', () => {
    expect(() => synthesize({ metrics: { enabled: true }, alluxio: { masterCpu: 1024, masterMemoryMiB: 2048 } })).toThrow(
      /alluxio\.masterMemoryMiB: 2048 MiB cannot hold .*256 MiB for the metrics agent.*give at least 3072 MiB/,
    );
  });
});
