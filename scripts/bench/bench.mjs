// `npm run bench`: prints figures (medians of several runs), never asserts. Targets live in the
// README and the issues; this only measures. Run after `npm run build` (the npm script does).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, RUNS } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Child processes inherit this: the SDK's Node.js 20 support warning would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const fmtMs = (ms) => `${ms.toFixed(0)} ms`;

function synthSamples(which) {
  const samples = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, [join(root, 'scripts/bench/synth-once.cjs'), which], { cwd: root, encoding: 'utf8' });
    last = JSON.parse(out);
    samples.push(last.ms);
  }
  return { median: median(samples), samples, templates: last.templates };
}

console.log(`# cdk-alluxio-minio bench (${RUNS} runs each, medians)\n`);

console.log('## Synth (fresh process per run, app construction + synth)');
// Interleaving would be fairer on a noisy machine, but each app's runs together keep caches comparable.
const example = synthSamples('example');
const baseline = synthSamples('baseline');
console.log(`example app (${Object.keys(example.templates).length} stacks):                      ${fmtMs(example.median)}`);
console.log(`baseline ApplicationLoadBalancedFargateService: ${fmtMs(baseline.median)}`);
console.log(`ratio example / baseline:                     ${(example.median / baseline.median).toFixed(2)}x (goal <= 1.5x)`);
for (const [name, t] of Object.entries(example.templates)) {
  console.log(`template ${name}: ${t.bytes} bytes, ${t.resources} resources, ${t.lambdaFunctions} Lambda functions`);
}
for (const [name, t] of Object.entries(baseline.templates)) {
  console.log(`template ${name} (baseline): ${t.bytes} bytes, ${t.resources} resources`);
}

console.log('\n## Synth per topology (one stack each, existing MinIO)');
for (const topology of ['fargate-workers', 'nvme-workers', 'ha-masters']) {
  const run = synthSamples(`topology:${topology}`);
  const [t] = Object.values(run.templates);
  console.log(`${topology}: ${fmtMs(run.median)}, template ${t.bytes} bytes, ${t.resources} resources`);
}

console.log('\n## Bundled Lambda handlers (lambda-dist, minified, SDK included)');
const dist = join(root, 'lambda-dist');
for (const name of existsSync(dist) ? readdirSync(dist).sort() : []) {
  const file = join(dist, name, 'index.js');
  if (existsSync(file)) console.log(`${name}: ${(statSync(file).size / 1024).toFixed(1)} KiB`);
}

console.log('');
execFileSync(process.execPath, [join(root, 'scripts/bench/bench-package.mjs')], { cwd: root, stdio: 'inherit' });

// Suites that need the sandbox (handler cold start, time to a health verdict, rotation) add their
// figures here; the sandbox is started for them when it is not already running, and stopped after.
const sandboxSuites = [
  'bench-handlers.mjs',
  'bench-health.mjs',
  'bench-rotation.mjs',
  'bench-cluster.mjs',
  'bench-s3-endpoint.mjs',
  'bench-quorum.mjs',
  'bench-failover.mjs',
]
  .map((name) => join(root, 'scripts', 'bench', name))
  .filter((file) => existsSync(file));
const sandboxWasUp = existsSync(join(root, '.sandbox', 'endpoints.json'));
if (sandboxSuites.length > 0 && !sandboxWasUp) execFileSync('bash', [join(root, 'scripts/sandbox.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  for (const file of sandboxSuites) {
    console.log('');
    execFileSync(process.execPath, [file], { cwd: root, stdio: 'inherit' });
  }
} finally {
  if (sandboxSuites.length > 0 && !sandboxWasUp) execFileSync('bash', [join(root, 'scripts/sandbox.sh'), 'down'], { stdio: 'ignore' });
}
