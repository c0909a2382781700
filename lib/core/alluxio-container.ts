/**
 * How the official Alluxio image (alluxio/alluxio:2.9.x) is started on ECS. Pure strings, so the
 * start-up logic can be unit-tested with a stand-in image layout.
 */
import { ALLUXIO_PORTS } from './alluxio-ports';
import { journalPortsOf } from './master-quorum';

export { ALLUXIO_CLUSTER_PORT_RANGE, ALLUXIO_PORTS } from './alluxio-ports';

/** Paths inside the image; parameters only so tests and the local deployment run the scripts against a stand-in layout. */
export interface AlluxioImageLayout {
  /** ALLUXIO_HOME: `bin/alluxio`, `conf/` (writable), the journal volume and the worker cache live under it. */
  readonly home: string;
  /** The image's entrypoint script (`master`, `worker`, ... with `--no-format`). */
  readonly entrypoint: string;
}

/** Where Alluxio 2.9's proxy serves the S3 API (a bucket is a top-level Alluxio directory under it). */
export const S3_API_PATH = '/api/v1/s3';

export const OFFICIAL_IMAGE_LAYOUT: AlluxioImageLayout = {
  home: '/opt/alluxio',
  entrypoint: '/entrypoint.sh',
};

/** Where the master's journal volume (EFS, uid 1000) is mounted, under the Alluxio home. */
export function journalMountOf(layout: AlluxioImageLayout): string {
  return `${layout.home}/journal-volume`;
}

/** Where the master's journal volume is mounted in the official image. */
export const MASTER_JOURNAL_MOUNT = journalMountOf(OFFICIAL_IMAGE_LAYOUT);

/**
 * Paths in the site file are written under `${alluxio.home}`, which Alluxio resolves in property
 * values: /opt/alluxio in the image, each process's own home in a local cluster, from one file.
 */
export const SITE_JOURNAL_FOLDER = '${alluxio.home}/journal-volume/journal';
export const SITE_WORKER_CACHE_DIR = '${alluxio.home}/cache';

/**
 * The cache directories of a worker with one per disk (EC2 NVMe hosts), under `home`: the image's home
 * for the container's mount points, `${alluxio.home}` for the site file's tier paths.
 */
export function workerCacheDirs(diskCount: number, home: string): string[] {
  return Array.from({ length: diskCount }, (_, i) => `${home}/cache/${i}`);
}

/** Marker written after the one and only journal format; it holds the root mount the journal was formatted for. */
export const JOURNAL_FORMATTED_MARKER = '.formatted-by-cdk-alluxio-minio';

/** The exit code of a start script that refuses to start (a root mount the journal was not made for). */
export const START_REFUSED_EXIT_CODE = 78;

/**
 * The file on the journal volume whose lock a master holds for its whole life. ECS starts a new
 * master while the old one is STOPPING (minimumHealthyPercent 0, maximumPercent 100 do not count a
 * stopping task), so without it two masters would write one UFS journal.
 */
export const JOURNAL_LOCK_FILE = '.master.lock';

/**
 * How long a new master waits for the journal lock before it gives up (and ECS starts another):
 * an old master stops within its stopTimeout (30 s by default, Fargate's maximum 120 s), and the
 * lock of a master whose host died ends when its NFSv4 lease runs out (90 s is the usual lease).
 * 120 s covers either and stays inside the master's 120 s health-check start period.
 */
export const JOURNAL_LOCK_WAIT_SECONDS = 120;

/** The container secret every Alluxio task receives the rendered site file in (the start scripts write it to conf/). */
export const SITE_PROPERTIES_SECRET = 'ALLUXIO_SITE_PROPERTIES';

/**
 * The first step of every start script: the rendered file from the ALLUXIO_SITE_PROPERTIES secret
 * into conf/, because the image's entrypoint never writes alluxio-site.properties (its writeConf only
 * copies a fixed list of ALLUXIO_*_OPTS-style variables into conf/alluxio-env.sh). An empty secret
 * stops the container with a message instead of starting Alluxio with no configuration. The file may
 * hold the MinIO keys, so it is readable by its owner only (the Alluxio processes run as that user):
 * created afresh under umask 077, since a file that is already there keeps its mode when rewritten.
 */
export function writeSitePropertiesStep(layout: AlluxioImageLayout): string[] {
  const siteFile = `${layout.home}/conf/alluxio-site.properties`;
  return [
    `: "\${${SITE_PROPERTIES_SECRET}:?is empty: the task has no rendered alluxio-site.properties (check the secret ${SITE_PROPERTIES_SECRET})}"`,
    `rm -f ${siteFile}`,
    `(umask 077 && printf '%s\\n' "$${SITE_PROPERTIES_SECRET}" > ${siteFile})`,
  ];
}

