import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alluxioMasterCommand,
  alluxioWorkerCommand,
  AlluxioImageLayout,
  JOURNAL_FORMATTED_MARKER,
  JOURNAL_LOCK_FILE,
  journalMountOf,
  START_REFUSED_EXIT_CODE,
} from '../../lib/core/alluxio-container';

// The start scripts run for real under /bin/sh, against a stand-in of the image's layout whose
// `alluxio` and `entrypoint.sh` only record how they were called.
function standInImage(): { layout: AlluxioImageLayout; calls: () => string[]; bin: string; siteFile: string; marker: string } {
  const root = mkdtempSync(join(tmpdir(), 'alluxio-image-'));
  const home = join(root, 'opt-alluxio');
  const bin = join(root, 'bin');
  const layout = { home, entrypoint: join(root, 'entrypoint.sh') };
  for (const dir of [join(home, 'bin'), join(home, 'conf'), journalMountOf(layout), bin]) mkdirSync(dir, { recursive: true });
  const callLog = join(root, 'calls.log');
  const recorder = (name: string) => `#!/bin/sh\necho "${name} $*" >> ${callLog}\n`;
  writeFileSync(join(home, 'bin', 'alluxio'), recorder('alluxio'));
  writeFileSync(
    join(root, 'entrypoint.sh'),
    `#!/bin/sh\necho "entrypoint $* opts=$ALLUXIO_JAVA_OPTS tier=$ALLUXIO_WORKER_TIEREDSTORE_LEVEL0_DIRS_PATH" >> ${callLog}\n`,
  );
  writeFileSync(join(bin, 'hostname'), '#!/bin/sh\necho "10.1.2.3 fe80::1"\n');
  for (const file of [join(home, 'bin', 'alluxio'), join(root, 'entrypoint.sh'), join(bin, 'hostname')]) chmodSync(file, 0o755);
  return {
    layout,
    calls: () => (existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n') : []),
    bin,
    siteFile: join(home, 'conf', 'alluxio-site.properties'),
    marker: join(journalMountOf(layout), JOURNAL_FORMATTED_MARKER),
  };
}

function run(script: string, env: Record<string, string>): void {
  execFileSync('/bin/sh', ['-c', script], { env: { ...env }, timeout: 10_000, stdio: 'pipe' });
}

/** The exit code and stderr of a script that is expected to fail. */
function runFailing(script: string, env: Record<string, string>): { status: number | null; stderr: string } {
  try {
    run(script, env);
  } catch (error) {
    const e = error as { status: number | null; stderr: Buffer };
    return { status: e.status, stderr: e.stderr.toString('utf8') };
  }
  throw new Error('expected the script to fail');
}

const ROOT_A = 'alluxio.master.mount.table.root.ufs=s3\\://datalake/alluxio';
const ROOT_B = 'alluxio.master.mount.table.root.ufs=s3\\://other/alluxio';

describe('master start script', () => {
  test('formats the journal on the very first start only, then always starts with --no-format', () => {
    const image = standInImage();
    const env = { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: `alluxio.master.hostname=master.x.internal\n${ROOT_A}` };
    run(alluxioMasterCommand(image.layout), env);
    expect(existsSync(image.marker)).toBe(true);
    run(alluxioMasterCommand(image.layout), env);
    run(alluxioMasterCommand(image.layout), env);
    const calls = image.calls();
    expect(calls.filter((c) => c.startsWith('alluxio formatJournal'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('entrypoint master --no-format'))).toHaveLength(3);
    expect(calls[0]).toBe('alluxio formatJournal');
  });

  test('writes the site properties before formatting, so the format sees the real configuration', () => {
    const image = standInImage();
    const properties = `alluxio.master.hostname=master.x.internal\ns3a.secretKey=a\\=b\n${ROOT_A}`;
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: properties });
    expect(readFileSync(image.siteFile, 'utf8')).toBe(`${properties}\n`);
  });

  test('a failed format leaves no marker, so the next start formats again', () => {
    const image = standInImage();
    writeFileSync(join(image.layout.home, 'bin', 'alluxio'), '#!/bin/sh\nexit 3\n');
    expect(() => run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_A })).toThrow();
    expect(existsSync(image.marker)).toBe(false);
    expect(image.calls()).toEqual([]);
  });

  test('the marker records the root mount the journal was formatted for', () => {
    const image = standInImage();
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: `a=b\n${ROOT_A}` });
    expect(readFileSync(image.marker, 'utf8')).toBe(`${ROOT_A}\n`);
  });

  test('refuses to start on a journal formatted for another root mount, naming both, and leaves the marker as it was', () => {
    const image = standInImage();
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_A });
    const refused = runFailing(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_B });
    expect(refused.status).toBe(START_REFUSED_EXIT_CODE);
    expect(refused.stderr).toContain('s3\\://datalake/alluxio');
    expect(refused.stderr).toContain('s3\\://other/alluxio');
    expect(readFileSync(image.marker, 'utf8')).toBe(`${ROOT_A}\n`);
    expect(image.calls().filter((c) => c.startsWith('entrypoint'))).toHaveLength(1);
    // Back on the root it was made for, it starts again.
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_A });
    expect(image.calls().filter((c) => c.startsWith('entrypoint'))).toHaveLength(2);
  });

  test('an empty marker (written before the root was recorded) adopts the current root', () => {
    const image = standInImage();
    writeFileSync(image.marker, '');
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_B });
    expect(readFileSync(image.marker, 'utf8')).toBe(`${ROOT_B}\n`);
    expect(image.calls()).toEqual(['entrypoint master --no-format opts= tier=']);
  });

  test('a dora release is guarded on its own root key', () => {
    const image = standInImage();
    const dora = { rootUfsKey: 'alluxio.dora.client.ufs.root' };
    run(alluxioMasterCommand(image.layout, dora), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: 'alluxio.dora.client.ufs.root=s3\\://a/' });
    expect(readFileSync(image.marker, 'utf8')).toBe('alluxio.dora.client.ufs.root=s3\\://a/\n');
  });
});

