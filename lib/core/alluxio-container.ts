/**
 * How the official Alluxio image (alluxio/alluxio:2.9.x) is started on ECS. Pure strings, so the
 * start-up logic can be unit-tested with a stand-in image layout.
 */

/** Alluxio's ports (DESIGN.md, from the Alluxio docs and Helm chart). */
export const ALLUXIO_PORTS = {
  masterRpc: 19998,
  masterWeb: 19999,
  masterEmbeddedJournal: 19200,
  workerRpc: 29999,
  workerWeb: 30000,
  masterAll: [19998, 19999, 19200, 20001, 20002, 20003],
  workerAll: [29999, 30000, 30001, 30002, 30003],
} as const;

/** Where the master's journal volume (EFS, uid 1000) is mounted in the container. */
export const MASTER_JOURNAL_MOUNT = '/opt/alluxio/journal-volume';

/** Paths inside the image; parameters only so tests can run the scripts against a stand-in layout. */
export interface AlluxioImageLayout {
  readonly home: string;
  readonly entrypoint: string;
  readonly journalMount: string;
}

export const OFFICIAL_IMAGE_LAYOUT: AlluxioImageLayout = {
  home: '/opt/alluxio',
  entrypoint: '/entrypoint.sh',
  journalMount: MASTER_JOURNAL_MOUNT,
};

/** Marker written after the one and only journal format; its presence means "never format again". */
export const JOURNAL_FORMATTED_MARKER = '.formatted-by-cdk-alluxio-minio';

/**
 * Master-only settings, passed as -D options: a UFS journal in a folder on the EFS volume. A UFS
 * journal needs no Raft quorum, so a single master never has to resolve its own Cloud Map name
 * before Cloud Map has registered it.
 */
export function masterJavaOptions(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT): string {
  return `-Dalluxio.master.journal.type=UFS -Dalluxio.master.journal.folder=${layout.journalMount}/journal`;
}

/**
 * The master's start script. The image's `master` command formats the journal on every start unless
 * given `--no-format`, which would wipe Alluxio's metadata on each task replacement. So: format once,
 * when the volume has no marker, then always start with `--no-format`. The site properties are written
 * first (as the entrypoint would) so the format sees the same configuration as the master.
 */
export function alluxioMasterCommand(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT): string {
  const marker = `${layout.journalMount}/${JOURNAL_FORMATTED_MARKER}`;
  return [
    'set -e',
    `printf '%s\\n' "$ALLUXIO_SITE_PROPERTIES" > ${layout.home}/conf/alluxio-site.properties`,
    `if [ ! -e ${marker} ]; then`,
    `  ${layout.home}/bin/alluxio formatJournal`,
    `  touch ${marker}`,
    'fi',
    `exec ${layout.entrypoint} master --no-format`,
  ].join('\n');
}

/**
 * The worker's start script: it advertises the task's own address (Fargate tasks have no resolvable
 * hostname for their peers) and never formats, since its cache is the task's fresh ephemeral storage.
 */
export function alluxioWorkerCommand(layout: AlluxioImageLayout = OFFICIAL_IMAGE_LAYOUT): string {
  return [
    'set -e',
    `export ALLUXIO_JAVA_OPTS="$ALLUXIO_JAVA_OPTS -Dalluxio.worker.hostname=$(hostname -i | awk '{print $1}')"`,
    `exec ${layout.entrypoint} worker --no-format`,
  ].join('\n');
}
