import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { DEFAULT_ALLUXIO_VERSION, MinioBackend } from '../../lib';
import {
  EXAMPLE_STACKS,
  ensureJavaConsumer,
  inputErrorMessage,
  JSII_ENV,
  newOutdir,
  readTemplate,
  run,
  templateSummary,
  typeScriptTemplates,
} from './jsii-consumers';

// The jar `npm run package` built, resolved by Maven from dist/java with aws-cdk-lib and constructs
// from Maven Central, running the example app written in Java.
const MAIN_CLASS = 'example.ExampleApp';
let classpath: string;
let outdir: string;
let printed: { defaultAlluxioVersion: string; defaultMinioImage: string };
let expected: Record<string, unknown>;

beforeAll(() => {
  classpath = ensureJavaConsumer();
  outdir = newOutdir('java-synth-');
  printed = JSON.parse(run('java', ['-cp', classpath, MAIN_CLASS, 'synth', outdir], { timeoutMs: 300_000 }));
  expected = typeScriptTemplates();
}, 1_200_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

test.each(Object.values(EXAMPLE_STACKS))('the Java app synthesizes %s exactly as the TypeScript app does', (stackName) => {
  const template = readTemplate(outdir, stackName);
  // The summary first: when the templates differ, it says how (a missing resource, another handler bundle).
  expect(templateSummary(template)).toEqual(templateSummary(expected[stackName]));
  expect(template).toEqual(expected[stackName]);
});

test('Java sees the library constants as class members', () => {
  expect(printed).toEqual({ defaultAlluxioVersion: DEFAULT_ALLUXIO_VERSION, defaultMinioImage: MinioBackend.DEFAULT_IMAGE_NAME });
});

test('an input error reaches Java with the message TypeScript users get', () => {
  const result = spawnSync('java', ['-cp', classpath, MAIN_CLASS, 'input-error'], { env: JSII_ENV, encoding: 'utf8', timeout: 300_000 });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain(`software.amazon.jsii.JsiiError: ${inputErrorMessage()}`);
});