describe('master start script and the journal lock', () => {
  /**
   * Another master holding the journal lock (as a task that is still stopping does) until `release`
   * is called; it records its release in the same call log, so the order of events is visible.
   */
  async function holdJournalLock(image: ReturnType<typeof standInImage>): Promise<{ release: () => Promise<void> }> {
    const lock = join(journalMountOf(image.layout), JOURNAL_LOCK_FILE);
    const releaseFile = join(journalMountOf(image.layout), '..', 'release-now');
    const callLog = join(image.layout.home, '..', 'calls.log');
    const holder = spawn(
      '/bin/sh',
      [
        '-c',
        `exec 9>> ${lock}; flock 9; echo held > ${releaseFile}.ack; while [ ! -e ${releaseFile} ]; do sleep 0.05; done; echo "other-master released" >> ${callLog}`,
      ],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    while (!existsSync(`${releaseFile}.ack`)) await new Promise((resolve) => setTimeout(resolve, 20));
    return {
      release: async () => {
        writeFileSync(releaseFile, '');
        await exited;
      },
    };
  }

  function runAsync(script: string, env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('exit', (status) => resolve({ status, stderr }));
    });
  }

  test('a master started while another holds the journal lock waits, and formats and starts only after it is released', async () => {
    const image = standInImage();
    const other = await holdJournalLock(image);
    const started = runAsync(alluxioMasterCommand(image.layout, { journalLockWaitSeconds: 30 }), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_A });
    // Give the script time to reach the lock; it must not have touched the journal meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(existsSync(image.marker)).toBe(false);
    expect(image.calls()).toEqual([]);
    await other.release();
    const outcome = await started;
    expect(outcome.status).toBe(0);
    expect(outcome.stderr).toContain(`another master holds ${journalMountOf(image.layout)}/${JOURNAL_LOCK_FILE}`);
    expect(image.calls()).toEqual(['other-master released', 'alluxio formatJournal', 'entrypoint master --no-format opts= tier=']);
  });

  test('a lock still held when the wait ends stops the start, naming the lock, with the journal untouched', async () => {
    const image = standInImage();
    const other = await holdJournalLock(image);
    const outcome = await runAsync(alluxioMasterCommand(image.layout, { journalLockWaitSeconds: 1 }), {
      PATH: '/usr/bin:/bin',
      ALLUXIO_SITE_PROPERTIES: ROOT_A,
    });
    await other.release();
    expect(outcome.status).toBe(START_REFUSED_EXIT_CODE);
    expect(outcome.stderr).toContain(`${JOURNAL_LOCK_FILE} is still held after 1 s`);
    expect(existsSync(image.marker)).toBe(false);
    expect(image.calls()).toEqual(['other-master released']);
  });

  test('the lock is held on descriptor 9 by the process the script execs into (the master), not released before', () => {
    const image = standInImage();
    const lock = join(journalMountOf(image.layout), JOURNAL_LOCK_FILE);
    // The stand-in entrypoint tries to take the lock itself, from a separate open: it must find it held.
    writeFileSync(
      image.layout.entrypoint,
      `#!/bin/sh
if flock -n ${lock} true; then echo "entrypoint lock-free" >> ${join(image.layout.home, '..', 'calls.log')}; else echo "entrypoint lock-held" >> ${join(image.layout.home, '..', 'calls.log')}; fi
`,
    );
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: ROOT_A });
    expect(image.calls()).toEqual(['alluxio formatJournal', 'entrypoint lock-held']);
  });

  test('an image without flock is refused before the journal is touched', () => {
    const image = standInImage();
    // A PATH with the shell's basics but no flock.
    const bare = join(image.bin, '..', 'bare-bin');
    mkdirSync(bare);
    for (const tool of ['grep', 'cat', 'printf', 'rm']) {
      const found = execFileSync('/bin/sh', ['-c', `command -v ${tool}`])
        .toString()
        .trim();
      if (found.startsWith('/'))
        writeFileSync(
          join(bare, tool),
          `#!/bin/sh
exec ${found} "$@"
`,
          { mode: 0o755 },
        );
    }
    const refused = runFailing(alluxioMasterCommand(image.layout), { PATH: bare, ALLUXIO_SITE_PROPERTIES: ROOT_A });
    expect(refused.status).toBe(START_REFUSED_EXIT_CODE);
    expect(refused.stderr).toContain('no flock');
    expect(existsSync(image.marker)).toBe(false);
  });
});

