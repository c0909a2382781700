import { installScriptAndUnitsUserData } from './host-boot-units';

/**
 * How a new NVMe worker host tells CloudFormation it is ready, as pure strings: the script runs for
 * real under /bin/sh in the tests, against stand-in commands.
 *
 * The worker group's rolling update replaces one host at a time and waits for each new host's
 * success signal (AutoScalingRollingUpdate with WaitOnResourceSignals, AWS CloudFormation User Guide,
 * "UpdatePolicy attribute"). "Ready" is the ECS agent having registered the instance with the
 * cluster: only then can the worker task be placed there, and the agent starts only after the cache
 * disks are mounted (the boot unit it requires). The ECS-optimized AMI starts the agent after
 * cloud-init's user data, so the user data cannot wait for the registration itself: it installs the
 * wait as a unit ordered after the agent and starts it without blocking. The agent's introspection
 * endpoint answers `ContainerInstanceArn` once registered (ECS Developer Guide, "Amazon ECS container
 * introspection"). cfn-signal is not on the ECS-optimized AMI (CloudFormation helper scripts
 * reference: "not on Optimized AMIs, such as ECS Optimized Image"); the script installs
 * aws-cfn-bootstrap from the Amazon Linux repository first. A host that cannot install it, or whose
 * agent does not register in time, signals failure (or nothing): CloudFormation then rolls the update back.
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

/** Which resource of which stack the signal is for (CloudFormation values, resolved at deploy time). */
export interface RegistrationSignalTarget {
  readonly stackName: string;
  /** The Auto Scaling group's logical id. */
  readonly resource: string;
  readonly region: string;
}

export interface RegistrationSignalOptions {
  /**
   * How long to wait for the agent to register the instance; less than the group's signal timeout.
   *
   * @default 600 seconds
   */
  readonly waitSeconds?: number;
}

const WAIT_STEP_SECONDS = 5;

/** The script: wait for the agent's registration, then signal success; signal failure when it does not come. */
export function registrationSignalScript(target: RegistrationSignalTarget, layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT, options: RegistrationSignalOptions = {}): string {
  const waitSeconds = options.waitSeconds ?? 600;
  return [
    '#!/bin/sh',
    '# cdk-alluxio-minio: signal CloudFormation once the ECS agent has registered this host (first boot only).',
    'set -u',
    `stack='${target.stackName}'`,
    `resource='${target.resource}'`,
    `region='${target.region}'`,
    `cfn_signal='${layout.cfnSignal}'`,
    'say() { echo "cdk-alluxio-minio registration signal: $*" >&2; }',
    '',
    'if [ ! -x "$cfn_signal" ] && ! dnf install -y -q aws-cfn-bootstrap; then',
    '  say "cannot install aws-cfn-bootstrap (no route to the Amazon Linux repository?): no signal; CloudFormation rolls back when its wait ends"',
    '  exit 1',
    'fi',
    'signal() {',
    '  "$cfn_signal" -e "$1" --reason "$2" --stack "$stack" --resource "$resource" --region "$region"',
    '}',
    '',
    'waited=0',
    'while :; do',
    `  if curl -sf --max-time 5 '${layout.introspectionUrl}' | grep -q '"ContainerInstanceArn":"arn:'; then`,
    '    say "the ECS agent registered this host: signalling success"',
    '    signal 0 "registered with the ECS cluster"',
    '    exit $?',
    '  fi',
    `  if [ "$waited" -ge ${waitSeconds} ]; then`,
    '    say "the ECS agent has not registered this host after ${waited} s: signalling failure"',
    '    signal 1 "the ECS agent did not register the host within ${waited} s (are the cache disks mounted? see the journal)"',
    '    exit 1',
    '  fi',
    `  sleep ${WAIT_STEP_SECONDS}`,
    `  waited=$((waited + ${WAIT_STEP_SECONDS}))`,
    'done',
  ].join('\n');
}

/** The unit: after the agent, once (not at later boots: the group waits for a signal at launch only). */
export function registrationSignalUnit(layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT): string {
  return [
    '[Unit]',
    'Description=cdk-alluxio-minio: signal CloudFormation once the ECS agent has registered this host',
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
export function registrationSignalUserData(target: RegistrationSignalTarget, layout: RegistrationSignalLayout = REGISTRATION_SIGNAL_LAYOUT, options: RegistrationSignalOptions = {}): string[] {
  return [
    ...installScriptAndUnitsUserData({
      scriptPath: layout.scriptPath,
      script: registrationSignalScript(target, layout, options),
      systemdDir: layout.systemdDir,
      units: { [REGISTRATION_SIGNAL_UNIT]: registrationSignalUnit(layout) },
    }),
    `systemctl start --no-block ${REGISTRATION_SIGNAL_UNIT}`,
  ];
}
