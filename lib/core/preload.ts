import { AlluxioImageLayout, writeSitePropertiesStep } from './alluxio-container';
import { InputError } from './input-error';
import { DEFAULT_SERVICE_RESTART_SECONDS } from './rotation-budget';

/*
 * Cache warm-up: which Alluxio paths may be preloaded, and the script the preload task runs. Pure, so
 * the construct, the tests and the local deployment share one rule.
 */

/** The environment variable that carries the paths to load, as `<seconds>:<path>` entries separated by spaces. */
export const PRELOAD_PATHS_ENV = 'ALLUXIO_PRELOAD_PATHS';

/** The environment variable naming the deployment in the outcome line (and so in the metric's dimension). */
export const PRELOAD_DEPLOYMENT_ENV = 'ALLUXIO_PRELOAD_DEPLOYMENT';

/** First field of every line the preload script writes about its own progress and outcome. */
export const PRELOAD_LOG_MARKER = 'cdk-alluxio-minio-preload';

/** The outcome words of the run's last line (its second field). */
export const PRELOAD_OUTCOMES = { succeeded: 'SUCCEEDED', failed: 'FAILED' } as const;

/** The metrics the outcome lines are counted in (namespace and dimension as the rotation's). */
export const PRELOAD_SUCCESS_METRIC = 'PreloadSuccesses';
export const PRELOAD_FAILURE_METRIC = 'PreloadFailures';

/** Exit code of a run in which some path failed or timed out. */
export const PRELOAD_FAILED_EXIT_CODE = 1;

/** The most paths one construct preloads (each is an ECS environment entry and a sequential load). */
export const MAX_PRELOAD_PATHS = 50;

/** Bounds of one path's load time, in seconds. */
export const PRELOAD_TIMEOUT_BOUNDS = { min: 60, max: 24 * 3600 } as const;

// Letters, digits and `. _ - = + @ ,` between slashes: nothing a shell reads as syntax, no whitespace
// (the entries are split on it) and no `:` (it separates an entry's time bound from its path).
const PATH_SEGMENT = /^[A-Za-z0-9._=+@,-]+$/;

/** One path to load and how long its load may take. */
export interface PreloadEntry {
  readonly path: string;
  readonly timeoutSeconds: number;
}

/**
 * Checks one `preload[index]`: an absolute Alluxio path (the root mount is `/`) of safe characters,
 * and a whole-second time bound within PRELOAD_TIMEOUT_BOUNDS.
 */
export function validatePreloadEntry(index: number, entry: PreloadEntry): void {
  const prop = `preload[${index}].path`;
  const { path } = entry;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InputError(
      prop,
      `${JSON.stringify(String(path))} is not an absolute Alluxio path`,
      "start with '/' (the root of the MinIO mount), e.g. '/datasets/train'",
    );
  }
  const segments = path.split('/').slice(1);
  if (segments[segments.length - 1] === '') segments.pop();
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || !PATH_SEGMENT.test(segment)) {
      throw new InputError(
        prop,
        `${JSON.stringify(path)} has a segment ${JSON.stringify(segment)} that is empty, '.' or '..', ` +
          `or has characters other than letters, digits and . _ - = + @ ,`,
        'name the directory or file with those characters only, one slash between segments ' +
          '(shell syntax, spaces and colons are refused so the path can never become part of a command)',
      );
    }
  }
  const seconds = entry.timeoutSeconds;
  if (!Number.isInteger(seconds) || seconds < PRELOAD_TIMEOUT_BOUNDS.min || seconds > PRELOAD_TIMEOUT_BOUNDS.max) {
    throw new InputError(
      `preload[${index}].timeout`,
      `${seconds} s is not a whole number of seconds from 60 to 86400`,
      'give from Duration.minutes(1) to Duration.hours(24)',
    );
  }
}

/**
 * How long the preload task waits for silent masters: at least a second. `prop` is the input it came
 * from (the CachePreload prop, or AlluxioMinio's rotation.serviceRestartTimeout, which sets it).
 */
export function validateMastersUnreachableSeconds(seconds: number | undefined, prop: string): void {
  if (seconds !== undefined && seconds < 1) throw new InputError(prop, `is ${seconds} s`, 'give at least Duration.seconds(1)');
}

/** Checks every entry and their number. */
export function validatePreloadEntries(entries: readonly PreloadEntry[]): void {
  if (entries.length > MAX_PRELOAD_PATHS) {
    throw new InputError('preload', `has ${entries.length} paths`, `preload at most ${MAX_PRELOAD_PATHS} paths; name a common parent directory instead`);
  }
  entries.forEach((entry, index) => validatePreloadEntry(index, entry));
}