export interface MasterCommandOptions {
  /** The property that holds the root mount in the rendered file (differs between 2.x and dora). */
  readonly rootUfsKey?: string;
  /**
   * How long to wait for the journal lock.
   *
   * @default JOURNAL_LOCK_WAIT_SECONDS
   */
  readonly journalLockWaitSeconds?: number;
}

/**
 * Takes the journal lock on descriptor 9, waiting for a master that still holds it. The descriptor
 * stays open through the `exec`s into the JVM, so the lock lasts as long as the master and ends with
 * it however it ends (flock on NFS is a whole-file NFSv4 lock since Linux 2.6.12; EFS keeps NFSv4
 * locks, advisory, which is all this needs since only these scripts take it). `flock` is util-linux's;
 * the official image's base should have it, but no image has been pulled here to see it, so a start
 * without it stops with a message rather than running unfenced.
 */
function journalLockStep(journal: string, waitSeconds: number): string[] {
  const lock = `${journal}/${JOURNAL_LOCK_FILE}`;
  return [
    `command -v flock > /dev/null || { echo "cdk-alluxio-minio: not starting: the image has no flock (util-linux), ` +
      `which fences the journal against a second master." >&2; exit ${START_REFUSED_EXIT_CODE}; }`,
    `exec 9>> ${lock}`,
    'if ! flock -n 9; then',
    `  echo "cdk-alluxio-minio: another master holds ${lock} (a task still stopping); waiting up to ${waitSeconds} s before touching the journal." >&2`,
    `  flock -w ${waitSeconds} 9 || { echo "cdk-alluxio-minio: not starting: ${lock} is still held after ${waitSeconds} s; ` +
      `another master is writing this journal." >&2; exit ${START_REFUSED_EXIT_CODE}; }`,
    'fi',
  ];
}

/**
 * The master's start script. The image's `master` command formats the journal on every start unless
 * given `--no-format`, which would wipe Alluxio's metadata on each task replacement. So: format once,
 * when the volume has no marker, then always start with `--no-format`. The site properties are written
 * first so the format sees the same configuration (journal type and folder) as the master.
 *
 * The marker records the root-mount line the journal was formatted for. A master started on that
 * journal with another root would adopt it, and every journaled file would then point at a key that
 * is not there (seen with 2.9.6): the script refuses to start instead, with a message, so ECS's
 * circuit breaker rolls the deployment back to the configuration the journal belongs to.
 *
 * Everything that touches the journal (format, marker, the master itself) runs under the journal
 * lock, so a master started beside one that is still stopping waits instead of writing.
 */
export function alluxioMasterCommand(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT, options: MasterCommandOptions = {}): string {
  const marker = `${journalMountOf(layout)}/${JOURNAL_FORMATTED_MARKER}`;
  const rootKeyPattern = (options.rootUfsKey ?? 'alluxio.master.mount.table.root.ufs').replace(/\./g, '\\.');
  return [
    'set -e',
    ...writeSitePropertiesStep(layout),
    ...journalLockStep(journalMountOf(layout), options.journalLockWaitSeconds ?? JOURNAL_LOCK_WAIT_SECONDS),
    `root_mount=$(grep '^${rootKeyPattern}=' ${layout.home}/conf/alluxio-site.properties || true)`,
    `if [ ! -e ${marker} ]; then`,
    `  ${layout.home}/bin/alluxio formatJournal`,
    `  printf '%s\\n' "$root_mount" > ${marker}`,
    'fi',
    // A marker an earlier version of this library wrote (empty) takes the root the journal runs with now.
    `[ -s ${marker} ] || printf '%s\\n' "$root_mount" > ${marker}`,
    `if [ "$(cat ${marker})" != "$root_mount" ]; then`,
    `  echo "cdk-alluxio-minio: not starting: the journal was formatted for $(cat ${marker}) but the configuration mounts $root_mount." >&2`,
    '  echo "cdk-alluxio-minio: a master would adopt the new root and every journaled file would point at a missing key. ' +
      'Deploy the old bucket and directory again, or a new AlluxioMinio (new journal) for the new root." >&2',
    `  exit ${START_REFUSED_EXIT_CODE}`,
    'fi',
    `exec ${layout.entrypoint} master --no-format`,
  ].join('\n');
}

export interface WorkerCommandOptions {
  /**
   * The tier directory in this layout (the entrypoint only tests that the variable is set; the tier
   * itself comes from the site file).
   *
   * @default - `<home>/cache`, where `${alluxio.home}/cache` resolves
   */
  readonly tierPath?: string;
}

