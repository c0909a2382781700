import { installScriptAndUnitsUserData } from './host-boot-units';

/**
 * How a new NVMe worker host tells CloudFormation it is ready, as pure strings: the script runs for
 * real under /bin/sh in the tests, against stand-in commands.
 *
 * The worker group's rolling update replaces one host at a time and waits for each new host's
 * success signal before draining the next old one (AutoScalingRollingUpdate with WaitOnResourceSignals,
 * AWS CloudFormation User Guide, "UpdatePolicy attribute"). "Ready" is, first, the ECS agent having
 * registered the instance with the cluster: only then can the worker task be placed there, and the
 * agent starts only after the cache disks are mounted (the boot unit it requires). The ECS-optimized
 * AMI starts the agent after cloud-init's user data, so the user data cannot wait for the registration
 * itself: it installs the wait as a unit ordered after the agent and starts it without blocking. The
 * agent's introspection endpoint answers `ContainerInstanceArn` once registered (ECS Developer Guide,
 * "Amazon ECS container introspection").
 *
 * Then the host waits, bounded, for a worker container on it that passes its container health check:
 * signalling on the registration alone let CloudFormation drain the next old host while this one's
 * worker was still being placed and started, two workers down at once. The agent labels each container
 * with its task definition's family (`com.amazonaws.ecs.task-definition-family`, aws/amazon-ecs-agent
 * agent/engine/docker_task_engine.go, labelTaskDefinitionFamily), and the container definition's health
 * check is Docker's (ECS API Reference, HealthCheck: "maps to the HEALTHCHECK parameter of docker run"),
 * whose status `docker ps --filter health=healthy` reads. The wait is bounded and then signals
 * success anyway, because at stack creation nothing can come: the worker service depends on the group,
 * which completes only on its hosts' signals. So a slow or failing worker is not caught here (ECS's
 * deployment of the service is what reports it), and creating the stack takes the worker bound longer.
 *
 * cfn-signal is not on the ECS-optimized AMI (CloudFormation helper scripts reference: "not on
 * Optimized AMIs, such as ECS Optimized Image"); the script installs aws-cfn-bootstrap from the Amazon
 * Linux repository first. A host that cannot install it, or whose agent does not register in time,
 * signals failure (or nothing): CloudFormation then rolls the update back.
 */

export interface RegistrationSignalLayout {
  readonly scriptPath: string;
  readonly systemdDir: string;
  /** The agent's introspection endpoint. */
  readonly introspectionUrl: string;
  /** Where aws-cfn-bootstrap installs cfn-signal. */
  readonly cfnSignal: string;
}

export const REGISTRATION_SIGNAL_LAYOUT: RegistrationSignalLayout = {
  scriptPath: '/usr/local/sbin/cdk-alluxio-minio-registration-signal',
  systemdDir: '/etc/systemd/system',
  introspectionUrl: 'http://localhost:51678/v1/metadata',
  cfnSignal: '/opt/aws/bin/cfn-signal',
};

export const REGISTRATION_SIGNAL_UNIT = 'cdk-alluxio-minio-registration-signal.service';

/** Which resource of which stack the signal is for (CloudFormation values, resolved at deploy time), and which worker it waits for. */
export interface RegistrationSignalTarget {
  readonly stackName: string;
  /** The Auto Scaling group's logical id. */
  readonly resource: string;
  readonly region: string;
  /** The family of the worker task definition (a literal: the agent's container label holds it). */
  readonly workerTaskFamily: string;
}

/** How long the host waits, in seconds from the script's start (by the clock, `date +%s`). */
export interface HostSignalWaits {
  /** The last moment to signal: the agent's registration is failed after it, the worker wait ends at it. */
  readonly deadlineSeconds: number;
  /** How long after the registration the host waits for a healthy worker container before signalling anyway. */
  readonly workerWaitSeconds: number;
}

/**
 * What CloudFormation's wait for one signal (the group's PauseTime and its creation timeout) leaves
 * the script: the boot before the unit starts (cloud-init, Docker, the agent) and the signal's own
 * call take part of it.
 */
export const BOOT_AND_SIGNAL_MARGIN_SECONDS = 180;
/** The bound on the worker wait: long enough for an image pull and the worker's start on a healthy host. */
export const WORKER_WAIT_SECONDS = 300;
/** The least the deadline leaves the registration before the worker wait's full bound. */
const MIN_REGISTRATION_SECONDS = 120;

/** The host's waits within CloudFormation's wait for its signal (`signalTimeoutSeconds`). */
export function hostSignalWaits(signalTimeoutSeconds: number): HostSignalWaits {
  const deadlineSeconds = signalTimeoutSeconds - BOOT_AND_SIGNAL_MARGIN_SECONDS;
  if (deadlineSeconds < MIN_REGISTRATION_SECONDS + WORKER_WAIT_SECONDS) {
    throw new Error(
      `a signal timeout of ${signalTimeoutSeconds} s leaves the host ${deadlineSeconds} s after its boot, ` +
        `less than ${MIN_REGISTRATION_SECONDS} s to register and ${WORKER_WAIT_SECONDS} s for its worker`,
    );
  }
  return { deadlineSeconds, workerWaitSeconds: WORKER_WAIT_SECONDS };
}