/** The value of PRELOAD_PATHS_ENV for `entries` (already validated: no whitespace or `:` in a path). */
export function preloadPathsValue(entries: readonly PreloadEntry[]): string {
  return entries.map((entry) => `${entry.timeoutSeconds}:${entry.path}`).join(' ');
}

/** How often the script asks the master for a load job's progress. */
export const PRELOAD_POLL_SECONDS = 5;

/** The bound of each single `bin/alluxio` call of the script (one client JVM: submit, progress, stop). */
const SHELL_CALL_SECONDS = 120;

/**
 * How long the script keeps asking masters that do not answer before it gives up on the run: as long
 * as the default wait for one service's restart (DEFAULT_SERVICE_RESTART_SECONDS, the estimate of a
 * Fargate master's replacement), so a master replaced by a rotation or a deploy is waited for, while
 * a run whose masters are gone for good (the stack is being deleted) ends instead of polling until
 * its paths' time bounds (up to 24 h), which kept the ECS cluster, and so the stack, from being deleted.
 */
export const PRELOAD_MASTERS_UNREACHABLE_SECONDS = DEFAULT_SERVICE_RESTART_SECONDS;

/**
 * Exit code of a run stopped by SIGTERM (ECS's StopTask): 128 + 15, what a shell reports for a
 * command ended by that signal.
 */
export const PRELOAD_STOPPED_EXIT_CODE = 143;

export interface PreloadCommandOptions {
  /**
   * How long masters may not answer before the run gives up.
   *
   * @default PRELOAD_MASTERS_UNREACHABLE_SECONDS
   */
  readonly mastersUnreachableSeconds?: number;
}

/**
 * The preload task's script. It writes the rendered site file from the ALLUXIO_SITE_PROPERTIES secret
 * (as the master's and workers' start scripts do, since the image's entrypoint never writes it), then
 * loads each entry of PRELOAD_PATHS_ENV in turn. The paths are data: each reaches `bin/alluxio` as one
 * quoted argument and is never part of the script's text.
 *
 * Alluxio 2.9.6's shell has no `distributedLoad` (the 2.9.6 alluxio-shell jar has no such command; its
 * `load` is the distributed one): `load <path> --submit` hands the path to the master's scheduler,
 * which has the workers cache every block, and returns at once; `load <path> --progress` reports
 * `Job State: RUNNING|VERIFYING|STOPPED|SUCCEEDED|FAILED` and `Files Failed: N`. So the script submits,
 * polls until a final state or the entry's time bound (then stops the job), and counts the path as
 * loaded only on SUCCEEDED with no failed file. Each path gets a line, and the run ends with one
 * outcome line: `cdk-alluxio-minio-preload SUCCEEDED|FAILED <deployment> paths=N failed=M seconds=S`,
 * and exit code 0 or 1.
 *
 * When no master has answered for `mastersUnreachableSeconds` (no accepted submit, no progress report),
 * the path fails and the paths after it are not tried. SIGTERM (ECS's StopTask) ends the run at once
 * with a FAILED outcome line ending `stopped=SIGTERM` and PRELOAD_STOPPED_EXIT_CODE: the script is the
 * container's PID 1, which the kernel gives no default action for SIGTERM, so without a handler ECS
 * would wait the whole stopTimeout for SIGKILL.
 */
