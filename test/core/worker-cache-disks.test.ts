import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DISKS_UNIT, CacheDiskHostLayout, cacheDiskMountPoints, cacheDisksMountScript, cacheDisksUserData } from '../../lib/core/worker-cache-disks';

/*
 * The worker host's boot script runs for real under /bin/sh, against a stand-in host: files for the
 * NVMe devices, the udev links to them (two per disk, as udev makes with and without the namespace id),
 * and stand-ins on PATH for the commands that need a kernel (blkid, mkfs.xfs, mount, mountpoint) or
 * time (sleep), each recording how it was called. "Mounting" replaces the mount point with a link to
 * the disk's file system, so what the worker writes there lands on the disk; a reboot removes the links;
 * a stop/start also blanks every disk (a new host's instance store).
 */

interface StandInHost {
  readonly layout: CacheDiskHostLayout;
  readonly bin: string;
  calls(): string[];
  /** The disk's file system as a mount shows it. */
  fsOf(disk: string): string;
  attach(disks: string[]): void;
  reboot(): void;
  stopStart(): void;
  mountedAt(mountPoint: string): string | undefined;
}

function standInHost(): StandInHost {
  const root = mkdtempSync(join(tmpdir(), 'worker-host-'));
  const bin = join(root, 'bin');
  const devices = join(root, 'dev');
  const disksDir = join(root, 'disks');
  const layout: CacheDiskHostLayout = {
    diskById: join(devices, 'disk', 'by-id'),
    mountRoot: join(root, 'mnt', 'alluxio-cache'),
    scriptPath: join(root, 'usr', 'local', 'sbin', 'cdk-alluxio-minio-cache-disks'),
    systemdDir: join(root, 'etc', 'systemd', 'system'),
  };
  for (const dir of [bin, layout.diskById, disksDir]) mkdirSync(dir, { recursive: true });
  const callLog = join(root, 'calls.log');
  const record = (name: string) => `echo "${name} $*" >> '${callLog}'`;
  const fsDir = (device: string) => `'${disksDir}'/$(basename "${device}")`;
  const tools: Record<string, string> = {
    // blkid -p -s TYPE -o value DEVICE: the type when formatted; exit 2 when blank.
    blkid: [record('blkid'), 'for device; do :; done', `[ -e ${fsDir('$device')}.type ] || exit 2`, `cat ${fsDir('$device')}.type`].join('\n'),
    'mkfs.xfs': [
      record('mkfs.xfs'),
      'for device; do :; done',
      `rm -rf ${fsDir('$device')}`,
      `mkdir -p ${fsDir('$device')}`,
      `echo xfs > ${fsDir('$device')}.type`,
    ].join('\n'),
    // mount -o noatime DEVICE MOUNTPOINT
    mount: [
      record('mount'),
      '[ "$1" = -o ] && shift 2',
      `[ -d ${fsDir('$1')} ] || { echo "mount: $1: no file system" >&2; exit 32; }`,
      `rmdir "$2" && ln -s ${fsDir('$1')} "$2"`,
    ].join('\n'),
    mountpoint: '[ -L "$2" ]',
    sleep: record('sleep'),
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const unmountAll = () => {
    if (!existsSync(layout.mountRoot)) return;
    for (const entry of readdirSync(layout.mountRoot)) {
      const mountPoint = join(layout.mountRoot, entry);
      if (lstatSync(mountPoint).isSymbolicLink()) {
        rmSync(mountPoint);
        mkdirSync(mountPoint);
      }
    }
  };
  return {
    layout,
    bin,
    calls: () => (existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) : []),
    fsOf: (disk) => join(disksDir, disk),
    attach: (disks) => {
      for (const [i, disk] of disks.entries()) {
        writeFileSync(join(devices, disk), '');
        const serial = `AWS${1000 + i}`;
        symlinkSync(join(devices, disk), join(layout.diskById, `nvme-Amazon_EC2_NVMe_Instance_Storage_${serial}`));
        symlinkSync(join(devices, disk), join(layout.diskById, `nvme-Amazon_EC2_NVMe_Instance_Storage_${serial}_1`));
      }
    },
    reboot: () => {
      unmountAll();
      writeFileSync(callLog, '');
    },
    stopStart: () => {
      unmountAll();
      rmSync(disksDir, { recursive: true, force: true });
      mkdirSync(disksDir);
      writeFileSync(callLog, '');
    },
    mountedAt: (mountPoint) => (existsSync(mountPoint) && lstatSync(mountPoint).isSymbolicLink() ? readlinkTarget(mountPoint) : undefined),
  };
}