const WAIT_STEP_SECONDS = 5;

/**
 * The script: wait for the agent's registration (signal failure when it does not come by the deadline),
 * then for a healthy worker container on this host (until the worker bound or the deadline), then
 * signal success.
 */
export function registrationSignalScript(
  target: RegistrationSignalTarget,
  waits: HostSignalWaits,
  layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT,
): string {
  if (!/^[A-Za-z0-9_-]+$/.test(target.workerTaskFamily)) {
    // ECS families are letters, digits, hyphens and underscores; anything else would break the quoting.
    throw new Error(`not a task definition family: ${JSON.stringify(target.workerTaskFamily)}`);
  }
  return [
    '#!/bin/sh',
    '# cdk-alluxio-minio: signal CloudFormation once the ECS agent has registered this host and its worker is healthy (first boot only).',
    'set -u',
    `stack='${target.stackName}'`,
    `resource='${target.resource}'`,
    `region='${target.region}'`,
    `family='${target.workerTaskFamily}'`,
    `cfn_signal='${layout.cfnSignal}'`,
    'say() { echo "cdk-alluxio-minio registration signal: $*" >&2; }',
    'now() { date +%s; }',
    'started=$(now)',
    `deadline=$((started + ${waits.deadlineSeconds}))`,
    '',
    'if [ ! -x "$cfn_signal" ] && ! dnf install -y -q aws-cfn-bootstrap; then',
    '  say "cannot install aws-cfn-bootstrap (no route to the Amazon Linux repository?): no signal; CloudFormation rolls back when its wait ends"',
    '  exit 1',
    'fi',
    'signal() {',
    '  "$cfn_signal" -e "$1" --reason "$2" --stack "$stack" --resource "$resource" --region "$region"',
    '}',
    '',
    `until curl -sf --max-time 5 '${layout.introspectionUrl}' | grep -q '"ContainerInstanceArn":"arn:'; do`,
    '  if [ "$(now)" -ge "$deadline" ]; then',
    '    waited=$(($(now) - started))',
    '    say "the ECS agent has not registered this host after ${waited} s: signalling failure"',
    '    signal 1 "the ECS agent did not register the host within ${waited} s (are the cache disks mounted? see the journal)"',
    '    exit 1',
    '  fi',
    `  sleep ${WAIT_STEP_SECONDS}`,
    'done',
    '',
    'registered=$(now)',
    `worker_deadline=$((registered + ${waits.workerWaitSeconds}))`,
    'if [ "$worker_deadline" -gt "$deadline" ]; then worker_deadline=$deadline; fi',
    'say "the ECS agent registered this host: waiting for a healthy worker container (task definition family $family)"',
    'until [ -n "$(docker ps -q --filter "label=com.amazonaws.ecs.task-definition-family=$family" --filter health=healthy 2>/dev/null)" ]; do',
    '  if [ "$(now)" -ge "$worker_deadline" ]; then',
    '    waited=$((worker_deadline - registered))',
    '    say "no healthy worker container on this host after ${waited} s (none comes at stack creation): signalling success anyway"',
    '    signal 0 "registered with the ECS cluster, no healthy worker container within ${waited} s"',
    '    exit $?',
    '  fi',
    `  sleep ${WAIT_STEP_SECONDS}`,
    'done',
    'say "the worker container on this host is healthy: signalling success"',
    'signal 0 "registered with the ECS cluster, worker container healthy"',
  ].join('\n');
}

/** The unit: after the agent, once (not at later boots: the group waits for a signal at launch only). */
export function registrationSignalUnit(layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT): string {
  return [
    '[Unit]',
    'Description=cdk-alluxio-minio: signal CloudFormation once the ECS agent has registered this host and its worker is healthy',
    'After=ecs.service',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${layout.scriptPath}`,
  ].join('\n');
}

/**
 * The user data commands: install the script and the unit, and queue the unit without waiting for it
 * (it runs after the agent, which starts after the user data).
 */
export function registrationSignalUserData(
  target: RegistrationSignalTarget,
  waits: HostSignalWaits,
  layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT,
): string[] {
  return [
    ...installScriptAndUnitsUserData({
      scriptPath: layout.scriptPath,
      script: registrationSignalScript(target, waits, layout),
      systemdDir: layout.systemdDir,
      units: { [REGISTRATION_SIGNAL_UNIT]: registrationSignalUnit(layout) },
    }),
    `systemctl start --no-block ${REGISTRATION_SIGNAL_UNIT}`,
  ];
}
