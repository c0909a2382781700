import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { createExampleApp, EXAMPLE_STACKS } from '../../bin/example-app';
import { AlluxioMinio, DEFAULT_ALLUXIO_VERSION, MinioBackend } from '../../lib';

// What the Python and Java suites share: the packages `npm run package` wrote to dist/, a Python venv
// and a Maven build that consume them the way users do (aws-cdk-lib and constructs from PyPI and Maven
// Central, nothing else), and the TypeScript app they are compared with.

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const TOOLS = join(ROOT, '.tools');

/** The versions the TypeScript suites run against (the peer floors); the other languages get exactly these. */
const CDK_VERSION: string = require('aws-cdk-lib/package.json').version;
const CONSTRUCTS_VERSION: string = require('constructs/package.json').version;
const LIBRARY_VERSION: string = require(join(ROOT, 'package.json')).version;

/**
 * For every process that starts the jsii kernel: the kernel's end-of-life banner for this machine's
 * Node.js 20 would fill stderr, where the tests look for error messages, and its cache of unpacked
 * packages (keyed by content hash) goes to an ignored project folder instead of ~/.cache.
 */
export const JSII_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
  JSII_RUNTIME_PACKAGE_CACHE_ROOT: join(TOOLS, 'jsii-package-cache'),
};

/** Runs a command to completion; a failure quotes the end of its own output. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): string {
  const env = { ...JSII_ENV, ...options.env };
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, env, encoding: 'utf8', timeout: options.timeoutMs });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal ?? result.error?.message}:\n${tail}`);
  }
  return result.stdout;
}

function onlyFile(dir: string, suffix: string): string {
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(suffix)) : [];
  if (found.length !== 1) {
    throw new Error(`expected one *${suffix} in ${dir}, found ${found.length}: run \`npm run package\` (npm test does)`);
  }
  return join(dir, found[0]);
}

/**
 * A venv with the built wheel, and aws-cdk-lib and constructs from PyPI at the TypeScript suites'
 * versions. Reinstalled only when the wheel or a version changed; the wheel always goes in last and
 * forced, since every build has the same version number.
 */
export function ensurePythonConsumer(): string {
  const venv = join(TOOLS, 'jsii-python');
  const python = join(venv, 'bin', 'python');
  const wheel = onlyFile(join(DIST, 'python'), '.whl');
  const wheelHash = createHash('sha256').update(readFileSync(wheel)).digest('hex');
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
  // pip freeze names a wheel installed from a file by its hash.
  const frozen = run(python, ['-m', 'pip', 'freeze'], { timeoutMs: 60_000 }).split('\n');
  const installed =
    frozen.includes(`aws-cdk-lib==${CDK_VERSION}`) &&
    frozen.includes(`constructs==${CONSTRUCTS_VERSION}`) &&
    frozen.some((line) => line.startsWith('cdk-alluxio-minio @ ') && line.endsWith(`sha256=${wheelHash}`));
  if (!installed) {
    const pip = [python, '-m', 'pip', 'install', '--disable-pip-version-check', '--quiet'];
    run(pip[0], [...pip.slice(1), wheel, `aws-cdk-lib==${CDK_VERSION}`, `constructs==${CONSTRUCTS_VERSION}`], { timeoutMs: 600_000 });
    run(pip[0], [...pip.slice(1), '--no-deps', '--force-reinstall', wheel], { timeoutMs: 120_000 });
  }
  return python;
}

const JAVA_APP = join(__dirname, 'java-app');

/**
 * Compiles the Java app against the jar in dist/java with Maven, in its own local repository (nothing
 * another build put in ~/.m2 counts), and returns the classpath to run it with.
 */
