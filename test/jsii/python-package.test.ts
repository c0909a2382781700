import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePythonConsumer, JSII_ENV, newOutdir, run, testExampleApp } from './jsii-consumers';

// The wheel `npm run package` built, installed from its file with aws-cdk-lib and constructs from PyPI,
// running the example app written in Python.
const APP = join(__dirname, 'python-app', 'app.py');
let python: string;

beforeAll(() => {
  python = ensurePythonConsumer();
}, 900_000);

testExampleApp('Python', {
  synthesize: (outdir) => run(python, [APP, 'synth', outdir], { timeoutMs: 300_000 }),
  inputError: () => spawnSync(python, [APP, 'input-error'], { env: JSII_ENV, encoding: 'utf8', timeout: 300_000 }),
  // jsii raises the library's error as a RuntimeError carrying its message.
  errorPrefix: 'RuntimeError: ',
});

test("the wheel's alluxio-minio console script runs the bundled CLI", () => {
  const out = run(join(python, '..', 'alluxio-minio'), ['render', '--endpoint', 'http://10.0.12.7:9000', '--bucket', 'datalake', '--directory', 'alluxio'], {
    env: { MINIO_ACCESS_KEY: 'PYTHONACCESSKEY0001', MINIO_SECRET_KEY: 'python-console-secret-1' },
    timeoutMs: 120_000,
  });
  expect(out).toContain('alluxio.master.mount.table.root.ufs=s3\\://datalake/alluxio');
  expect(out).toContain('s3a.secretKey=********');
  expect(out).not.toContain('python-console-secret-1');
});

test("the README's Python example synthesizes", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const example = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const dir = newOutdir('readme-python-');
  try {
    writeFileSync(join(dir, 'app.py'), example!);
    // As `cdk synth` runs an app: it names the output directory through CDK_OUTDIR.
    run(python, ['app.py'], { cwd: dir, env: { CDK_OUTDIR: join(dir, 'cdk.out') }, timeoutMs: 300_000 });
    expect(readdirSync(join(dir, 'cdk.out'))).toContain('DataCache.template.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
