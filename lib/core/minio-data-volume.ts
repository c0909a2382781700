import { bootMountUnit, bootScriptUserData } from './host-boot-units';
import { InputError } from './input-error';

/**
 * How the provisioned MinIO host mounts its EBS data volume, as pure strings: the scripts run for
 * real under /bin/sh in the tests, against stand-in commands and a stand-in layout.
 *
 * The host does no AWS call: the ECS-optimized AL2023 AMI is built from the minimal AL2023 image and
 * has no AWS CLI (aws/amazon-ecs-ami, `packages_al2023`). A Lambda function attaches the volume while
 * the instance waits in its launch lifecycle hook; the host only waits for the device, formats a
 * blank volume once, mounts it by UUID, grows the file system and marks it. EC2 user data runs only
 * at the first launch, so it installs that script as a systemd unit that runs at every boot before
 * Docker and the ECS agent (which requires it), and as a timer that repeats it to grow the file
 * system after the volume grew.
 */

/** Paths on the host; parameters only so the tests run the scripts in a temporary directory. */
export interface DataVolumeHostLayout {
  /** Where udev names NVMe EBS volumes by serial (`nvme-Amazon_Elastic_Block_Store_vol…`), on Nitro instances. */
  readonly diskById: string;
  /** The device name the volume is attached as; Xen instances show it as is. */
  readonly attachDevice: string;
  readonly fstab: string;
  /** Where the volume is mounted; the MinIO task's host volume. */
  readonly mountPoint: string;
  /** Where the user data installs the mount script. */
  readonly scriptPath: string;
  /** Where the user data installs the systemd units. */
  readonly systemdDir: string;
}

/** The device name the volume is attached as (Nitro instances show it under its NVMe serial name too). */
export const DATA_VOLUME_DEVICE = '/dev/xvdf';

export const HOST_LAYOUT: DataVolumeHostLayout = {
  diskById: '/dev/disk/by-id',
  attachDevice: DATA_VOLUME_DEVICE,
  fstab: '/etc/fstab',
  mountPoint: '/mnt/minio-data',
  scriptPath: '/usr/local/sbin/cdk-alluxio-minio-data-volume',
  systemdDir: '/etc/systemd/system',
};

/** The file on the volume's root that says "this directory is the mounted data volume". */
export const DATA_VOLUME_MARKER = '.cdk-alluxio-minio-data-volume';

/** The exit code of a MinIO container that refuses to start on a directory that is not the volume. */
export const MINIO_REFUSED_EXIT_CODE = 78;

/** The environment of the function that attaches the volume at launch. */
export const ATTACH_VOLUME_ENV = {
  volumeId: 'DATA_VOLUME_ID',
  device: 'DATA_VOLUME_DEVICE',
} as const;

/** The systemd units the user data installs. */
export const DATA_VOLUME_UNITS = {
  mount: 'cdk-alluxio-minio-data-volume.service',
  grow: 'cdk-alluxio-minio-data-volume-grow.service',
  growTimer: 'cdk-alluxio-minio-data-volume-grow.timer',
} as const;

export interface DataVolumeScriptOptions {
  /**
   * How long to wait for the device (the lifecycle hook's function may first wait for the previous
   * host to release the volume).
   *
   * @default 900 seconds, the lifecycle hook's heartbeat
   */
  readonly waitSeconds?: number;
}

const WAIT_STEP_SECONDS = 5;

/**
 * The mount script (POSIX sh, idempotent). Exit 0 only when the volume is mounted at the mount point
 * and carries the marker; otherwise exit 1 and name the reason, so the ECS agent, which requires the
 * unit, does not start. A file system is made only on a volume on which blkid finds no signature at
 * all: any signature (a file system, a partition table) may be someone's data.
 */
