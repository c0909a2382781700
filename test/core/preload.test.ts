import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alluxioPreloadCommand,
  MAX_PRELOAD_PATHS,
  PRELOAD_DEPLOYMENT_ENV,
  PRELOAD_FAILED_EXIT_CODE,
  PRELOAD_LOG_MARKER,
  PRELOAD_PATHS_ENV,
  PRELOAD_STOPPED_EXIT_CODE,
  preloadPathsValue,
  validateMastersUnreachableSeconds,
  validatePreloadEntries,
  validatePreloadEntry,
} from '../../lib/core/preload';
import { expectInputError } from './expect-input-error';

const HOUR = 3600;

describe('validatePreloadEntry', () => {
  test.each(['/', '/warm', '/warm/', '/datasets/train/part-0001.parquet', '/lake/year=2024/month=01', '/a_b/c-d/e.f/g+h@i,j'])('accepts %s', (path) => {
    expect(() => validatePreloadEntry(0, { path, timeoutSeconds: HOUR })).not.toThrow();
  });

  test.each([
    ['warm', /is not an absolute Alluxio path/],
    ['', /is not an absolute Alluxio path/],
    ['/warm; rm -rf /', /characters other than/],
    ['/$(reboot)', /characters other than/],
    ['/`id`', /characters other than/],
    ['/a b', /characters other than/],
    ['/a\nb', /characters other than/],
    ['/a|b', /characters other than/],
    ['/a&b', /characters other than/],
    ['/a>b', /characters other than/],
    ["/a'b", /characters other than/],
    ['/a"b', /characters other than/],
    ['/a*', /characters other than/],
    ['/s3:bucket', /characters other than/],
    ['/a//b', /segment "" that is empty/],
    ['/a/../b', /segment "\.\."/],
    ['/./a', /segment "\."/],
  ])('refuses %j, naming preload[i].path and the fix', (path, problem) => {
    const error = expectInputError(() => validatePreloadEntry(3, { path, timeoutSeconds: HOUR }), 'preload[3].path');
    expect(error.message).toMatch(problem);
  });

  test.each([59, 86401, 90.5])('refuses a time bound of %s s, naming preload[i].timeout', (seconds) => {
    expectInputError(() => validatePreloadEntry(1, { path: '/warm', timeoutSeconds: seconds }), 'preload[1].timeout');
  });

  test(`refuses more than ${MAX_PRELOAD_PATHS} paths`, () => {
    const entries = Array.from({ length: MAX_PRELOAD_PATHS + 1 }, (_, i) => ({ path: `/p${i}`, timeoutSeconds: HOUR }));
    expectInputError(() => validatePreloadEntries(entries), 'preload');
    expect(() => validatePreloadEntries(entries.slice(1))).not.toThrow();
  });
});

