import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What a user gets from `npm install cdk-alluxio-minio`: the packed tarball installed into an empty
// project, then used the way the README shows. Catches a wrong "main", "bin" or "files" that in-repo
// tests cannot see. --prefer-offline, not --offline: `npm ci` caches package tarballs but not the
// registry metadata a fresh `npm install` resolves versions from, so on a machine whose cache only
// `npm ci` filled, --offline fails with ERESOLVE; this takes what the cache has and asks the registry
// for the rest.
const root = join(__dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'consumer-'));
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(command, args, { cwd: project, encoding: 'utf8', env, timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  // The suite runs after `npm run build`, so packing needs no second build.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', project], { cwd: root, stdio: 'ignore', timeout: 120_000 });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
  const { peerDependencies } = require(join(root, 'package.json'));
  const { version: cdkVersion } = require('aws-cdk-lib/package.json');
  const { version: constructsVersion } = require('constructs/package.json');
  expect(Object.keys(peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`, `aws-cdk-lib@${cdkVersion}`, `constructs@${constructsVersion}`]);
}, 300_000);

test('the installed package synthesizes the README example with its bundled handlers', () => {
  writeFileSync(
    join(project, 'app.js'),
    `const { App, Stack } = require('aws-cdk-lib');
     const { AlluxioMinio, MinioBackend, MinioCredentials } = require('cdk-alluxio-minio');
     const app = new App({ outdir: 'cdk.out' });
     const stack = new Stack(app, 'Consumer');
     new AlluxioMinio(stack, 'Cache', {
       minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' }),
       credentials: MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key'),
     });
     const template = app.synth().getStackByName('Consumer').template;
     const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
     console.log(JSON.stringify({ functions: functions.length, assets: require('fs').readdirSync('cdk.out').filter((f) => f.startsWith('asset.')).length }));`,
  );
  const result = JSON.parse(run('node', ['app.js']));
  expect(result.functions).toBeGreaterThanOrEqual(4);
  // Every bundled handler was staged from the package's lambda-dist (nothing bundled at synth).
  expect(result.assets).toBeGreaterThanOrEqual(4);
});

test('the installed alluxio-minio binary renders with secrets masked', () => {
  const out = run('npx', ['--no-install', 'alluxio-minio', 'render', '--endpoint', 'http://10.0.12.7:9000', '--bucket', 'datalake'], {
    ...process.env,
    MINIO_ACCESS_KEY: 'CONSUMERACCESSKEY1',
    MINIO_SECRET_KEY: 'consumer-secret-value-1',
  });
  expect(out).toContain('alluxio.master.mount.table.root.ufs=s3\\://datalake/');
  expect(out).toContain('s3a.secretKey=********');
  expect(out).not.toContain('consumer-secret-value-1');
  expect(out).not.toContain('CONSUMERACCESSKEY1');
});
