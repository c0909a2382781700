import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ALLUXIO_VERSION, MinioBackend } from '../../lib';
import {
  EXAMPLE_STACKS,
  ensurePythonConsumer,
  inputErrorMessage,
  JSII_ENV,
  newOutdir,
  readTemplate,
  run,
  templateSummary,
  typeScriptTemplates,
} from './jsii-consumers';

// The wheel `npm run package` built, installed from its file with aws-cdk-lib and constructs from PyPI,
// running the example app written in Python.
const APP = join(__dirname, 'python-app', 'app.py');
let python: string;
let outdir: string;
let printed: { defaultAlluxioVersion: string; defaultMinioImage: string };
let expected: Record<string, unknown>;

beforeAll(() => {
  python = ensurePythonConsumer();
  outdir = newOutdir('python-synth-');
  printed = JSON.parse(run(python, [APP, 'synth', outdir], { timeoutMs: 300_000 }));
  expected = typeScriptTemplates();
}, 900_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

test.each(Object.values(EXAMPLE_STACKS))('the Python app synthesizes %s exactly as the TypeScript app does', (stackName) => {
  const template = readTemplate(outdir, stackName);
  // The summary first: when the templates differ, it says how (a missing resource, another handler bundle).
  expect(templateSummary(template)).toEqual(templateSummary(expected[stackName]));
  expect(template).toEqual(expected[stackName]);
});

test('Python sees the library constants as class members', () => {
  expect(printed).toEqual({ defaultAlluxioVersion: DEFAULT_ALLUXIO_VERSION, defaultMinioImage: MinioBackend.DEFAULT_IMAGE_NAME });
});

test('an input error reaches Python with the message TypeScript users get', () => {
  const result = spawnSync(python, [APP, 'input-error'], { env: JSII_ENV, encoding: 'utf8', timeout: 300_000 });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(inputErrorMessage());
});

test("the wheel's alluxio-minio console script runs the bundled CLI", () => {
  const out = run(
    join(python, '..', 'alluxio-minio'),
    ['render', '--endpoint', 'http://10.0.12.7:9000', '--bucket', 'datalake', '--directory', 'alluxio'],
    { env: { MINIO_ACCESS_KEY: 'PYTHONACCESSKEY0001', MINIO_SECRET_KEY: 'python-console-secret-1' }, timeoutMs: 120_000 },
  );
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
