// Bundles every handler in lambda/<name>/index.ts into lambda-dist/<name>/index.js at build time,
// so the package ships ready-to-upload code and users never need esbuild or Docker at synth.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'lambda');
const outDir = join(root, 'lambda-dist');

const handlers = readdirSync(sourceDir).filter((name) => existsSync(join(sourceDir, name, 'index.ts')));
rmSync(outDir, { recursive: true, force: true });

for (const name of handlers) {
  const outfile = join(outDir, name, 'index.js');
  await build({
    entryPoints: [join(sourceDir, name, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    // The Lambda runtime the constructs choose (Node.js 22); the SDK is bundled, not taken from the
    // runtime, so the versions pinned in package.json are the ones that run.
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`bundled lambda/${name} -> lambda-dist/${name}/index.js (${statSync(outfile).size} bytes)`);
}
