import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hostSignalWaits,
  REGISTRATION_SIGNAL_LAYOUT,
  RegistrationSignalLayout,
  registrationSignalScript,
  registrationSignalUnit,
} from '../../lib/core/host-registration-signal';

/*
 * The new worker host's signal script runs for real under /bin/sh, against stand-ins on PATH for what
 * needs a real host: curl (the ECS agent's introspection endpoint, registered after a given number of
 * polls, or never), docker (the host's containers: a healthy worker after a given number of polls, or
 * never), dnf (installing aws-cfn-bootstrap puts a cfn-signal in place), a clock (date +%s reads it,
 * sleep moves it on); and a cfn-signal stand-in that records its arguments.
 */

const TARGET = {
  stackName: 'AlluxioMinioNvmeWorkers',
  resource: 'CacheWorkerHostsASGE6697821',
  region: 'eu-west-1',
  workerTaskFamily: 'AlluxioMinioNvmeWorkersCacheWorkerTask1A2B3C4D',
};
const FAMILY_LABEL = `label=com.amazonaws.ecs.task-definition-family=${TARGET.workerTaskFamily}`;

interface Host {
  readonly layout: RegistrationSignalLayout;
  /** The stand-in commands, first on PATH. */
  readonly bin: string;
  calls(): string[];
}