describe('the preload script', () => {
  const script = alluxioPreloadCommand({ home: '/opt/alluxio', entrypoint: '/entrypoint.sh' });

  test('names no path: the paths are read from the environment and passed as one quoted argument each', () => {
    expect(
      preloadPathsValue([
        { path: '/warm', timeoutSeconds: 60 },
        { path: '/cold/x', timeoutSeconds: HOUR },
      ]),
    ).toBe('60:/warm 3600:/cold/x');
    expect(script).toContain(`for entry in $${PRELOAD_PATHS_ENV}; do`);
    expect(script).toContain('timeout 120 /opt/alluxio/bin/alluxio "$@" > "$output" 2>&1 &');
    expect(script).toContain('alluxio_call fs load "$path" --submit');
    expect(script).toContain('alluxio_call fs load "$path" --progress');
    expect(script.split('\n')[0]).toBe('set -f');
    // No eval or re-parsing of a value anywhere.
    expect(script).not.toMatch(/\beval\b|sh -c|\$\(\s*echo \$/);
  });

  test('writes the site file from its secret first (the configuration without the MinIO keys; no filter of its own)', () => {
    expect(script.split('\n').slice(1, 4)).toEqual([
      ': "${ALLUXIO_SITE_PROPERTIES:?is empty: the task has no rendered alluxio-site.properties (check the secret ALLUXIO_SITE_PROPERTIES)}"',
      'rm -f /opt/alluxio/conf/alluxio-site.properties',
      `(umask 077 && printf '%s\\n' "$ALLUXIO_SITE_PROPERTIES" > /opt/alluxio/conf/alluxio-site.properties)`,
    ]);
  });
});

/*
 * The script run for real under /bin/sh, against a stand-in image whose `bin/alluxio` plays the
 * master's answers: what the run does when the masters are gone, and when ECS stops the task.
 */
function standInImage(alluxio: string): { layout: { home: string; entrypoint: string }; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'preload-image-'));
  const home = join(root, 'opt-alluxio');
  mkdirSync(join(home, 'bin'), { recursive: true });
  mkdirSync(join(home, 'conf'));
  writeFileSync(join(home, 'bin', 'alluxio'), `#!/bin/sh\n${alluxio}\n`);
  chmodSync(join(home, 'bin', 'alluxio'), 0o755);
  return { layout: { home, entrypoint: join(root, 'entrypoint.sh') }, root };
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** Starts the script (bounded by jest's timeout); `started.pid` is the shell's. */
function startScript(script: string, paths: string): { pid: number; output: () => string; done: Promise<Run> } {
  const child = spawn('/bin/sh', ['-c', script], {
    env: {
      PATH: '/usr/bin:/bin',
      ALLUXIO_SITE_PROPERTIES: 'alluxio.master.hostname=gone.internal',
      [PRELOAD_PATHS_ENV]: paths,
      [PRELOAD_DEPLOYMENT_ENV]: '/p/site-properties',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return { pid: child.pid!, output: () => output, done };
}

const runScript = (script: string, paths: string) => startScript(script, paths).done;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const markedLines = (output: string) => output.split('\n').filter((line) => line.startsWith(`${PRELOAD_LOG_MARKER} `));

describe('the preload script when the masters are gone', () => {
  test('gives up once no master answered for the bound: the path fails, the paths after it are not tried, exit code 1', async () => {
    // The job is accepted, then every progress call fails as a client with no master to reach does.
    const image = standInImage('case "$*" in *--submit*) echo "submitted" ;; *) echo "UnavailableException: Failed to connect to master" >&2; exit 1 ;; esac');
    const run = await runScript(alluxioPreloadCommand(image.layout, { mastersUnreachableSeconds: 1 }), '3600:/warm 3600:/cold');
    expect({ code: run.code, signal: run.signal }).toEqual({ code: PRELOAD_FAILED_EXIT_CODE, signal: null });
    const lines = markedLines(run.output);
    expect(lines.slice(0, 3)).toEqual([
      `${PRELOAD_LOG_MARKER} loading /warm (at most 3600 s)`,
      `${PRELOAD_LOG_MARKER} path /warm FAILED: no master answered for 1 s; giving up on this run`,
      `${PRELOAD_LOG_MARKER} path /cold FAILED: not tried, no master answered for 1 s`,
    ]);
    expect(lines[3]).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} FAILED /p/site-properties paths=2 failed=2 seconds=\\d+$`));
    expect(lines).toHaveLength(4);
  }, 30_000);

  test('a master that answers again within the bound is waited for', async () => {
    // Two failed progress calls (the master restarting), then the job is reported done.
    const image = standInImage('');
    const counter = join(image.root, 'calls');
    writeFileSync(
      join(image.layout.home, 'bin', 'alluxio'),
      `#!/bin/sh\necho x >> ${counter}\nn=$(wc -l < ${counter})\ncase "$*" in *--submit*) exit 0 ;; esac\n[ "$n" -gt 3 ] || exit 1\necho "Job State: SUCCEEDED"\necho "Files Failed: 0"\n`,
    );
    const run = await runScript(alluxioPreloadCommand(image.layout, { mastersUnreachableSeconds: 3600 }), '3600:/warm');
    expect(run.code).toBe(0);
    expect(markedLines(run.output)[1]).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /warm LOADED in \\d+ s$`));
  }, 60_000);
});

describe('the preload script stopped by ECS', () => {
  test('SIGTERM to the script alone ends the run through its handler: the client call is ended, a FAILED line says why, exit code 143', async () => {
    // A client call that would take a minute (a master that does not answer); its pid is written down.
    const image = standInImage('');
    const pidFile = join(image.root, 'client.pid');
    writeFileSync(join(image.layout.home, 'bin', 'alluxio'), `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    const started = startScript(alluxioPreloadCommand(image.layout), '3600:/warm');
    while (!(started.output().includes('loading /warm') && existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim())) await pause(100);
    // As ECS does: to the main process only, not its group (the container's other processes).
    process.kill(started.pid, 'SIGTERM');
    const run = await started.done;
    // An exit code from the handler, not a death by the signal (which is what a shell without one gets).
    expect({ code: run.code, signal: run.signal }).toEqual({ code: PRELOAD_STOPPED_EXIT_CODE, signal: null });
    const lines = markedLines(run.output);
    expect(lines[1]).toBe(`${PRELOAD_LOG_MARKER} path /warm FAILED: the task was stopped (SIGTERM)`);
    expect(lines[2]).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} FAILED /p/site-properties paths=1 failed=1 seconds=\\d+ stopped=SIGTERM$`));
    // The client call went with it (the signal is passed on through timeout to the client).
    const client = Number(readFileSync(pidFile, 'utf8'));
    const alive = () => existsSync(`/proc/${client}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${client}/stat`, 'utf8'));
    for (let i = 0; i < 100 && alive(); i++) await pause(100);
    expect(alive()).toBe(false);
  }, 30_000);
});

describe('the site file the script writes', () => {
  test('is readable by its owner only, also when one was there before with a wider mode', async () => {
    const image = standInImage('exit 1');
    const siteFile = join(image.layout.home, 'conf', 'alluxio-site.properties');
    writeFileSync(siteFile, 'old\n', { mode: 0o644 });
    chmodSync(siteFile, 0o644);
    await runScript(alluxioPreloadCommand(image.layout, { mastersUnreachableSeconds: 0 }), '60:/warm');
    expect(readFileSync(siteFile, 'utf8')).toBe('alluxio.master.hostname=gone.internal\n');
    expect((statSync(siteFile).mode & 0o777).toString(8)).toBe('600');
  }, 30_000);
});

test("the masters' silence bound is at least a second, and the error names the input it came from", () => {
  expect(() => validateMastersUnreachableSeconds(0.5, 'mastersUnreachableTimeout')).toThrow(
    /^mastersUnreachableTimeout: is 0\.5 s\. Fix: give at least Duration\.seconds\(1\)$/,
  );
  expect(() => validateMastersUnreachableSeconds(1, 'mastersUnreachableTimeout')).not.toThrow();
  expect(() => validateMastersUnreachableSeconds(undefined, 'rotation.serviceRestartTimeout')).not.toThrow();
});
