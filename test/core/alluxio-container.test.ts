import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alluxioMasterCommand, alluxioWorkerCommand, AlluxioImageLayout, JOURNAL_FORMATTED_MARKER } from '../../lib/core/alluxio-container';

// The start scripts run for real under /bin/sh, against a stand-in of the image's layout whose
// `alluxio` and `entrypoint.sh` only record how they were called.
function standInImage(): { layout: AlluxioImageLayout; calls: () => string[]; bin: string } {
  const root = mkdtempSync(join(tmpdir(), 'alluxio-image-'));
  const home = join(root, 'opt-alluxio');
  const bin = join(root, 'bin');
  for (const dir of [join(home, 'bin'), join(home, 'conf'), join(root, 'journal'), bin]) mkdirSync(dir, { recursive: true });
  const callLog = join(root, 'calls.log');
  const recorder = (name: string) => `#!/bin/sh\necho "${name} $*" >> ${callLog}\n`;
  writeFileSync(join(home, 'bin', 'alluxio'), recorder('alluxio'));
  writeFileSync(join(root, 'entrypoint.sh'), `#!/bin/sh\necho "entrypoint $* opts=$ALLUXIO_JAVA_OPTS" >> ${callLog}\n`);
  writeFileSync(join(bin, 'hostname'), '#!/bin/sh\necho "10.1.2.3 fe80::1"\n');
  for (const file of [join(home, 'bin', 'alluxio'), join(root, 'entrypoint.sh'), join(bin, 'hostname')]) chmodSync(file, 0o755);
  return {
    layout: { home, entrypoint: join(root, 'entrypoint.sh'), journalMount: join(root, 'journal') },
    calls: () => (existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n') : []),
    bin,
  };
}

function run(script: string, env: Record<string, string>): void {
  execFileSync('/bin/sh', ['-c', script], { env: { ...env }, timeout: 10_000 });
}

describe('master start script', () => {
  test('formats the journal on the very first start only, then always starts with --no-format', () => {
    const image = standInImage();
    const env = { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_SITE_PROPERTIES: 'alluxio.master.hostname=master.x.internal' };
    run(alluxioMasterCommand(image.layout), env);
    expect(existsSync(join(image.layout.journalMount, JOURNAL_FORMATTED_MARKER))).toBe(true);
    run(alluxioMasterCommand(image.layout), env);
    run(alluxioMasterCommand(image.layout), env);
    const calls = image.calls();
    expect(calls.filter((c) => c.startsWith('alluxio formatJournal'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('entrypoint master --no-format'))).toHaveLength(3);
    expect(calls[0]).toBe('alluxio formatJournal');
  });

  test('writes the site properties before formatting, so the format sees the real configuration', () => {
    const image = standInImage();
    const properties = 'alluxio.master.hostname=master.x.internal\ns3a.secretKey=a\\=b';
    run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: properties });
    expect(readFileSync(join(image.layout.home, 'conf', 'alluxio-site.properties'), 'utf8')).toBe(`${properties}\n`);
  });

  test('a failed format leaves no marker, so the next start formats again', () => {
    const image = standInImage();
    writeFileSync(join(image.layout.home, 'bin', 'alluxio'), '#!/bin/sh\nexit 3\n');
    expect(() => run(alluxioMasterCommand(image.layout), { PATH: '/usr/bin:/bin', ALLUXIO_SITE_PROPERTIES: '' })).toThrow();
    expect(existsSync(join(image.layout.journalMount, JOURNAL_FORMATTED_MARKER))).toBe(false);
    expect(image.calls()).toEqual([]);
  });
});

describe('worker start script', () => {
  test("advertises the task's first address and never formats", () => {
    const image = standInImage();
    run(alluxioWorkerCommand(image.layout), { PATH: `${image.bin}:/usr/bin:/bin`, ALLUXIO_JAVA_OPTS: '-Dx=y' });
    expect(image.calls()).toEqual(['entrypoint worker --no-format opts=-Dx=y -Dalluxio.worker.hostname=10.1.2.3']);
  });
});
