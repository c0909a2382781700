import { bootMountUnit, bootScriptUserData } from './host-boot-units';

/**
 * How an EC2 worker host prepares its instance-store NVMe disks for the Alluxio cache, as pure strings:
 * the scripts run for real under /bin/sh in the tests, against stand-in commands and a stand-in layout.
 *
 * Instance-store disks come back blank after every stop/start (a new host underneath) and keep their
 * contents across a reboot. So at every boot, before Docker and the ECS agent, each disk is formatted
 * only when it holds no XFS file system, and mounted by device (no fstab line: a blank disk has a new
 * UUID each time). The ECS agent requires the unit: a host with fewer disks than its type has never
 * runs a worker whose tier quota counts the missing ones.
 */

/** Paths on the host; parameters only so the tests run the scripts in a temporary directory. */
export interface CacheDiskHostLayout {
  /** Where udev names NVMe devices by model and serial (`nvme-Amazon_EC2_NVMe_Instance_Storage_AWS…`). */
  readonly diskById: string;
  /** Disk i is mounted at `<mountRoot>/<i>`; the worker task's host volumes. */
  readonly mountRoot: string;
  readonly scriptPath: string;
  readonly systemdDir: string;
}

export const CACHE_DISK_HOST_LAYOUT: CacheDiskHostLayout = {
  diskById: '/dev/disk/by-id',
  mountRoot: '/mnt/alluxio-cache',
  scriptPath: '/usr/local/sbin/cdk-alluxio-minio-cache-disks',
  systemdDir: '/etc/systemd/system',
};

export const CACHE_DISKS_UNIT = 'cdk-alluxio-minio-cache-disks.service';

/** The uid and gid the official Alluxio image runs as: the worker writes its blocks as them. */
const ALLUXIO_IMAGE_UID = 1000;

export interface CacheDiskScriptOptions {
  /** How long to wait for the disks to appear (udev names them shortly after boot). */
  readonly waitSeconds?: number;
}

/** Where disk i is mounted on the host. */
export function cacheDiskMountPoints(diskCount: number, layout: CacheDiskHostLayout = CACHE_DISK_HOST_LAYOUT): string[] {
  return Array.from({ length: diskCount }, (_, i) => `${layout.mountRoot}/${i}`);
}

/** The boot script: wait for `diskCount` instance-store disks, format the blank ones, mount each. */
export function cacheDisksMountScript(diskCount: number, layout: CacheDiskHostLayout = CACHE_DISK_HOST_LAYOUT, options: CacheDiskScriptOptions = {}): string {
  const waitSeconds = options.waitSeconds ?? 120;
  return [
    '#!/bin/sh',
    '# cdk-alluxio-minio: format (when blank) and mount the instance-store disks the Alluxio worker caches on, at every boot.',
    'set -eu',
    `expected=${diskCount}`,
    `mount_root='${layout.mountRoot}'`,
    'say() { echo "cdk-alluxio-minio cache disks: $*" >&2; }',
    '',
    '# One line per disk: udev may link a disk under several names (with and without its namespace id), so',
    '# the links are resolved and each device kept once, in the order of the links (by serial, stable).',
    'disks() {',
    `  for link in '${layout.diskById}'/nvme-Amazon_EC2_NVMe_Instance_Storage_*; do`,
    '    case "$link" in *-part*) continue ;; esac',
    '    [ -e "$link" ] && readlink -f "$link"',
    "  done | awk '!seen[$0]++'",
    '}',
    '',
    'waited=0',
    'while [ "$(disks | wc -l)" -lt "$expected" ]; do',
    `  if [ "$waited" -ge ${waitSeconds} ]; then`,
    '    say "found $(disks | wc -l) of $expected instance-store disks after ${waited} s: not starting the ECS agent (the tier quota counts $expected)"',
    '    exit 1',
    '  fi',
    '  sleep 5',
    '  waited=$((waited + 5))',
    'done',
    '',
    'i=0',
    'for device in $(disks | head -n "$expected"); do',
    '  mount_point="$mount_root/$i"',
    '  mkdir -p "$mount_point"',
    '  if ! mountpoint -q "$mount_point"; then',
    '    fstype=$(blkid -p -s TYPE -o value "$device" 2>/dev/null || true)',
    '    # A cache holds nothing MinIO does not: anything but our XFS is formatted over.',
    '    if [ "$fstype" != xfs ]; then',
    '      say "formatting $device (${fstype:-blank}) with XFS for $mount_point"',
    '      mkfs.xfs -f -q "$device"',
    '    fi',
    '    mount -o noatime "$device" "$mount_point"',
    '  fi',
    `  chown ${ALLUXIO_IMAGE_UID}:${ALLUXIO_IMAGE_UID} "$mount_point/"`,
    '  chmod 750 "$mount_point/"',
    '  say "$device is mounted at $mount_point"',
    '  i=$((i + 1))',
    'done',
  ].join('\n');
}

/** The systemd unit: the disks mounted before Docker and the ECS agent at every boot. */
export function cacheDisksUnit(layout: CacheDiskHostLayout = CACHE_DISK_HOST_LAYOUT): string {
  return bootMountUnit({
    description: 'cdk-alluxio-minio: format and mount the Alluxio cache disks before Docker and the ECS agent start',
    scriptPath: layout.scriptPath,
    // The wait for the disks and formatting them are bounded by the script.
    timeout: '10min',
  });
}

/** The user data commands (first launch only): install the script and the unit, then mount now. */
export function cacheDisksUserData(diskCount: number, layout: CacheDiskHostLayout = CACHE_DISK_HOST_LAYOUT, options: CacheDiskScriptOptions = {}): string[] {
  return bootScriptUserData({
    scriptPath: layout.scriptPath,
    script: cacheDisksMountScript(diskCount, layout, options),
    systemdDir: layout.systemdDir,
    units: { [CACHE_DISKS_UNIT]: cacheDisksUnit(layout) },
    enable: [CACHE_DISKS_UNIT],
    startNow: CACHE_DISKS_UNIT,
    failureMessage: 'cdk-alluxio-minio: the Alluxio cache disks are not mounted: the ECS agent stays stopped',
  });
}
