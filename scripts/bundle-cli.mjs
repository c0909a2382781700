// Bundles the alluxio-minio CLI (bin/cli.ts) into cli-dist/cli.js at build time, the AWS SDK inside,
// so the package depends on nothing at run time but properties-file (which the constructs need):
// a jsii package ships every non-jsii dependency bundled in its tarball, and the SDK alone made that
// 4 MB of 5,000 files. The handlers get the same treatment in bundle-lambdas.mjs.
import { build } from 'esbuild';
import { chmodSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'cli-dist');
const outfile = join(outDir, 'cli.js');

rmSync(outDir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'bin', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  // The oldest Node.js package.json's "engines" admits: the CLI runs on the user's machine.
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// npm links "bin" targets executable on install, but the Python package's console script has the
// jsii kernel run the file straight from the unpacked tarball, which keeps the mode it was packed with.
chmodSync(outfile, 0o755);
console.log(`bundled bin/cli.ts -> cli-dist/cli.js (${statSync(outfile).size} bytes)`);
