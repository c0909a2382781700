/**
 * EC2 user data runs only at an instance's first launch. What must happen at every boot before Docker
 * and the ECS agent (mounting disks) is installed by it as a script and systemd units, then run once
 * now; when that run fails, the ECS agent's queued start is cancelled, so the host never joins the
 * cluster with what the script should have prepared missing.
 */
export interface BootScriptInstall extends ScriptAndUnits {
  /** The units enabled for every boot. */
  readonly enable: readonly string[];
  /** The unit started now, whose failure keeps the ECS agent stopped. */
  readonly startNow: string;
  /** What the host says when that start fails. */
  readonly failureMessage: string;
  /** Units started after it succeeded. */
  readonly thenStart?: readonly string[];
}

/** A script and the systemd units that run it, as the user data writes them. */
export interface ScriptAndUnits {
  readonly scriptPath: string;
  readonly script: string;
  readonly systemdDir: string;
  /** Unit file name → text. */
  readonly units: { readonly [name: string]: string };
}

/** The user data commands that write the script (executable) and the units, and make systemd read them. */
export function installScriptAndUnitsUserData(install: ScriptAndUnits): string[] {
  const files: Array<[string, string]> = [
    [install.scriptPath, install.script],
    ...Object.entries(install.units).map(([name, text]): [string, string] => [`${install.systemdDir}/${name}`, text]),
  ];
  const delimiter = 'CDK_ALLUXIO_MINIO_END_OF_FILE';
  return [
    `mkdir -p '${install.scriptPath.slice(0, install.scriptPath.lastIndexOf('/')) || '/'}' '${install.systemdDir}'`,
    ...files.flatMap(([path, text]) => [`cat > '${path}' <<'${delimiter}'`, text, delimiter]),
    `chmod 755 '${install.scriptPath}'`,
    'systemctl daemon-reload',
  ];
}

/** The user data commands that install and start a boot script (see BootScriptInstall). */
export function bootScriptUserData(install: BootScriptInstall): string[] {
  return [
    ...installScriptAndUnitsUserData(install),
    `systemctl enable ${install.enable.join(' ')}`,
    `if ! systemctl start ${install.startNow}; then`,
    `  echo "${install.failureMessage}" >&2`,
    '  systemctl stop --no-block ecs.service',
    '  exit 1',
    'fi',
    ...(install.thenStart ?? []).map((unit) => `systemctl start ${unit}`),
  ];
}

export interface BootMountUnit {
  readonly description: string;
  readonly scriptPath: string;
  /** The bound of the script's own waits, with room to spare. */
  readonly timeout: string;
}

/**
 * A oneshot unit that runs the mount script at every boot before Docker and the ECS agent, which
 * requires it: without what it mounts, the host never runs a task.
 */
export function bootMountUnit(unit: BootMountUnit): string {
  return [
    '[Unit]',
    `Description=${unit.description}`,
    'After=local-fs.target',
    'Before=docker.service ecs.service',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=${unit.scriptPath}`,
    `TimeoutStartSec=${unit.timeout}`,
    '[Install]',
    'WantedBy=multi-user.target',
    'RequiredBy=ecs.service',
  ].join('\n');
}
