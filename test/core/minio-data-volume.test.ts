import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATA_VOLUME_MARKER,
  DATA_VOLUME_UNITS,
  DataVolumeHostLayout,
  dataVolumeMountScript,
  dataVolumeUserData,
  MINIO_REFUSED_EXIT_CODE,
  minioStartScript,
} from '../../lib/core/minio-data-volume';

/*
 * The host's boot scripts run for real under /bin/sh, against a stand-in host: a directory for the
 * root disk (fstab, the mount point), a directory for the EBS volume, and stand-ins on PATH for the
 * commands that need a kernel (blkid, mkfs.xfs, mount, mountpoint, xfs_growfs) or time (sleep), each
 * recording how it was called. "Mounting" replaces the mount point with a link to the volume's file
 * system, so whatever the script writes there lands on the volume, as on a real host; a reboot
 * removes the link and the empty directory of the root disk is back.
 */

const VOLUME_ID = 'vol-0123456789abcdef0';

interface StandInHost {
  readonly layout: DataVolumeHostLayout;
  readonly bin: string;
  /** The volume's file system (what a mount shows), once formatted. */
  readonly volumeRoot: string;
  calls(): string[];
  /** The volume appears as its NVMe name (attached), or not at all. */
  attach(): void;
  format(uuid: string, type?: string): void;
  /** A signature that is no file system: blkid finds it, but no UUID or TYPE. */
  partitionTable(): void;
  reboot(): void;
  mounted(): boolean;
}

function standInHost(): StandInHost {
  const root = mkdtempSync(join(tmpdir(), 'minio-host-'));
  const bin = join(root, 'bin');
  const volume = join(root, 'volume');
  const volumeRoot = join(volume, 'fs');
  const layout: DataVolumeHostLayout = {
    diskById: join(root, 'dev', 'disk', 'by-id'),
    attachDevice: join(root, 'dev', 'xvdf'),
    fstab: join(root, 'etc', 'fstab'),
    mountPoint: join(root, 'mnt', 'minio-data'),
    scriptPath: join(root, 'usr', 'local', 'sbin', 'cdk-alluxio-minio-data-volume'),
    systemdDir: join(root, 'etc', 'systemd', 'system'),
  };
  for (const dir of [bin, volume, layout.diskById, join(root, 'etc')]) mkdirSync(dir, { recursive: true });
  writeFileSync(layout.fstab, 'UUID=root-uuid / xfs defaults,noatime 1 1\n');
  const callLog = join(root, 'calls.log');
  const signature = join(volume, 'signature');
  const nvmeDevice = join(layout.diskById, `nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace('-', '')}`);
  const record = (name: string) => `echo "${name} $*" >> '${callLog}'`;
  const tools: Record<string, string> = {
    // blkid -p DEVICE | blkid -p -s UUID|TYPE -o value DEVICE; exit 2 when no signature.
    blkid: [
      record('blkid'),
      `[ -e '${signature}' ] || exit 2`,
      'case "$*" in',
      `  *"-s UUID"*) sed -n 1p '${signature}' ;;`,
      `  *"-s TYPE"*) sed -n 2p '${signature}' ;;`,
      `  *) echo "$(sed -n 1p '${signature}')" ;;`,
      'esac',
    ].join('\n'),
    'mkfs.xfs': [record('mkfs.xfs'), `printf 'fresh-uuid\\nxfs\\n' > '${signature}'`, `mkdir -p '${volumeRoot}'`].join('\n'),
    // mount MOUNTPOINT: by the fstab line for it, which must name the volume's UUID.
    mount: [
      record('mount'),
      `line=$(grep "^[^#]*[[:space:]]$1[[:space:]]" '${layout.fstab}')`,
      `[ "$line" = "UUID=$(sed -n 1p '${signature}') $1 $(sed -n 2p '${signature}') defaults,noatime,nofail 0 2" ] || { echo "mount: no fstab entry for the volume at $1" >&2; exit 32; }`,
      `mv "$1" "$1.under" && ln -s '${volumeRoot}' "$1"`,
    ].join('\n'),
    mountpoint: `[ -L "$2" ]`,
    xfs_growfs: record('xfs_growfs'),
    sleep: record('sleep'),
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return {
    layout,
    bin,
    volumeRoot,
    calls: () => (existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) : []),
    attach: () => writeFileSync(nvmeDevice, ''),
    format: (uuid, type = 'xfs') => {
      writeFileSync(signature, `${uuid}\n${type}\n`);
      mkdirSync(volumeRoot, { recursive: true });
    },
    partitionTable: () => writeFileSync(signature, '\n\n'),
    reboot: () => {
      if (existsSync(`${layout.mountPoint}.under`)) {
        rmSync(layout.mountPoint);
        renameSync(`${layout.mountPoint}.under`, layout.mountPoint);
      }
      writeFileSync(callLog, '');
    },
    mounted: () => existsSync(layout.mountPoint) && lstatSync(layout.mountPoint).isSymbolicLink(),
  };
}

