import { spawnSync } from 'node:child_process';
import { ensureJavaConsumer, JSII_ENV, run, testExampleApp } from './jsii-consumers';

// The jar `npm run package` built, resolved by Maven from dist/java with aws-cdk-lib and constructs
// from Maven Central, running the example app written in Java.
const MAIN_CLASS = 'example.ExampleApp';
let classpath: string;

beforeAll(() => {
  classpath = ensureJavaConsumer();
}, 900_000);

testExampleApp('Java', {
  synthesize: (outdir) => run('java', ['-cp', classpath, MAIN_CLASS, 'synth', outdir], { timeoutMs: 300_000 }),
  inputError: () => spawnSync('java', ['-cp', classpath, MAIN_CLASS, 'input-error'], { env: JSII_ENV, encoding: 'utf8', timeout: 300_000 }),
  errorPrefix: 'software.amazon.jsii.JsiiError: ',
});