function readlinkTarget(path: string): string {
  return require('node:fs').readlinkSync(path);
}

function boot(host: StandInHost, diskCount: number) {
  const run = spawnSync('/bin/sh', ['-c', cacheDisksMountScript(diskCount, host.layout, { waitSeconds: 20 })], {
    env: { PATH: `${host.bin}:/usr/bin:/bin` },
    timeout: 10_000,
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('the cache disks boot script', () => {
  test('first boot: each blank disk is formatted once and mounted at its own directory, owned by the image user', () => {
    const host = standInHost();
    host.attach(['nvme1n1', 'nvme2n1']);
    expect(boot(host, 2).status).toBe(0);
    const [first, second] = cacheDiskMountPoints(2, host.layout);
    expect(
      host
        .calls()
        .filter((c) => c.startsWith('mkfs.xfs'))
        .map((c) => c.split('/').pop()),
    ).toEqual(['nvme1n1', 'nvme2n1']);
    expect(host.mountedAt(first)).toBe(host.fsOf('nvme1n1'));
    expect(host.mountedAt(second)).toBe(host.fsOf('nvme2n1'));
    for (const mountPoint of [first, second]) {
      expect(statSync(mountPoint).uid).toBe(1000);
      expect(statSync(mountPoint).mode & 0o777).toBe(0o750);
    }
  });

  test('reboot: the cached blocks are kept (nothing formatted) and each disk is mounted again', () => {
    const host = standInHost();
    host.attach(['nvme1n1']);
    boot(host, 1);
    writeFileSync(join(cacheDiskMountPoints(1, host.layout)[0], 'block-1'), 'cached');
    host.reboot();
    expect(boot(host, 1).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('mkfs'))).toEqual([]);
    expect(readFileSync(join(cacheDiskMountPoints(1, host.layout)[0], 'block-1'), 'utf8')).toBe('cached');
  });

  test('stop and start: the new blank disks are formatted again and mounted', () => {
    const host = standInHost();
    host.attach(['nvme1n1', 'nvme2n1']);
    boot(host, 2);
    host.stopStart();
    expect(boot(host, 2).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('mkfs.xfs'))).toHaveLength(2);
    expect(cacheDiskMountPoints(2, host.layout).map((m) => host.mountedAt(m))).toEqual([host.fsOf('nvme1n1'), host.fsOf('nvme2n1')]);
  });

  test('a second run in the same boot changes nothing', () => {
    const host = standInHost();
    host.attach(['nvme1n1']);
    boot(host, 1);
    host.reboot();
    boot(host, 1);
    const calls = host.calls().length;
    expect(boot(host, 1).status).toBe(0);
    expect(
      host
        .calls()
        .slice(calls)
        .filter((c) => /^(mkfs|mount)/.test(c)),
    ).toEqual([]);
  });

  test('fewer disks than the type has: waits (bounded), then fails before mounting any, saying how many it found', () => {
    const host = standInHost();
    host.attach(['nvme1n1']);
    const run = boot(host, 2);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/found 1 of 2 instance-store disks after 20 s/);
    expect(host.calls().filter((c) => c.startsWith('sleep'))).toHaveLength(4);
    expect(host.calls().filter((c) => /^(mkfs|mount)/.test(c))).toEqual([]);
  });
});

describe('the cache disks user data', () => {
  test('installs the script and a unit the ECS agent requires, and keeps the agent stopped when the first mount fails', () => {
    const commands = cacheDisksUserData(2).join('\n');
    expect(commands).toContain("cat > '/usr/local/sbin/cdk-alluxio-minio-cache-disks'");
    expect(commands).toContain(`systemctl enable ${CACHE_DISKS_UNIT}`);
    expect(commands).toMatch(/RequiredBy=ecs\.service/);
    expect(commands).toMatch(/Before=docker\.service ecs\.service/);
    expect(commands).toMatch(
      new RegExp(`if ! systemctl start ${CACHE_DISKS_UNIT.replace(/\./g, '\\.')}; then\\n.*\\n  systemctl stop --no-block ecs\\.service\\n  exit 1`),
    );
  });

  test('the installed script is itself valid /bin/sh', () => {
    const check = spawnSync('/bin/sh', ['-n', '-c', cacheDisksMountScript(4)], { encoding: 'utf8' });
    expect(check.status).toBe(0);
  });
});
