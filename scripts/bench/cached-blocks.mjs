// The block files a local cluster's workers cache, read straight from disk: the limit a warm read
// through Alluxio approaches. Shared by the bench scripts that deploy clusters with LocalCluster.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads every cached block file (numeric file names) under the worker tasks of the cluster in `stateDir`. */
export function rawCachedBlockRead(stateDir) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /^\d+$/.test(entry.name)) files.push(path);
    }
  };
  const tasks = join(stateDir, 'ecs', 'tasks');
  for (const task of readdirSync(tasks)) {
    const cache = join(tasks, task, 'root', 'opt', 'alluxio', 'cache');
    if (existsSync(cache)) walk(cache);
  }
  const t0 = performance.now();
  let bytes = 0;
  for (const file of files) bytes += readFileSync(file).length;
  return { bytes, ms: performance.now() - t0, blocks: files.length };
}
