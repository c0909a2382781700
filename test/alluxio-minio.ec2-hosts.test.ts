import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { createExampleApp } from '../bin/example-app';
import { AlluxioMinio, AlluxioWorkers, MinioBackend, MinioCredentials } from '../lib';
import { ECS_AGENT_CONFIG_FILE } from '../lib/core/ecs-agent-config';
import { BOOT_AND_SIGNAL_MARGIN_SECONDS, WORKER_WAIT_SECONDS } from '../lib/core/host-registration-signal';

/*
 * The EC2 hosts the construct makes (the NVMe workers, the provisioned MinIO), as CloudFormation gets
 * them: what their user data gives the ECS agent, and how a changed launch template reaches hosts
 * that are already running.
 */

/** The user data of a launch template, with every CloudFormation value shown as <...>. */
function userDataText(launchTemplate: any): string {
  const parts: unknown[] = launchTemplate.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`)).join('');
}

/** The user data's lines that run as it runs: every here-document's body (a script or unit it writes out) left out. */
function userDataCommands(userData: string): string[] {
  const commands: string[] = [];
  let endOfDocument: string | undefined;
  for (const line of userData.split('\n')) {
    if (endOfDocument !== undefined) {
      if (line === endOfDocument) endOfDocument = undefined;
      continue;
    }
    commands.push(line);
    endOfDocument = /<<-?\s*'?(\w+)'?\s*$/.exec(line)?.[1];
  }
  expect(endOfDocument).toBeUndefined();
  return commands;
}

/**
 * The agent's configuration file as the user data leaves it: its lines that append to the file, run
 * under /bin/sh against a temporary file, read back as the agent reads it (KEY=VALUE lines).
 */
function agentConfigWrittenBy(userData: string): Record<string, string> {
  const file = join(mkdtempSync(join(tmpdir(), 'ecs-config-')), 'ecs.config');
  const appends = userData
    .split('\n')
    .filter((line) => line.startsWith('echo ') && (line.endsWith(`>> ${ECS_AGENT_CONFIG_FILE}`) || line.endsWith(`>> '${ECS_AGENT_CONFIG_FILE}'`)));
  // A reference to a resource runs as its logical id.
  const script = appends.map((line) => line.replace(/<\{"Ref":"(\w+)"\}>/g, 'ref:$1').replace(/>> '?\/etc\/ecs\/ecs\.config'?$/, `>> '${file}'`)).join('\n');
  const run = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('ECS agent settings of every EC2 host', () => {
  const app = createExampleApp(mkdtempSync(join(tmpdir(), 'example-app-')));
  const hosts = app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c))
    .flatMap((stack) =>
      Object.entries(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate')).map(([id, lt]) => ({
        id: `${stack.stackName}/${id}`,
        userData: userDataText(lt),
      })),
    );

  test('the example stacks have both kinds of host (the NVMe workers and the provisioned MinIO)', () => {
    expect(hosts.map((h) => h.id)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AlluxioMinioNvmeWorkers\/CacheWorkerHostTemplate/),
        expect.stringMatching(/^AlluxioMinioProvisioned\/CacheMinioHostTemplate/),
      ]),
    );
  });

  test('each host blocks its awsvpc tasks from the instance metadata service (ECS_AWSVPC_BLOCK_IMDS=true), in its own cluster', () => {
    for (const host of hosts) {
      const config = agentConfigWrittenBy(host.userData);
      expect({ host: host.id, block: config.ECS_AWSVPC_BLOCK_IMDS, cluster: config.ECS_CLUSTER }).toEqual({
        host: host.id,
        block: 'true',
        cluster: expect.stringMatching(/^ref:CacheCluster/),
      });
    }
  });

  test('the setting is written before any step of the user data that may stop it (a failed mount exits early)', () => {
    for (const host of hosts) {
      // The user data's own commands: the scripts it writes out (here-documents) run later, as units.
      const commands = userDataCommands(host.userData);
      const setting = commands.findIndex((line) => line.includes('ECS_AWSVPC_BLOCK_IMDS=true'));
      const firstExit = commands.findIndex((line) => /^\s*exit\b/.test(line));
      expect({ host: host.id, setting: setting >= 0, before: firstExit === -1 || setting < firstExit }).toEqual({ host: host.id, setting: true, before: true });
    }
    // The NVMe worker host's user data does stop on a failed mount, so the order above is checked there.
    const worker = hosts.find((h) => h.id.startsWith('AlluxioMinioNvmeWorkers/'))!;
    expect(userDataCommands(worker.userData).some((line) => /^\s*exit 1$/.test(line))).toBe(true);
  });
});

describe('NVMe worker hosts follow their launch template', () => {
  function synth(instanceType: string, count: number): { template: Template; stack: Stack } {
    const stack = new Stack(new App(), 'Test');
    new AlluxioMinio(stack, 'Cache', {
      minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake' }),
      credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
      alluxio: { workers: AlluxioWorkers.ec2({ instanceType: new ec2.InstanceType(instanceType), count }) },
    });
    return { template: Template.fromStack(stack), stack };
  }
  const only = (template: Template, type: string): [string, any] => {
    const found = Object.entries(template.findResources(type));
    expect(found).toHaveLength(1);
    return found[0] as [string, any];
  };

  test('a changed instance type changes the launch template version the same group runs, and the group replaces its hosts one at a time, each waiting for its signal', () => {
    const before = synth('r5d.xlarge', 3).template;
    const after = synth('r5d.2xlarge', 3).template;
    const [templateId, launchTemplateBefore] = only(before, 'AWS::EC2::LaunchTemplate');
    const [templateIdAfter, launchTemplateAfter] = only(after, 'AWS::EC2::LaunchTemplate');
    // The same launch template resource, updated: a new version with the new type.
    expect(templateIdAfter).toBe(templateId);
    expect([launchTemplateBefore.Properties.LaunchTemplateData.InstanceType, launchTemplateAfter.Properties.LaunchTemplateData.InstanceType]).toEqual([
      'r5d.xlarge',
      'r5d.2xlarge',
    ]);
    const [groupId, groupBefore] = only(before, 'AWS::AutoScaling::AutoScalingGroup');
    const [groupIdAfter, groupAfter] = only(after, 'AWS::AutoScaling::AutoScalingGroup');
    // The same group, whose LaunchTemplate property follows the template's latest version: a template
    // change is a change of the group, which its update policy governs (not a replacement of the group).
    expect(groupIdAfter).toBe(groupId);
    expect(groupAfter.Properties.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: templateId },
      Version: { 'Fn::GetAtt': [templateId, 'LatestVersionNumber'] },
    });
    for (const group of [groupBefore, groupAfter]) {
      expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({
        MaxBatchSize: 1,
        MinInstancesInService: 2,
        WaitOnResourceSignals: true,
        PauseTime: 'PT15M',
      });
      expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 3, Timeout: 'PT15M' } });
      expect(group.Properties).toMatchObject({ MinSize: '3', MaxSize: '3' });
    }
  });

  test('each new host signals its own group, in its own stack and region, from its user data', () => {
    const { template } = synth('r5d.xlarge', 2);
    const [groupId] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const userData = userDataText(only(template, 'AWS::EC2::LaunchTemplate')[1]);
    expect(userData).toContain(`stack='<{"Ref":"AWS::StackName"}>'\nresource='${groupId}'\nregion='<{"Ref":"AWS::Region"}>'`);
    expect(userData).toContain('systemctl start --no-block cdk-alluxio-minio-registration-signal.service');
  });

  test("each new host waits for its own worker (the worker task definition's family) within the group's PauseTime, less the boot's margin", () => {
    const { template } = synth('r5d.xlarge', 2);
    const [, group] = only(template, 'AWS::AutoScaling::AutoScalingGroup');
    const userData = userDataText(only(template, 'AWS::EC2::LaunchTemplate')[1]);
    const workerTask = Object.values(template.findResources('AWS::ECS::TaskDefinition')).find((t: any) =>
      t.Properties.ContainerDefinitions.some((c: any) => c.Name === 'worker'),
    ) as any;
    expect(userData).toContain(`family='${workerTask.Properties.Family}'`);
    const pauseSeconds = Number(/^PT(\d+)M$/.exec(group.UpdatePolicy.AutoScalingRollingUpdate.PauseTime)![1]) * 60;
    expect(userData).toContain(`deadline=$((started + ${pauseSeconds - BOOT_AND_SIGNAL_MARGIN_SECONDS}))`);
    expect(userData).toContain(`worker_deadline=$((registered + ${WORKER_WAIT_SECONDS}))`);
  });

  test('a single worker host is replaced with none in service (the group may not exceed its one host)', () => {
    const [, group] = only(synth('r5d.xlarge', 1).template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, MinInstancesInService: 0, WaitOnResourceSignals: true });
  });
});