function runScript(host: Pick<StandInHost, 'bin'>, script: string): { status: number | null; stderr: string } {
  const run = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${host.bin}:/usr/bin:/bin` }, timeout: 10_000, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

const boot = (host: StandInHost) => runScript(host, dataVolumeMountScript(VOLUME_ID, host.layout, { waitSeconds: 30 }));
const fstabLines = (host: StandInHost) => readFileSync(host.layout.fstab, 'utf8').trim().split('\n');

describe('the data volume mount script', () => {
  test('first boot: formats the blank volume once, mounts it by UUID with nofail, and marks it on the volume', () => {
    const host = standInHost();
    host.attach();
    expect(boot(host)).toEqual({ status: 0, stderr: expect.stringContaining('is mounted at') });
    expect(host.calls().filter((c) => c.startsWith('mkfs.xfs'))).toEqual([
      `mkfs.xfs -q ${host.layout.diskById}/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace('-', '')}`,
    ]);
    expect(fstabLines(host)).toEqual([
      'UUID=root-uuid / xfs defaults,noatime 1 1',
      `UUID=fresh-uuid ${host.layout.mountPoint} xfs defaults,noatime,nofail 0 2`,
    ]);
    expect(host.mounted()).toBe(true);
    // The marker is on the volume, not on the root disk under it.
    expect(readFileSync(join(host.volumeRoot, DATA_VOLUME_MARKER), 'utf8')).toBe(`${VOLUME_ID}\n`);
    expect(existsSync(join(`${host.layout.mountPoint}.under`, DATA_VOLUME_MARKER))).toBe(false);
  });

  test('second boot (reboot, stop/start): the same volume is mounted again, never formatted again, fstab unchanged', () => {
    const host = standInHost();
    host.attach();
    boot(host);
    writeFileSync(join(host.volumeRoot, 'object'), 'data MinIO wrote');
    const fstabAfterFirstBoot = readFileSync(host.layout.fstab, 'utf8');
    host.reboot();
    expect(host.mounted()).toBe(false);
    expect(boot(host).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('mkfs'))).toEqual([]);
    expect(host.calls()).toContain(`mount ${host.layout.mountPoint}`);
    expect(readFileSync(host.layout.fstab, 'utf8')).toBe(fstabAfterFirstBoot);
    expect(readFileSync(join(host.layout.mountPoint, 'object'), 'utf8')).toBe('data MinIO wrote');
  });

  test('an already formatted volume (adopted, or from an earlier host) keeps its data and gets the marker once mounted', () => {
    const host = standInHost();
    host.attach();
    host.format('kept-uuid');
    writeFileSync(join(host.volumeRoot, 'object'), 'older data');
    expect(boot(host).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('mkfs'))).toEqual([]);
    expect(fstabLines(host)).toContain(`UUID=kept-uuid ${host.layout.mountPoint} xfs defaults,noatime,nofail 0 2`);
    expect(readFileSync(join(host.volumeRoot, 'object'), 'utf8')).toBe('older data');
    expect(existsSync(join(host.volumeRoot, DATA_VOLUME_MARKER))).toBe(true);
  });

  test('a line for the mount point left by an earlier volume is replaced, other lines kept', () => {
    const host = standInHost();
    writeFileSync(
      host.layout.fstab,
      `UUID=root-uuid / xfs defaults 1 1\nUUID=old-volume ${host.layout.mountPoint} xfs defaults,nofail 0 2\n# ${host.layout.mountPoint} a comment\n`,
    );
    host.attach();
    host.format('new-volume');
    expect(boot(host).status).toBe(0);
    expect(fstabLines(host)).toEqual([
      'UUID=root-uuid / xfs defaults 1 1',
      `# ${host.layout.mountPoint} a comment`,
      `UUID=new-volume ${host.layout.mountPoint} xfs defaults,noatime,nofail 0 2`,
    ]);
  });

  test('missing volume: waits its bounded time, then fails naming the volume, with nothing formatted, mounted or marked', () => {
    const host = standInHost();
    const result = boot(host);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`volume ${VOLUME_ID} is not attached after 30 s`);
    expect(host.calls().filter((c) => c.startsWith('sleep'))).toHaveLength(6);
    expect(host.calls().filter((c) => !c.startsWith('sleep'))).toEqual([]);
    expect(host.mounted()).toBe(false);
    expect(existsSync(join(host.layout.mountPoint, DATA_VOLUME_MARKER))).toBe(false);
  });

  test('a volume attached while the script waits is mounted as soon as it appears', () => {
    const host = standInHost();
    // The second sleep is when the lifecycle hook's function attaches it.
    writeFileSync(
      join(host.bin, 'sleep'),
      `#!/bin/sh\necho "sleep $*" >> '${join(host.layout.fstab, '..', '..', 'calls.log')}'\n[ "$(grep -c sleep '${join(host.layout.fstab, '..', '..', 'calls.log')}')" -lt 2 ] || : > '${join(host.layout.diskById, `nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace('-', '')}`)}'\n`,
    );
    expect(boot(host).status).toBe(0);
    expect(host.calls().filter((c) => c.startsWith('sleep'))).toHaveLength(2);
    expect(host.mounted()).toBe(true);
  });

  test('on a Xen instance the volume is found under its attach device name', () => {
    const host = standInHost();
    writeFileSync(host.layout.attachDevice, '');
    expect(boot(host).status).toBe(0);
    expect(host.calls()).toContain(`mkfs.xfs -q ${host.layout.attachDevice}`);
  });

  test('a signature that is not a file system (a partition table) is never formatted over', () => {
    const host = standInHost();
    host.attach();
    host.partitionTable();
    const result = boot(host);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not a file system');
    expect(host.calls().filter((c) => c.startsWith('mkfs') || c.startsWith('mount'))).toEqual([]);
  });

  test('grows the XFS file system on every run, so a larger dataVolumeSize reaches it without a reboot', () => {
    const host = standInHost();
    host.attach();
    boot(host);
    expect(host.calls().filter((c) => c.startsWith('xfs_growfs'))).toEqual([`xfs_growfs ${host.layout.mountPoint}`]);
    // The timer's run on a mounted volume: nothing but the grow (and the probes).
    writeFileSync(join(host.layout.fstab, '..', '..', 'calls.log'), '');
    expect(boot(host).status).toBe(0);
    expect(host.calls().filter((c) => !c.startsWith('blkid'))).toEqual([`xfs_growfs ${host.layout.mountPoint}`]);
  });

  test('a mount that fails leaves the script failing, and no marker on the root disk', () => {
    const host = standInHost();
    host.attach();
    writeFileSync(join(host.bin, 'mount'), '#!/bin/sh\nexit 32\n');
    const result = boot(host);
    expect(result.status).not.toBe(0);
    expect(existsSync(join(host.layout.mountPoint, DATA_VOLUME_MARKER))).toBe(false);
  });
});