export function dataVolumeMountScript(volumeId: string, layout: DataVolumeHostLayout = HOST_LAYOUT, options: DataVolumeScriptOptions = {}): string {
  const waitSeconds = options.waitSeconds ?? 900;
  const marker = `${layout.mountPoint}/${DATA_VOLUME_MARKER}`;
  return [
    '#!/bin/sh',
    '# cdk-alluxio-minio: mount the MinIO data volume (at every boot, and every 10 minutes to grow it).',
    'set -eu',
    `volume_id='${volumeId}'`,
    `mount_point='${layout.mountPoint}'`,
    `fstab='${layout.fstab}'`,
    `nvme_device="${layout.diskById}/nvme-Amazon_Elastic_Block_Store_$(printf '%s' "$volume_id" | tr -d -)"`,
    'say() { echo "cdk-alluxio-minio data volume: $*" >&2; }',
    '',
    '# Attached by the launch lifecycle hook, possibly after the previous host released it.',
    "device=''",
    'waited=0',
    'while :; do',
    '  if [ -e "$nvme_device" ]; then device=$nvme_device; break; fi',
    `  if [ -e '${layout.attachDevice}' ]; then device='${layout.attachDevice}'; break; fi`,
    `  if [ "$waited" -ge ${waitSeconds} ]; then`,
    '    say "volume $volume_id is not attached after ${waited} s: not mounting it, so the ECS agent does not start"',
    '    exit 1',
    '  fi',
    `  sleep ${WAIT_STEP_SECONDS}`,
    `  waited=$((waited + ${WAIT_STEP_SECONDS}))`,
    'done',
    '',
    '# blkid -p exits 2 when it finds no signature at all: only then is the volume blank.',
    'probe=0',
    'blkid -p "$device" >/dev/null 2>&1 || probe=$?',
    'if [ "$probe" -eq 2 ]; then',
    '  say "formatting the blank volume $volume_id ($device) with XFS"',
    '  mkfs.xfs -q "$device"',
    'elif [ "$probe" -ne 0 ]; then',
    '  say "blkid cannot tell what is on $device (exit $probe): not touching it"',
    '  exit 1',
    'fi',
    'uuid=$(blkid -p -s UUID -o value "$device" || true)',
    'fstype=$(blkid -p -s TYPE -o value "$device" || true)',
    'if [ -z "$uuid" ] || [ -z "$fstype" ]; then',
    '  say "$device holds something that is not a file system (a partition table?): not touching it"',
    '  exit 1',
    'fi',
    '',
    '# By UUID, so another device name after a reboot mounts the same file system; nofail, so a boot',
    '# without the volume does not hang (this unit, which the ECS agent requires, fails instead).',
    'entry="UUID=$uuid $mount_point $fstype defaults,noatime,nofail 0 2"',
    'if ! grep -qxF "$entry" "$fstab"; then',
    '  # Any other line for the mount point is an earlier volume: this one replaces it.',
    '  grep -v "^[^#]*[[:space:]]$mount_point[[:space:]]" "$fstab" > "$fstab.cdk-alluxio-minio" || true',
    '  printf \'%s\\n\' "$entry" >> "$fstab.cdk-alluxio-minio"',
    "  # Rewritten in place, keeping the file's owner, mode and SELinux label.",
    '  cat "$fstab.cdk-alluxio-minio" > "$fstab"',
    '  rm -f "$fstab.cdk-alluxio-minio"',
    'fi',
    'mkdir -p "$mount_point"',
    'mountpoint -q "$mount_point" || mount "$mount_point"',
    'if ! mountpoint -q "$mount_point"; then',
    '  say "$device is not mounted at $mount_point"',
    '  exit 1',
    'fi',
    '',
    '# A larger dataVolumeSize grows the volume in place; the file system follows (a no-op when it fills the volume).',
    'if [ "$fstype" = xfs ]; then',
    '  xfs_growfs "$mount_point" >/dev/null',
    'else',
    '  say "$fstype on $device is not grown automatically"',
    'fi',
    '',
    '# What the MinIO container checks for: on the volume, so the directory under an unmounted volume never has it.',
    `[ -e '${marker}' ] || printf '%s\\n' "$volume_id" > '${marker}'`,
    'say "volume $volume_id ($device, $fstype UUID $uuid) is mounted at $mount_point"',
  ].join('\n');
}