export function alluxioPreloadCommand(layout: AlluxioImageLayout, options: PreloadCommandOptions = {}): string {
  const unreachable = options.mastersUnreachableSeconds ?? PRELOAD_MASTERS_UNREACHABLE_SECONDS;
  const say = (text: string) => `echo "${PRELOAD_LOG_MARKER} ${text}"`;
  return [
    // No globbing: a path is split from the list on spaces only, never expanded.
    'set -f',
    // The secret is the configuration without the MinIO keys: the task is a client of the master only.
    ...writeSitePropertiesStep(layout),
    `deployment="\${${PRELOAD_DEPLOYMENT_ENV}:-unnamed}"`,
    'output=$(mktemp)',
    'started=$(date +%s)',
    'paths=0',
    'failed=0',
    'path=',
    'child=',
    // The last time a master answered, and whether the run gave up on them.
    'answered=$started',
    'masters_gone=',
    'on_stop() {',
    '  [ -z "$child" ] || kill -TERM "$child" 2> /dev/null',
    '  rm -f "$output"',
    // The path being loaded, if any, is counted as failed.
    '  if [ -n "$path" ]; then',
    `    ${say('path $path FAILED: the task was stopped (SIGTERM)')}`,
    '    failed=$((failed + 1))',
    '  fi',
    `  ${say(`${PRELOAD_OUTCOMES.failed} $deployment paths=$paths failed=$failed seconds=$(( $(date +%s) - started )) stopped=SIGTERM`)}`,
    `  exit ${PRELOAD_STOPPED_EXIT_CODE}`,
    '}',
    'trap on_stop TERM',
    // Every call and pause runs in the background and is waited for: a trapped signal ends `wait` at
    // once, where a command in the foreground would hold the handler back until it ends (up to 120 s).
    'alluxio_call() {',
    `  timeout ${SHELL_CALL_SECONDS} ${layout.home}/bin/alluxio "$@" > "$output" 2>&1 &`,
    '  child=$!',
    '  wait "$child"',
    '  status=$?',
    '  child=',
    '  return "$status"',
    '}',
    'pause() {',
    '  sleep "$1" &',
    '  child=$!',
    '  wait "$child"',
    '  child=',
    '}',
    `masters_silent() { [ $(( $(date +%s) - answered )) -ge ${unreachable} ]; }`,
    `for entry in $${PRELOAD_PATHS_ENV}; do`,
    '  seconds="${entry%%:*}"',
    '  path="${entry#*:}"',
    '  paths=$((paths + 1))',
    '  if [ -n "$masters_gone" ]; then',
    `    ${say(`path $path FAILED: not tried, no master answered for ${unreachable} s`)}`,
    '    failed=$((failed + 1))',
    '    path=',
    '    continue',
    '  fi',
    '  path_started=$(date +%s)',
    '  deadline=$((path_started + seconds))',
    `  ${say('loading $path (at most $seconds s)')}`,
    '  if ! alluxio_call fs load "$path" --submit; then',
    '    cat "$output"',
    `    ${say('path $path FAILED: the master did not accept the load job')}`,
    '    failed=$((failed + 1))',
    '    if masters_silent; then masters_gone=1; fi',
    '    path=',
    '    continue',
    '  fi',
    '  answered=$(date +%s)',
    '  cat "$output"',
    '  while :; do',
    '    alluxio_call fs load "$path" --progress',
    `    state=$(sed -n 's/^[[:space:]]*Job State: \\([A-Z]*\\).*/\\1/p' "$output" | head -n 1)`,
    '    case "$state" in SUCCEEDED|FAILED|STOPPED) break ;; esac',
    // The master no longer knows the job (its scheduler was restarted): nothing left to wait for.
    '    if grep -q "Cannot find load job" "$output"; then state=LOST; break; fi',
    '    if [ -n "$state" ]; then',
    '      answered=$(date +%s)',
    '    elif masters_silent; then',
    '      state=UNREACHABLE',
    '      masters_gone=1',
    '      break',
    '    fi',
    '    if [ "$(date +%s)" -ge "$deadline" ]; then',
    '      state=TIMED_OUT',
    '      alluxio_call fs load "$path" --stop',
    '      break',
    '    fi',
    `    pause ${PRELOAD_POLL_SECONDS}`,
    '  done',
    '  cat "$output"',
    // What follows the state in the report, e.g. `(alluxio.exception...: Path "/x" does not exist.)`.
    `  reason=$(sed -n 's/^[[:space:]]*Job State: [A-Z]*[[:space:]]*//p' "$output" | head -n 1)`,
    `  files_failed=$(sed -n 's/^[[:space:]]*Files Failed: \\([0-9]*\\).*/\\1/p' "$output" | head -n 1)`,
    '  took=$(( $(date +%s) - path_started ))',
    '  if [ "$state" = SUCCEEDED ] && [ "${files_failed:-0}" -eq 0 ]; then',
    `    ${say('path $path LOADED in $took s')}`,
    '  elif [ "$state" = TIMED_OUT ]; then',
    `    ${say('path $path FAILED: not loaded within $seconds s (the load job was stopped)')}`,
    '    failed=$((failed + 1))',
    '  elif [ "$state" = UNREACHABLE ]; then',
    `    ${say(`path $path FAILED: no master answered for ${unreachable} s; giving up on this run`)}`,
    '    failed=$((failed + 1))',
    '  else',
    `    ${say('path $path FAILED: the load job ended ${state:-without a state} ${reason:+$reason }with ${files_failed:-unknown} failed files after $took s')}`,
    '    failed=$((failed + 1))',
    '  fi',
    // Counted: a stop from here on is not this path's.
    '  path=',
    'done',
    'rm -f "$output"',
    'took=$(( $(date +%s) - started ))',
    'if [ "$failed" -eq 0 ] && [ "$paths" -gt 0 ]; then',
    `  ${say(`${PRELOAD_OUTCOMES.succeeded} $deployment paths=$paths failed=0 seconds=$took`)}`,
    '  exit 0',
    'fi',
    `${say(`${PRELOAD_OUTCOMES.failed} $deployment paths=$paths failed=$failed seconds=$took`)}`,
    `exit ${PRELOAD_FAILED_EXIT_CODE}`,
  ].join('\n');
}
