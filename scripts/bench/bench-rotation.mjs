// Credential rotation timings (median of BENCH_RUNS runs) on loopback: from the parameter update to the
// new pair verified and labelled, and to the rollback of a bad pair. Real servers: a private versitygw
// with two identities, the sandbox's moto for SSM/SNS/CloudWatch. ECS is simulated (every service stable
// at the first look), so the figures exclude the time ECS takes to replace tasks. Prints, never asserts.
// Called by scripts/bench/bench.mjs; also runs alone: node scripts/bench/bench-rotation.mjs
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { median, RUNS } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOAL_MS = 30_000;

if (!existsSync(join(root, '.sandbox', 'endpoints.json'))) {
  console.log('## Credential rotation: skipped (sandbox down: run npm run sandbox:up)');
  process.exit(0);
}

// The rotation and the suites' sandbox support, bundled from the TypeScript sources. The bundle sits two
// levels below the root because the support code finds .sandbox/ and .tools/ from its own __dirname.
const work = join(root, 'node_modules', '.bench-rotation');
mkdirSync(work, { recursive: true });
const entry = `
  export { runCredentialRotation, DEFAULT_ROTATION_TIMING } from './lib/runtime/credential-rotation';
  export { startRotationSandbox, deployPair, rotationConfig, putSecureString, mockEcs, uniqueRotationPrefix } from './test/support/rotation-sandbox';
  export { ECSClient } from '@aws-sdk/client-ecs';
`;
buildSync({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: join(work, 'rotation.cjs'),
  logLevel: 'error',
});
const lib = createRequire(import.meta.url)(join(work, 'rotation.cjs'));

const sandbox = await lib.startRotationSandbox();
const ecs = lib.mockEcs();
const clients = { ssm: sandbox.ssm, ecs: new lib.ECSClient({ region: 'us-east-1' }), sns: sandbox.sns, cloudwatch: sandbox.cloudwatch };
const timing = lib.DEFAULT_ROTATION_TIMING;

async function adopted() {
  const prefix = lib.uniqueRotationPrefix('bench');
  await lib.deployPair(sandbox, prefix, sandbox.first);
  const config = lib.rotationConfig(sandbox, prefix);
  await lib.runCredentialRotation(config, clients, { kind: 'schedule' }, timing);
  return config;
}

/** Writes both halves, then runs the rotation as the event would; ms from the first write to each step. */
async function timeRotation(accessKeyId, secretKey) {
  const config = await adopted();
  const steps = {};
  const t0 = performance.now();
  await lib.putSecureString(sandbox.ssm, config.render.accessKeyParameterName, accessKeyId);
  await lib.putSecureString(sandbox.ssm, config.render.secretKeyParameterName, secretKey);
  const result = await lib.runCredentialRotation(config, clients, { kind: 'parameter-change' }, timing, (p) => {
    steps[p.step] ??= performance.now() - t0;
  });
  return { result, total: performance.now() - t0, steps };
}

const good = { total: [], firstVerified: [] };
const bad = { total: [] };
let outcomes = new Set();
try {
  for (let i = 0; i < RUNS; i++) {
    const ok = await timeRotation(sandbox.second.accessKeyId, sandbox.second.secretAccessKey);
    outcomes.add(`good:${ok.result.outcome}`);
    good.total.push(ok.total);
    good.firstVerified.push(ok.steps.verified);
    const rejected = await timeRotation(sandbox.second.accessKeyId, `${sandbox.second.secretAccessKey.slice(0, -4)}XXXX`);
    outcomes.add(`bad:${rejected.result.outcome}`);
    bad.total.push(rejected.total);
  }
} finally {
  ecs.restore();
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;
console.log(`## Credential rotation (${RUNS} runs, medians; ECS simulated as stable at once; goal each <= ${GOAL_MS / 1000} s)`);
console.log(`outcomes seen: ${[...outcomes].sort().join(', ')}`);
console.log(`update -> new pair verified against MinIO (before any restart): ${fmt(median(good.firstVerified))}`);
console.log(`update -> rotated (re-rendered, restarts, master check, label):  ${fmt(median(good.total))}`);
console.log(`update -> bad pair rolled back (values restored, nothing restarted): ${fmt(median(bad.total))}`);
console.log(`not included: ECS task replacement (real deployments take minutes), the pair wait for a lone half (bound ${timing.pairWaitMs / 1000} s)`);
process.exit(0);
