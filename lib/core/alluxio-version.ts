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