describe('the user data (first launch)', () => {
  function withSystemctl(host: StandInHost, startSucceeds: boolean): void {
    const log = join(host.layout.fstab, '..', '..', 'calls.log');
    writeFileSync(
      join(host.bin, 'systemctl'),
      `#!/bin/sh\necho "systemctl $*" >> '${log}'\ncase "$*" in "start ${DATA_VOLUME_UNITS.mount}") ${startSucceeds ? 'exit 0' : 'exit 1'} ;; esac\n`,
    );
    chmodSync(join(host.bin, 'systemctl'), 0o755);
  }

  test('installs the mount script and its units, enables them, and mounts before the ECS agent may start', () => {
    const host = standInHost();
    withSystemctl(host, true);
    expect(runScript(host, dataVolumeUserData(VOLUME_ID, host.layout).join('\n')).status).toBe(0);
    expect(readFileSync(host.layout.scriptPath, 'utf8')).toBe(`${dataVolumeMountScript(VOLUME_ID, host.layout)}\n`);
    expect(lstatSync(host.layout.scriptPath).mode & 0o111).toBe(0o111);
    const mountUnit = readFileSync(join(host.layout.systemdDir, DATA_VOLUME_UNITS.mount), 'utf8');
    expect(mountUnit).toContain(`ExecStart=${host.layout.scriptPath}`);
    expect(mountUnit).toContain('Before=docker.service ecs.service');
    expect(mountUnit).toContain('RequiredBy=ecs.service');
    expect(readFileSync(join(host.layout.systemdDir, DATA_VOLUME_UNITS.growTimer), 'utf8')).toContain('OnUnitActiveSec=10min');
    expect(readFileSync(join(host.layout.systemdDir, DATA_VOLUME_UNITS.grow), 'utf8')).toContain(`ExecStart=${host.layout.scriptPath}`);
    expect(host.calls()).toEqual([
      'systemctl daemon-reload',
      `systemctl enable ${DATA_VOLUME_UNITS.mount} ${DATA_VOLUME_UNITS.growTimer}`,
      `systemctl start ${DATA_VOLUME_UNITS.mount}`,
      `systemctl start ${DATA_VOLUME_UNITS.growTimer}`,
    ]);
  });

  test("when the volume cannot be mounted, cancels the ECS agent's start so the host never joins the cluster", () => {
    const host = standInHost();
    withSystemctl(host, false);
    const result = runScript(host, dataVolumeUserData(VOLUME_ID, host.layout).join('\n'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the ECS agent stays stopped');
    expect(host.calls().slice(-1)).toEqual(['systemctl stop --no-block ecs.service']);
  });
});

describe('the MinIO container', () => {
  function container(): { dataPath: string; bin: string; log: string } {
    const root = mkdtempSync(join(tmpdir(), 'minio-container-'));
    const dataPath = join(root, 'data');
    mkdirSync(dataPath);
    const log = join(root, 'entrypoint.log');
    writeFileSync(join(root, 'docker-entrypoint.sh'), `#!/bin/sh\necho "$*" > '${log}'\n`);
    chmodSync(join(root, 'docker-entrypoint.sh'), 0o755);
    return { dataPath, bin: root, log };
  }

  test('refuses to start on a data directory without the marker (the root disk under an unmounted volume)', () => {
    const c = container();
    const result = runScript({ bin: c.bin }, minioStartScript({ dataPath: c.dataPath, port: 9000, entrypoint: join(c.bin, 'docker-entrypoint.sh') }));
    expect(result.status).toBe(MINIO_REFUSED_EXIT_CODE);
    expect(result.stderr).toContain(`${c.dataPath} is not the data volume`);
    expect(existsSync(c.log)).toBe(false);
  });

  test('starts MinIO through the image entrypoint when the data directory is the volume', () => {
    const c = container();
    writeFileSync(join(c.dataPath, DATA_VOLUME_MARKER), `${VOLUME_ID}\n`);
    expect(runScript({ bin: c.bin }, minioStartScript({ dataPath: c.dataPath, port: 9000, entrypoint: join(c.bin, 'docker-entrypoint.sh') })).status).toBe(0);
    expect(readFileSync(c.log, 'utf8')).toBe(`minio server ${c.dataPath} --address :9000\n`);
  });
});