/** The systemd units: the mount before Docker and the ECS agent at every boot, and its periodic repeat. */
export function dataVolumeUnits(layout: DataVolumeHostLayout = HOST_LAYOUT): Record<string, string> {
  return {
    [DATA_VOLUME_UNITS.mount]: bootMountUnit({
      description: 'cdk-alluxio-minio: mount the MinIO data volume before Docker and the ECS agent start',
      scriptPath: layout.scriptPath,
      // The wait for the device is bounded by the script itself. Without the volume, MinIO would serve an empty directory.
      timeout: '20min',
    }),
    [DATA_VOLUME_UNITS.grow]: [
      '[Unit]',
      'Description=cdk-alluxio-minio: grow the MinIO data file system after its volume grew',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${layout.scriptPath}`,
    ].join('\n'),
    [DATA_VOLUME_UNITS.growTimer]: [
      '[Unit]',
      'Description=cdk-alluxio-minio: grow the MinIO data file system after its volume grew',
      '[Timer]',
      'OnBootSec=10min',
      'OnUnitActiveSec=10min',
      '[Install]',
      'WantedBy=timers.target',
    ].join('\n'),
  };
}

/** The user data commands (first launch only): install the script and the units, then mount now. */
export function dataVolumeUserData(volumeId: string, layout: DataVolumeHostLayout = HOST_LAYOUT, options: DataVolumeScriptOptions = {}): string[] {
  return bootScriptUserData({
    scriptPath: layout.scriptPath,
    script: dataVolumeMountScript(volumeId, layout, options),
    systemdDir: layout.systemdDir,
    units: dataVolumeUnits(layout),
    enable: [DATA_VOLUME_UNITS.mount, DATA_VOLUME_UNITS.growTimer],
    startNow: DATA_VOLUME_UNITS.mount,
    failureMessage: 'cdk-alluxio-minio: the MinIO data volume is not mounted: the ECS agent stays stopped',
    thenStart: [DATA_VOLUME_UNITS.growTimer],
  });
}

export interface MinioStartOptions {
  /** The data directory inside the container (the host volume's mount). */
  readonly dataPath: string;
  readonly port: number;
  /** @default '/usr/bin/docker-entrypoint.sh', the MinIO image's entrypoint */
  readonly entrypoint?: string;
}

/**
 * The MinIO container's command: start only when the data directory is the mounted volume (it
 * carries the marker), never on the empty directory of the root disk that is there when it is not.
 */
export function minioStartScript(options: MinioStartOptions): string {
  return [
    `if [ ! -e '${options.dataPath}/${DATA_VOLUME_MARKER}' ]; then`,
    `  echo "cdk-alluxio-minio: not starting MinIO: ${options.dataPath} is not the data volume (no ${DATA_VOLUME_MARKER}); ` +
      `see the host's journal for ${DATA_VOLUME_UNITS.mount}" >&2`,
    `  exit ${MINIO_REFUSED_EXIT_CODE}`,
    'fi',
    `exec ${options.entrypoint ?? '/usr/bin/docker-entrypoint.sh'} minio server '${options.dataPath}' --address ':${options.port}'`,
  ].join('\n');
}

/** The provisioned MinIO's placement options, as given (tokens are checked at deploy time). */
export interface DataVolumePlacement {
  readonly availabilityZone?: string;
  readonly dataVolumeId?: string;
  readonly dataVolumeSizeGiven: boolean;
  readonly dataVolumeRemovalPolicyGiven: boolean;
}

/** Throws an InputError naming the option when the placement cannot work; `isToken` tells deploy-time values. */
export function validateDataVolumePlacement(placement: DataVolumePlacement, isToken: (value: string) => boolean): void {
  const literal = (value: string | undefined): value is string => value !== undefined && !isToken(value);
  if (placement.availabilityZone !== undefined && isToken(placement.availabilityZone)) {
    throw new InputError(
      'minio.availabilityZone',
      "is only known at deploy time, but the host's subnet is chosen at synth",
      "give the zone's name as a literal, e.g. 'eu-west-1a'",
    );
  }
  if (literal(placement.availabilityZone) && !/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(placement.availabilityZone)) {
    throw new InputError('minio.availabilityZone', `'${placement.availabilityZone}' is not an availability zone name`, "give a zone name such as 'eu-west-1a'");
  }
  if (placement.dataVolumeId === undefined) return;
  if (literal(placement.dataVolumeId) && !/^vol-([0-9a-f]{8}|[0-9a-f]{17})$/.test(placement.dataVolumeId)) {
    throw new InputError(
      'minio.dataVolumeId',
      `'${placement.dataVolumeId}' is not an EBS volume id`,
      "give the id of the retained volume, e.g. 'vol-0123456789abcdef0'",
    );
  }
  if (placement.availabilityZone === undefined) {
    throw new InputError(
      'minio.dataVolumeId',
      'needs minio.availabilityZone: an EBS volume attaches only within its AZ, and the host must launch there',
      "also pass availabilityZone: the volume's AZ (aws ec2 describe-volumes --volume-ids <id> --query 'Volumes[0].AvailabilityZone')",
    );
  }
  if (placement.dataVolumeSizeGiven || placement.dataVolumeRemovalPolicyGiven) {
    throw new InputError(
      'minio.dataVolumeId',
      "an adopted volume is not the stack's: dataVolumeSize and dataVolumeRemovalPolicy do not apply to it",
      'drop dataVolumeSize and dataVolumeRemovalPolicy (grow an adopted volume with aws ec2 modify-volume; the host grows its file system)',
    );
  }
}
