import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGISTRATION_SIGNAL_LAYOUT, RegistrationSignalLayout, registrationSignalScript, registrationSignalUnit } from '../../lib/core/host-registration-signal';

/*
 * The new worker host's signal script runs for real under /bin/sh, against stand-ins on PATH for what
 * needs a real host: curl (the ECS agent's introspection endpoint, registered after a given number of
 * polls, or never), dnf (installing aws-cfn-bootstrap puts a cfn-signal in place), sleep; and a
 * cfn-signal stand-in that records its arguments.
 */

const TARGET = { stackName: 'AlluxioMinioNvmeWorkers', resource: 'CacheWorkerHostsASGE6697821', region: 'eu-west-1' };

interface Host {
  readonly layout: RegistrationSignalLayout;
  /** The stand-in commands, first on PATH. */
  readonly bin: string;
  calls(): string[];
}

function standInHost(options: { registeredAfterPolls?: number; cfnSignalInstalled: boolean; dnfWorks?: boolean }): Host {
  const root = mkdtempSync(join(tmpdir(), 'signal-host-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const callLog = join(root, 'calls.log');
  const polls = join(root, 'polls');
  const record = (name: string) => `echo "${name} $*" >> '${callLog}'`;
  const layout: RegistrationSignalLayout = { ...REGISTRATION_SIGNAL_LAYOUT, scriptPath: join(root, 'signal'), systemdDir: join(root, 'systemd'), cfnSignal: join(root, 'opt', 'cfn-signal') };
  const cfnSignal = `#!/bin/sh\n${record('cfn-signal')}\n`;
  const registered = options.registeredAfterPolls === undefined ? 'false' : `[ "$(wc -l < '${polls}')" -gt ${options.registeredAfterPolls} ]`;
  const tools: Record<string, string> = {
    // The agent answers before it registered too, without an ARN (the introspection API's null).
    curl: [
      record('curl'),
      `echo poll >> '${polls}'`,
      `if ${registered}; then echo '{"Cluster":"c","ContainerInstanceArn":"arn:aws:ecs:eu-west-1:111111111111:container-instance/c/0abc","Version":"Amazon ECS Agent - v1.89.0"}'; else echo '{"Cluster":"c","ContainerInstanceArn":null}'; fi`,
    ].join('\n'),
    dnf: [record('dnf'), options.dnfWorks === false ? 'exit 1' : `mkdir -p '${join(root, 'opt')}' && printf '%s' '${cfnSignal.replace(/'/g, "'\\''")}' > '${layout.cfnSignal}' && chmod 755 '${layout.cfnSignal}'`].join('\n'),
    sleep: record('sleep'),
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  if (options.cfnSignalInstalled) {
    mkdirSync(join(root, 'opt'));
    writeFileSync(layout.cfnSignal, cfnSignal);
    chmodSync(layout.cfnSignal, 0o755);
  }
  return {
    layout,
    bin,
    calls: () => (existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) : []),
  };
}

function run(host: Host, waitSeconds = 20) {
  const result = spawnSync('/bin/sh', ['-c', registrationSignalScript(TARGET, host.layout, { waitSeconds })], {
    env: { PATH: `${host.bin}:/usr/bin:/bin` },
    timeout: 10_000,
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

const signals = (host: Host) => host.calls().filter((c) => c.startsWith('cfn-signal'));

describe('the registration signal of a new worker host', () => {
  test('signals success for the group once the agent reports its container instance, not before', () => {
    const host = standInHost({ registeredAfterPolls: 3, cfnSignalInstalled: true });
    expect(run(host).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('curl'))).toHaveLength(4);
    expect(signals(host)).toEqual([`cfn-signal -e 0 --reason registered with the ECS cluster --stack ${TARGET.stackName} --resource ${TARGET.resource} --region ${TARGET.region}`]);
  });

  test('signals failure when the agent has not registered the host in time (its disks never mounted)', () => {
    const host = standInHost({ cfnSignalInstalled: true });
    const result = run(host, 20);
    expect(result.status).toBe(1);
    expect(host.calls().filter((c) => c.startsWith('sleep'))).toHaveLength(4);
    expect(signals(host)).toHaveLength(1);
    expect(signals(host)[0]).toMatch(/^cfn-signal -e 1 --reason the ECS agent did not register the host within 20 s/);
    expect(result.stderr).toContain('has not registered this host after 20 s');
  });

  test('installs aws-cfn-bootstrap first on the ECS-optimized AMI, which lacks cfn-signal', () => {
    const host = standInHost({ registeredAfterPolls: 0, cfnSignalInstalled: false });
    expect(run(host).status).toBe(0);
    expect(host.calls()[0]).toBe('dnf install -y -q aws-cfn-bootstrap');
    expect(signals(host)[0]).toMatch(/^cfn-signal -e 0 /);
  });

  test('exits without a signal, saying why, when aws-cfn-bootstrap cannot be installed', () => {
    const host = standInHost({ registeredAfterPolls: 0, cfnSignalInstalled: false, dnfWorks: false });
    const result = run(host);
    expect(result.status).toBe(1);
    expect(signals(host)).toEqual([]);
    expect(result.stderr).toContain('cannot install aws-cfn-bootstrap');
  });

  test('the unit runs after the ECS agent and is not enabled for later boots', () => {
    const unit = registrationSignalUnit();
    expect(unit).toContain('After=ecs.service');
    expect(unit).not.toContain('[Install]');
  });
});