export function ensureJavaConsumer(): string {
  const repository = join(TOOLS, 'maven-consumer');
  mkdirSync(repository, { recursive: true });
  // Maven never fetches a release version again once it is in the local repository, and every build
  // of the library has the same version: drop the last one so the jar just packaged is used.
  rmSync(join(repository, 'io', 'github', 'cdk-alluxio-minio'), { recursive: true, force: true });
  const classpathFile = join(JAVA_APP, 'target', 'classpath.txt');
  run(
    'mvn',
    [
      '-q',
      '-B',
      `-Dmaven.repo.local=${repository}`,
      `-Dlibrary.version=${LIBRARY_VERSION}`,
      `-Dcdk.version=${CDK_VERSION}`,
      `-Dconstructs.version=${CONSTRUCTS_VERSION}`,
      'clean',
      'compile',
      'dependency:build-classpath',
      `-Dmdep.outputFile=${classpathFile}`,
    ],
    { cwd: JAVA_APP, timeoutMs: 800_000 },
  );
  return `${join(JAVA_APP, 'target', 'classes')}:${readFileSync(classpathFile, 'utf8').trim()}`;
}

export function newOutdir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The example app's templates as the TypeScript library synthesizes them, by stack name. */
function typeScriptTemplates(): Record<string, unknown> {
  const outdir = newOutdir('ts-synth-');
  try {
    const assembly = createExampleApp(outdir).synth();
    return Object.fromEntries(Object.values(EXAMPLE_STACKS).map((name) => [name, assembly.getStackByName(name).template]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function readTemplate(outdir: string, stackName: string): unknown {
  return JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8'));
}

interface TemplateSummary {
  readonly resourceTypes: Record<string, number>;
  readonly handlerAssets: string[];
}

/** Resource types with their counts, and the S3 keys (asset hashes) of every Lambda function's code. */
function templateSummary(template: unknown): TemplateSummary {
  const resources = Object.values((template as { Resources: Record<string, { Type: string; Properties?: any }> }).Resources);
  const resourceTypes: Record<string, number> = {};
  for (const { Type } of resources) resourceTypes[Type] = (resourceTypes[Type] ?? 0) + 1;
  const handlerAssets = resources
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => JSON.stringify(r.Properties?.Code?.S3Key))
    .sort();
  return { resourceTypes, handlerAssets };
}

/** The message TypeScript users get for an existing MinIO without credentials (what the apps' input-error does). */
function inputErrorMessage(): string {
  const stack = new Stack(new App(), 'Stack');
  try {
    new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake' }) });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('an existing MinIO without credentials was accepted');
}

/**
 * The tests every language's app shares. `synthesize` runs the app's `synth OUTDIR` (after the
 * suite's own beforeAll installed it) and returns what it printed; `inputError` runs its `input-error`.
 */
export function testExampleApp(
  language: string,
  app: { synthesize: (outdir: string) => string; inputError: () => SpawnSyncReturns<string>; errorPrefix: string },
): void {
  let outdir: string | undefined;
  let printed: unknown;
  let expected: Record<string, unknown>;
  beforeAll(() => {
    outdir = newOutdir(`${language.toLowerCase()}-synth-`);
    printed = JSON.parse(app.synthesize(outdir));
    expected = typeScriptTemplates();
  }, 300_000);
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test.each(Object.values(EXAMPLE_STACKS))(`the ${language} app synthesizes %s exactly as the TypeScript app does`, (stackName) => {
    const template = readTemplate(outdir!, stackName);
    // The summary first: when the templates differ, it says how (a missing resource, another handler bundle).
    expect(templateSummary(template)).toEqual(templateSummary(expected[stackName]));
    expect(template).toEqual(expected[stackName]);
  });

  test(`${language} sees the library constants as class members`, () => {
    expect(printed).toEqual({ defaultAlluxioVersion: DEFAULT_ALLUXIO_VERSION, defaultMinioImage: MinioBackend.DEFAULT_IMAGE_NAME });
  });

  test(`an input error reaches ${language} with the message TypeScript users get`, () => {
    const result = app.inputError();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${app.errorPrefix}${inputErrorMessage()}`);
  });
}