/**
 * The worker's start script: the site properties (the same first step as the master's), then the
 * task's own address as the worker's hostname (Fargate tasks have no resolvable hostname for their
 * peers), and never a format: on Fargate its cache is the task's fresh ephemeral storage, and on NVMe
 * hosts the host's boot script prepares the disks.
 * ALLUXIO_WORKER_TIEREDSTORE_LEVEL0_DIRS_PATH is exported because without it the entrypoint exports
 * ALLUXIO_RAM_FOLDER=/dev/shm, which libexec/alluxio-config.sh turns into -D options for a MEM tier on
 * the container's small /dev/shm that override the tier in alluxio-site.properties.
 */
export function alluxioWorkerCommand(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT, options: WorkerCommandOptions = {}): string {
  return [
    'set -e',
    ...writeSitePropertiesStep(layout),
    `export ALLUXIO_WORKER_TIEREDSTORE_LEVEL0_DIRS_PATH='${options.tierPath ?? `${layout.home}/cache`}'`,
    "worker_address=$(hostname -i | awk '{print $1}')",
    // Inside `export` an empty substitution would not stop the script: the worker would advertise nothing.
    '[ -n "$worker_address" ] || { echo "cdk-alluxio-minio: not starting: hostname -i gives the task no address for the worker to advertise." >&2; exit 78; }',
    'export ALLUXIO_JAVA_OPTS="$ALLUXIO_JAVA_OPTS -Dalluxio.worker.hostname=$worker_address"',
    `exec ${layout.entrypoint} worker --no-format`,
  ].join('\n');
}

export interface ProxyCommandOptions {
  /**
   * The port the proxy listens on.
   *
   * @default ALLUXIO_PORTS.proxyWeb
   */
  readonly port?: number;
}

/**
 * The S3 proxy's start script: the site properties (the master's and the worker's first step; the
 * proxy's secret is the configuration without the MinIO keys), then the image's `proxy` command. The
 * port is a -D option in ALLUXIO_PROXY_JAVA_OPTS, which only the proxy's JVM reads, so the rendered
 * site file stays the same for every service.
 */
export function alluxioProxyCommand(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT, options: ProxyCommandOptions = {}): string {
  return [
    'set -e',
    ...writeSitePropertiesStep(layout),
    `export ALLUXIO_PROXY_JAVA_OPTS="$ALLUXIO_PROXY_JAVA_OPTS -Dalluxio.proxy.web.port=${options.port ?? ALLUXIO_PORTS.proxyWeb}"`,
    `exec ${layout.entrypoint} proxy`,
  ].join('\n');
}

/*
 * What a task's health check probes: one port per JVM in the container. The image's `master` and
 * `worker` commands start the job process beside the main one and wait for both (entrypoint.sh:
 * `launch-process` for each in the background, then `wait`), so a job master or job worker that dies
 * leaves the container running; a probe of the main port alone would never see it, and ASYNC_THROUGH
 * persistence and distributed loads (jobs) would stall with every task healthy. Each port is one the
 * process serves only while it does its work (defaults from 2.9.6's PropertyKey: job master RPC 20001,
 * web 20002, Raft 20003; job worker RPC 30001, data 30002, web 30003).
 */

/**
 * The ports that show a master task serves: the master's and its job master's.
 * - One master: the RPC ports of both, which a primary serves from its start to its stop.
 * - Master `quorumIndex` of a quorum: the Raft ports of both. A standby job master serves no RPC at all
 *   (2.9's FaultTolerantAlluxioJobMasterProcess stops serving in its constructor and starts only on
 *   gaining primacy), and a master's RPC port closes while it turns primary; each Raft server runs
 *   from the process's start to its stop.
 */
export function masterHealthCheckPorts(quorumIndex?: number): number[] {
  if (quorumIndex === undefined) return [ALLUXIO_PORTS.masterRpc, ALLUXIO_PORTS.jobMasterRpc];
  const journal = journalPortsOf(quorumIndex);
  return [journal.master, journal.jobMaster];
}

/**
 * The ports that show a worker task serves: the worker's RPC port and its job worker's. The job worker
 * opens its RPC port only once it has registered with the job master (2.9's AlluxioJobWorkerProcess:
 * web server, then registration, then the RPC server), so the probe also says it can be given tasks;
 * its web port opens before registration and its data port is never bound.
 */
export const WORKER_HEALTH_CHECK_PORTS: readonly number[] = [ALLUXIO_PORTS.workerRpc, ALLUXIO_PORTS.jobWorkerRpc];
