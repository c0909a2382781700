// Cold start of each bundled custom-resource handler: module load plus its first call against the
// sandbox (moto SSM), each in a fresh process, median of BENCH_RUNS. Prints, never asserts.
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, RUNS } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

console.log(`## Handler cold start (fresh process, median of ${RUNS}; first call against moto SSM)`);
for (const name of ['credentials', 'render']) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, [join(root, 'scripts/bench/handler-cold-start.cjs'), name], { cwd: root, encoding: 'utf8' });
    runs.push(JSON.parse(out));
  }
  const load = median(runs.map((r) => r.loadMs));
  const call = median(runs.map((r) => r.firstCallMs));
  console.log(`${name}: module load ${load.toFixed(0)} ms + first call ${call.toFixed(0)} ms = ${(load + call).toFixed(0)} ms`);
}
