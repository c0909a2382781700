import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootMountUnit, bootScriptUserData, installScriptAndUnitsUserData } from '../../lib/core/host-boot-units';

/*
 * The user data helpers on made-up scripts and units; the suites of the disks, the data volume and the
 * registration signal run them with their own. One test runs the commands under /bin/sh, with a
 * systemctl stand-in on PATH that records its arguments.
 */
const END = 'CDK_ALLUXIO_MINIO_END_OF_FILE';
const INSTALL = {
  scriptPath: '/usr/local/sbin/prepare',
  script: '#!/bin/sh\necho prepare',
  systemdDir: '/etc/systemd/system',
  units: { 'prepare.service': '[Unit]\nA', 'prepare.timer': '[Timer]\nB' },
};

describe('installScriptAndUnitsUserData', () => {
  test('makes both directories, writes the script then each unit, and reloads systemd only after the last file', () => {
    expect(installScriptAndUnitsUserData(INSTALL)).toEqual([
      "mkdir -p '/usr/local/sbin' '/etc/systemd/system'",
      `cat > '/usr/local/sbin/prepare' <<'${END}'`,
      '#!/bin/sh\necho prepare',
      END,
      `cat > '/etc/systemd/system/prepare.service' <<'${END}'`,
      '[Unit]\nA',
      END,
      `cat > '/etc/systemd/system/prepare.timer' <<'${END}'`,
      '[Timer]\nB',
      END,
      "chmod 755 '/usr/local/sbin/prepare'",
      'systemctl daemon-reload',
    ]);
  });

  test('a script in the root directory still gets a directory to make', () => {
    expect(installScriptAndUnitsUserData({ ...INSTALL, scriptPath: '/prepare' })[0]).toBe("mkdir -p '/' '/etc/systemd/system'");
  });

  test('under /bin/sh the files arrive as written: nothing in them is expanded', () => {
    const root = mkdtempSync(join(tmpdir(), 'boot-units-'));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${root}/calls'\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    const script = '#!/bin/sh\necho "$HOME `date` $(id -u)" \'quoted\' \\n\nexit 0';
    const install = { scriptPath: join(root, 'sbin', 'prepare'), script, systemdDir: join(root, 'units'), units: { 'p.service': 'ExecStart=$X' } };
    const run = spawnSync('/bin/sh', ['-c', installScriptAndUnitsUserData(install).join('\n')], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(readFileSync(install.scriptPath, 'utf8')).toBe(`${script}\n`);
    expect(statSync(install.scriptPath).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(install.systemdDir, 'p.service'), 'utf8')).toBe('ExecStart=$X\n');
    expect(readFileSync(join(root, 'calls'), 'utf8')).toBe('daemon-reload\n');
    rmSync(root, { recursive: true, force: true });
  });
});

describe('bootScriptUserData', () => {
  const boot = { ...INSTALL, enable: ['prepare.service', 'prepare.timer'], startNow: 'prepare.service', failureMessage: 'prepare failed' };

  test('enables every unit in one command, guards the first start, and starts the others only after it succeeded', () => {
    const commands = bootScriptUserData({ ...boot, thenStart: ['prepare.timer', 'other.timer'] });
    const install = installScriptAndUnitsUserData(INSTALL);
    expect(commands.slice(0, install.length)).toEqual(install);
    expect(commands.slice(install.length)).toEqual([
      'systemctl enable prepare.service prepare.timer',
      'if ! systemctl start prepare.service; then',
      '  echo "prepare failed" >&2',
      '  systemctl stop --no-block ecs.service',
      '  exit 1',
      'fi',
      'systemctl start prepare.timer',
      'systemctl start other.timer',
    ]);
  });

  test('with nothing to start afterwards, the guard ends the user data', () => {
    expect(bootScriptUserData(boot).at(-1)).toBe('fi');
  });
});

test('bootMountUnit: a oneshot that stays active, ordered before Docker and the agent, which require it', () => {
  expect(bootMountUnit({ description: 'Mount the disks', scriptPath: '/usr/local/sbin/prepare', timeout: '10min' }).split('\n')).toEqual([
    '[Unit]',
    'Description=Mount the disks',
    'After=local-fs.target',
    'Before=docker.service ecs.service',
    '[Service]',
    'Type=oneshot',
    // Without it the unit is inactive once the script exits, and ecs.service's requirement fails.
    'RemainAfterExit=yes',
    'ExecStart=/usr/local/sbin/prepare',
    'TimeoutStartSec=10min',
    '[Install]',
    'WantedBy=multi-user.target',
    'RequiredBy=ecs.service',
  ]);
});
