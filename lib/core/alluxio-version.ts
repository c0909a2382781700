import { InputError } from './input-error';

/**
 * The Alluxio release a deployment runs, reduced to what the renderer needs to know about it.
 *
 * The two release lines disagree on where the root mount lives, so the version decides the key.
 */
export interface AlluxioRelease {
  /** The version as configured, e.g. `2.9.3` or `313`. */
  readonly version: string;
  /** `v2` for 2.x releases, `dora` for the 3xx releases (294 to 313). */
  readonly line: 'v2' | 'dora';
  /** The property that holds the root UFS URI in this line. */
  readonly rootUfsKey: string;
}

/**
 * The release this library deploys unless told otherwise: the newest 2.9.x with an official
 * `alluxio/alluxio` image (2.9.5; 2.9.6 reached Maven Central but not Docker Hub, and 2.9.5 is the
 * reverse, so the tests run Alluxio's classes from the 2.9.6 jars).
 */
export const DEFAULT_ALLUXIO_VERSION = '2.9.5';

export const V2_ROOT_UFS_KEY = 'alluxio.master.mount.table.root.ufs';
export const DORA_ROOT_UFS_KEY = 'alluxio.dora.client.ufs.root';

const DORA_FIRST = 294;
const DORA_LAST = 313;

const SUPPORTED = `a 2.x release such as ${DEFAULT_ALLUXIO_VERSION} (2.9 recommended) or a 3xx "dora" release from ${DORA_FIRST} to ${DORA_LAST}`;
const deployable = (prop: string) => `a 2.x release such as ${DEFAULT_ALLUXIO_VERSION} (the default; leave ${prop} unset)`;

/** Chooses the release line (and with it the root mount key) for a configured Alluxio version. */
export function parseAlluxioVersion(version: string): AlluxioRelease {
  if (/^2\.\d{1,3}\.\d{1,3}$/.test(version)) {
    return { version, line: 'v2', rootUfsKey: V2_ROOT_UFS_KEY };
  }
  if (/^\d{3}$/.test(version)) {
    const release = Number(version);
    if (release >= DORA_FIRST && release <= DORA_LAST) {
      return { version, line: 'dora', rootUfsKey: DORA_ROOT_UFS_KEY };
    }
  }
  // The value is not a secret, but it may hold a line break; JSON quoting keeps the message on one line.
  throw new InputError('alluxio.version', `${JSON.stringify(version)} is not a supported Alluxio release`, `use ${SUPPORTED}`);
}

/**
 * The release the construct deploys, refusing the dora line: what it would deploy for one is a
 * 2.x-shaped cluster that cannot run as intended.
 * - A 3.x worker caches in a page store (`alluxio.worker.block.store.type` is PAGE in 313's PropertyKey,
 *   `alluxio.worker.page.store.dirs` and `.sizes` default to /tmp/alluxio_cache and 512MB, read from
 *   alluxio-core-common-313.jar): the rendered tier keys size nothing, and the cache is not the task's storage.
 * - Its worker membership (`alluxio.worker.membership.manager.type`: etcd, a static list or the master,
 *   MASTER by default in 313) is chosen by nothing the construct renders or deploys (no etcd).
 * - The start scripts call the 2.x image's commands (`bin/alluxio formatJournal`, `master` with its
 *   job master); 3.x's CLI formats with `bin/alluxio journal format`
 *   (Alluxio/alluxio cli/src/alluxio.org/cli/cmd/journal/format.go) and has no job service.
 * - No open-source 3.x worker is on Maven Central (only client jars 308-313 and the 313 master), so
 *   none of it can be proven on the local cluster.
 * The CLI's `render` keeps writing dora site files (the seed's keys) for a cluster run another way.
 */
export function parseDeployableAlluxioVersion(version: string, prop: string): AlluxioRelease {
  let release: AlluxioRelease;
  try {
    release = parseAlluxioVersion(version);
  } catch (error) {
    // The general fix offers a dora release too, which the next check refuses: name only what deploys.
    if (error instanceof InputError) {
      throw new InputError(prop, `${JSON.stringify(version)} is not a supported Alluxio release`, `use ${deployable(prop)}`);
    }
    throw error;
  }
  if (release.line === 'dora') {
    throw new InputError(
      prop,
      `${version} is a 3.x "dora" release, which this construct cannot deploy: ` +
        `a 3.x worker needs a page store sized to its storage and a worker membership setting, neither of which is rendered, ` +
        `and the start scripts run the 2.x image's commands (formatJournal, a job master)`,
      `use ${deployable(prop)}; \`alluxio-minio render --alluxio-version ${version}\` still writes a dora site file for a cluster you run yourself`,
    );
  }
  return release;
}