describe.each([
  ['master', (layout: AlluxioImageLayout) => alluxioMasterCommand(layout)],
  ['worker', (layout: AlluxioImageLayout) => alluxioWorkerCommand(layout)],
])('%s start script and the site properties', (_role, command) => {
  test('writes ALLUXIO_SITE_PROPERTIES to conf/alluxio-site.properties, which the image entrypoint never does', () => {
    const image = standInImage();
    run(command(image.layout), { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: `${ROOT_A}\nalluxio.master.hostname=m` });
    expect(readFileSync(image.siteFile, 'utf8')).toBe(`${ROOT_A}\nalluxio.master.hostname=m\n`);
  });

  test('the site file (it holds the MinIO keys) is readable by its owner only, also when one was there before with a wider mode', () => {
    const image = standInImage();
    writeFileSync(image.siteFile, 'old\n', { mode: 0o644 });
    chmodSync(image.siteFile, 0o644);
    run(command(image.layout), { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: ROOT_A });
    expect((statSync(image.siteFile).mode & 0o777).toString(8)).toBe('600');
  });

  test('an empty secret stops the container before Alluxio starts, saying which secret', () => {
    const image = standInImage();
    const refused = runFailing(command(image.layout), { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: '' });
    expect(refused.stderr).toContain('ALLUXIO_SITE_PROPERTIES');
    expect(image.calls()).toEqual([]);
  });
});

describe('worker start script', () => {
  test("advertises the task's first address, names its tier to the entrypoint (so no /dev/shm MEM tier), and never formats", () => {
    const image = standInImage();
    run(alluxioWorkerCommand(image.layout), {
      PATH: `${image.bin}:/usr/bin:/bin`,
      ALLUXIO_JAVA_OPTS: '-Dx=y',
      ALLUXIO_SITE_PROPERTIES: ROOT_A,
    });
    expect(image.calls()).toEqual([`entrypoint worker --no-format opts=-Dx=y -Dalluxio.worker.hostname=10.1.2.3 tier=${image.layout.home}/cache`]);
  });

  test('stops, saying why, when the task has no address to advertise', () => {
    const image = standInImage();
    writeFileSync(join(image.bin, 'hostname'), '#!/bin/sh\necho ""\n');
    const refused = runFailing(alluxioWorkerCommand(image.layout), { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: ROOT_A });
    expect(refused.status).toBe(78);
    expect(refused.stderr).toContain('no address for the worker to advertise');
    expect(image.calls()).toEqual([]);
  });
});
