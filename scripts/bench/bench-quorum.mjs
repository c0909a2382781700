// Leader figures of three real Alluxio 2.9.6 masters on the embedded journal (test/support/master-quorum):
// from the first start to a leader answering its web port, from kill -9 of the leader to another one
// answering (BENCH_RUNS failovers, median; each killed master is started again as a standby before the
// next), and how long asking all three masters for the leader takes (the health check's and the
// rotation's lookup). Prints, never asserts. Called by scripts/bench/bench.mjs; also runs alone.
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median, RUNS } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!existsSync(join(root, '.tools', 'alluxio-lib'))) {
  console.log('## Master quorum: skipped (no Alluxio jars: run npm run sandbox:up)');
  process.exit(0);
}

// Bundled from the TypeScript sources, two levels below the root like the other bench bundles, because
// the support code finds .tools/ from its own __dirname.
const work = join(root, 'node_modules', '.bench-quorum');
mkdirSync(work, { recursive: true });
const entry = `
  export { startMasterQuorum } from './test/support/master-quorum';
  export { askMasters } from './lib/runtime/minio-checks';
  export { leaderIndexes } from './lib/core/master-leader';
`;
// The stand-in image's module finds the image's files from its own __dirname: it stays outside the bundle
// (its build output, local/alluxio/alluxio-image.js, which npm run bench builds first).
const imageModuleOutside = {
  name: 'image-module-outside',
  setup(build) {
    build.onResolve({ filter: /local\/alluxio\/alluxio-image$/ }, () => ({ path: join(root, 'local', 'alluxio', 'alluxio-image.js'), external: true }));
  },
};
await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: join(work, 'quorum.cjs'),
  logLevel: 'error',
  plugins: [imageModuleOutside],
});
const lib = createRequire(import.meta.url)(join(work, 'quorum.cjs'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const failovers = Math.max(1, Math.min(RUNS, 3));

console.log('## Master quorum (3 masters, embedded journal, default election timeouts)');
const started = Date.now();
const quorum = await lib.startMasterQuorum('bench');
try {
  let leader = await quorum.awaitLeader();
  console.log(`first start to a leader answering:           ${seconds(Date.now() - started)}`);

  const lookups = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const answers = await lib.askMasters(quorum.webAddresses, 2500);
    lookups.push(performance.now() - t);
    if (lib.leaderIndexes(answers).length !== 1) throw new Error('the quorum lost its leader during the lookup figures');
  }
  console.log(`asking all three for the leader:             ${median(lookups).toFixed(1)} ms (median of ${lookups.length})`);

  const samples = [];
  for (let run = 0; run < failovers; run++) {
    await quorum.kill(leader);
    const killed = Date.now();
    const next = await quorum.awaitLeader(
      undefined,
      [0, 1, 2].filter((i) => i !== leader),
    );
    samples.push(Date.now() - killed);
    await quorum.start(leader);
    // Let the restarted master catch up as a standby before the next kill.
    await sleep(20_000);
    leader = next;
  }
  console.log(`kill -9 of the leader to a new one answering: ${seconds(median(samples))} (median of ${samples.length}: ${samples.map(seconds).join(', ')})`);
} finally {
  await quorum.stop();
}
