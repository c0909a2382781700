// The package figures for `npm run bench`: what npm would publish (size, file count) and, when
// `npm run package` has run, the Python wheel and Java jar in dist/ and how long packaging takes.
// Prints only; BENCH_PACKAGE_TIME=1 also times a forced `npm run package` (about a minute).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

console.log('## Package (npm pack, jsii-pacmak)');
const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
console.log(
  `npm tarball: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.entryCount} files (bundled: ${packed.bundled.join(', ') || 'none'})`,
);

const found = (dir, test) => {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => test(f) && statSync(f).isFile());
};
const artifacts = [
  ...found(join(root, 'dist', 'python'), (f) => f.endsWith('.whl')),
  ...found(join(root, 'dist', 'java'), (f) => f.endsWith('.jar') && !/-(sources|javadoc)\.jar$/.test(f)),
];
if (artifacts.length === 0) console.log('wheel, jar: not built (npm run package)');
for (const file of artifacts) console.log(`${relative(root, file)}: ${kib(statSync(file).size)}`);

if (process.env.BENCH_PACKAGE_TIME === '1') {
  const start = Date.now();
  execFileSync('bash', [join(root, 'scripts/package.sh')], { cwd: root, stdio: 'ignore', env: { ...process.env, PACKAGE_FORCE: '1' } });
  console.log(`npm run package (forced, one run): ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