function standInHost(options: {
  registeredAfterPolls?: number;
  healthyWorkerAfterPolls?: number;
  cfnSignalInstalled: boolean;
  dnfWorks?: boolean;
  dnfSeconds?: number;
}): Host {
  const root = mkdtempSync(join(tmpdir(), 'signal-host-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const callLog = join(root, 'calls.log');
  const polls = join(root, 'polls');
  const dockerPolls = join(root, 'docker-polls');
  const clock = join(root, 'clock');
  writeFileSync(clock, '1700000000\n');
  const record = (name: string) => `echo "${name} $*" >> '${callLog}'`;
  const layout: RegistrationSignalLayout = {
    ...REGISTRATION_SIGNAL_LAYOUT,
    scriptPath: join(root, 'signal'),
    systemdDir: join(root, 'systemd'),
    cfnSignal: join(root, 'opt', 'cfn-signal'),
  };
  const cfnSignal = `#!/bin/sh\n${record('cfn-signal')}\n`;
  const registered = options.registeredAfterPolls === undefined ? 'false' : `[ "$(wc -l < '${polls}')" -gt ${options.registeredAfterPolls} ]`;
  const healthy = options.healthyWorkerAfterPolls === undefined ? 'false' : `[ "$(wc -l < '${dockerPolls}')" -gt ${options.healthyWorkerAfterPolls} ]`;
  const advanceClock = (seconds: string) => `echo $(( $(cat '${clock}') + ${seconds} )) > '${clock}'`;
  const tools: Record<string, string> = {
    // The agent answers before it registered too, without an ARN (the introspection API's null).
    curl: [
      record('curl'),
      `echo poll >> '${polls}'`,
      `if ${registered}; then echo '{"Cluster":"c","ContainerInstanceArn":"arn:aws:ecs:eu-west-1:111111111111:container-instance/c/0abc","Version":"Amazon ECS Agent - v1.89.0"}'; else echo '{"Cluster":"c","ContainerInstanceArn":null}'; fi`,
    ].join('\n'),
    dnf: [
      record('dnf'),
      advanceClock(String(options.dnfSeconds ?? 0)),
      options.dnfWorks === false
        ? 'exit 1'
        : `mkdir -p '${join(root, 'opt')}' && printf '%s' '${cfnSignal.replace(/'/g, "'\\''")}' > '${layout.cfnSignal}' && chmod 755 '${layout.cfnSignal}'`,
    ].join('\n'),
    // Healthy containers of the family only when asked for exactly those (the label and health filters).
    docker: [
      record('docker'),
      `echo poll >> '${dockerPolls}'`,
      `case "$*" in *'--filter ${FAMILY_LABEL} '*'--filter health=healthy'*) if ${healthy}; then echo 0f1e2d3c4b5a; fi ;; esac`,
    ].join('\n'),
    sleep: [record('sleep'), advanceClock('$1')].join('\n'),
    date: `[ "$1" = +%s ] && cat '${clock}'`,
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

function run(host: Host, deadlineSeconds = 20, workerWaitSeconds = 10) {
  const result = spawnSync('/bin/sh', ['-c', registrationSignalScript(TARGET, { deadlineSeconds, workerWaitSeconds }, host.layout)], {
    env: { PATH: `${host.bin}:/usr/bin:/bin` },
    timeout: 10_000,
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

const signals = (host: Host) => host.calls().filter((c) => c.startsWith('cfn-signal'));

describe('the registration signal of a new worker host', () => {
  test('signals success for the group once the agent reports its container instance and its worker container is healthy, not before', () => {
    const host = standInHost({ registeredAfterPolls: 3, healthyWorkerAfterPolls: 2, cfnSignalInstalled: true });
    expect(run(host, 60, 20).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('curl'))).toHaveLength(4);
    // The worker is looked for only after the registration, on this host, and the signal follows its third look.
    const calls = host.calls();
    const lastCurl = calls.map((c) => c.startsWith('curl')).lastIndexOf(true);
    const dockerCalls = calls.filter((c) => c.startsWith('docker'));
    expect(dockerCalls).toHaveLength(3);
    expect(calls.findIndex((c) => c.startsWith('docker'))).toBeGreaterThan(lastCurl);
    expect(dockerCalls[0]).toBe(`docker ps -q --filter ${FAMILY_LABEL} --filter health=healthy`);
    expect(calls[calls.length - 1]).toBe(
      `cfn-signal -e 0 --reason registered with the ECS cluster, worker container healthy --stack ${TARGET.stackName} --resource ${TARGET.resource} --region ${TARGET.region}`,
    );
    expect(signals(host)).toHaveLength(1);
  });

  test('signals success anyway when no healthy worker comes within its bound (at stack creation the worker service starts only after the hosts signal)', () => {
    const host = standInHost({ registeredAfterPolls: 1, cfnSignalInstalled: true });
    const result = run(host, 60, 10);
    expect(result.status).toBe(0);
    // Registered at 5 s; the worker is looked for until 15 s, by the clock.
    expect(host.calls().filter((c) => c.startsWith('docker'))).toHaveLength(3);
    expect(signals(host)).toEqual([
      expect.stringMatching(/^cfn-signal -e 0 --reason registered with the ECS cluster, no healthy worker container within 10 s /),
    ]);
    expect(result.stderr).toContain('no healthy worker container on this host after 10 s');
  });

  test('the worker wait ends at the overall deadline, whatever is left of its own bound', () => {
    const host = standInHost({ registeredAfterPolls: 2, cfnSignalInstalled: true });
    expect(run(host, 15, 300).status).toBe(0);
    // Registered at 10 s of 15: one more look at 10 s, one at 15 s, then the signal.
    expect(host.calls().filter((c) => c.startsWith('docker'))).toHaveLength(2);
    expect(signals(host)[0]).toMatch(/^cfn-signal -e 0 --reason registered with the ECS cluster, no healthy worker container within 5 s /);
  });

  test('the deadline is measured by the clock, so time spent installing cfn-signal counts', () => {
    const host = standInHost({ cfnSignalInstalled: false, dnfSeconds: 12 });
    expect(run(host, 20).status).toBe(1);
    // 12 s went to dnf: the agent is polled at 12, 17 and 22 s.
    expect(host.calls().filter((c) => c.startsWith('sleep'))).toHaveLength(2);
    expect(signals(host)[0]).toMatch(/^cfn-signal -e 1 --reason the ECS agent did not register the host within 22 s/);
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

  test("the host's waits come from the group's signal timeout less a margin for the boot before the script and the signal itself", () => {
    expect(hostSignalWaits(15 * 60)).toEqual({ deadlineSeconds: 15 * 60 - 180, workerWaitSeconds: 300 });
    // The worker's bound fits after a registration of up to 2 minutes, or the timeout is refused.
    expect(hostSignalWaits(10 * 60)).toEqual({ deadlineSeconds: 10 * 60 - 180, workerWaitSeconds: 300 });
    expect(() => hostSignalWaits(6 * 60)).toThrow(/signal timeout of 360 s leaves/);
  });

  test('the unit runs after the ECS agent and is not enabled for later boots', () => {
    const unit = registrationSignalUnit();
    expect(unit).toContain('After=ecs.service');
    expect(unit).not.toContain('[Install]');
  });
});
