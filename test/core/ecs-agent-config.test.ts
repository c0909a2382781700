import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECS_AGENT_CONFIG_FILE, ECS_HOST_AGENT_SETTINGS, ecsAgentSettingsUserData } from '../../lib/core/ecs-agent-config';

/*
 * The commands on their own; test/alluxio-minio.ec2-hosts.test.ts reads them back out of the synthesized
 * hosts' user data, beside the ECS_CLUSTER line aws-cdk-lib writes.
 */
describe('ecsAgentSettingsUserData', () => {
  test('by default, one append of the IMDS block to the file the ECS-optimized AMI reads', () => {
    expect(ECS_AGENT_CONFIG_FILE).toBe('/etc/ecs/ecs.config');
    // The agent parses the value as a boolean: "true", not "1" or "yes".
    expect(ECS_HOST_AGENT_SETTINGS).toEqual({ ECS_AWSVPC_BLOCK_IMDS: 'true' });
    expect(ecsAgentSettingsUserData()).toEqual(["echo 'ECS_AWSVPC_BLOCK_IMDS=true' >> '/etc/ecs/ecs.config'"]);
  });

  test('one line per setting, in the order given; no settings, no commands', () => {
    expect(ecsAgentSettingsUserData({ ECS_B: '2', ECS_A: '1' }, '/tmp/c')).toEqual(["echo 'ECS_B=2' >> '/tmp/c'", "echo 'ECS_A=1' >> '/tmp/c'"]);
    expect(ecsAgentSettingsUserData({})).toEqual([]);
  });

  test('under /bin/sh, the lines are added after what the file already holds, even in a path with a space', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs agent-'));
    const file = join(dir, 'ecs.config');
    // What aws-cdk-lib's capacity provider user data writes before ours.
    writeFileSync(file, 'ECS_CLUSTER=cache-cluster\n');
    const commands = ecsAgentSettingsUserData({ ...ECS_HOST_AGENT_SETTINGS, ECS_ENABLE_SPOT_INSTANCE_DRAINING: 'true' }, file);
    const run = spawnSync('/bin/sh', ['-c', commands.join('\n')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('ECS_CLUSTER=cache-cluster\nECS_AWSVPC_BLOCK_IMDS=true\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n');
    rmSync(dir, { recursive: true, force: true });
  });
});
