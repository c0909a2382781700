import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * What integ-runner's snapshot check does, without an account: each integ.<topology>.ts app is
 * synthesized and compared, file by file, with its committed integ.<topology>.js.snapshot/: the
 * templates of the stack under test and of its assertion stack, and integ.json. The folders are named,
 * as in aws-cdk-lib's own integ tests, after the compiled app that integ-runner and the CDK CLI run
 * (npm run integ:build). Asset hashes are masked (bundled handler code changes them without changing
 * a template), and so is each assertion's salt (the synth time, which makes CloudFormation run the
 * assertions on every deploy).
 *
 * INTEG_SNAPSHOT_UPDATE=1 npx jest test/integ rewrites the snapshots (then review the diff).
 * integ-runner itself cannot run here: 2.197.10, the newest on the registry, reads cloud-assembly
 * schema 53 and aws-cdk-lib 2.271.0 writes 54 (README, Integration tests).
 */

const INTEG_DIR = __dirname;
const UPDATE = process.env.INTEG_SNAPSHOT_UPDATE === '1';
const APPS = readdirSync(INTEG_DIR).filter((file) => /^integ\.[^.]+\.ts$/.test(file));
/**
 * The files of a synthesized assembly that a snapshot keeps: the templates, integ.json and the schema
 * version. Left out: tree.json and the metadata (construct paths, stack traces) and the asset manifests
 * (their destination keys hash the template, salt included).
 */
const KEPT = (file: string) => file === 'integ.json' || file === 'cdk.out' || file.endsWith('.template.json');
const maskVolatile = (text: string) => text.replace(/[0-9a-f]{64}/g, '<asset-hash>').replace(/("salt": )"\d+"/g, '$1"<synth-time>"');

/** Synthesizes one integ app as integ-runner would run it, into a fresh folder: its kept files by name. */
function synthesize(file: string): Map<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'integ-'));
  const previous = process.env.CDK_OUTDIR;
  try {
    // The app's own `new App()` writes where CDK_OUTDIR says, as under the CDK CLI.
    process.env.CDK_OUTDIR = outdir;
    jest.isolateModules(() => require(join(INTEG_DIR, file)));
    return new Map(
      readdirSync(outdir)
        .filter(KEPT)
        .sort()
        .map((name) => [name, maskVolatile(readFileSync(join(outdir, name), 'utf8'))]),
    );
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

function committed(snapshotDir: string): Map<string, string> {
  if (!existsSync(snapshotDir)) return new Map();
  return new Map(
    readdirSync(snapshotDir)
      // What integ-runner itself may add to a snapshot (tree.json, manifest.json, assets) is not compared.
      .filter(KEPT)
      .sort()
      .map((name) => [name, readFileSync(join(snapshotDir, name), 'utf8')]),
  );
}

test('every example topology has an integ app', () => {
  expect(APPS.sort()).toEqual(['integ.existing-minio.ts', 'integ.ha-masters.ts', 'integ.nvme-workers.ts', 'integ.provisioned.ts']);
});

describe.each(APPS)('%s', (file) => {
  const snapshotDir = join(INTEG_DIR, file.replace(/\.ts$/, '.js.snapshot'));

  test('synthesizes as its committed snapshot', () => {
    const synthesized = synthesize(file);
    if (UPDATE) {
      rmSync(snapshotDir, { recursive: true, force: true });
      mkdirSync(snapshotDir);
      for (const [name, text] of synthesized) writeFileSync(join(snapshotDir, name), text);
    }
    const snapshot = committed(snapshotDir);
    // File names first (a stack added or gone), then each file, so a failure names the file that differs.
    expect([...synthesized.keys()]).toEqual([...snapshot.keys()]);
    for (const [name, text] of synthesized) expect({ name, content: JSON.parse(text) }).toEqual({ name, content: JSON.parse(snapshot.get(name)!) });
  });

  test('holds the stack under test and an assertion stack that invokes the health check and describes the site-properties parameter', () => {
    const snapshot = committed(snapshotDir);
    const integ = JSON.parse(snapshot.get('integ.json')!);
    const [testCase] = Object.values(integ.testCases) as Array<{ stacks: string[]; assertionStackName: string }>;
    expect(testCase.stacks).toHaveLength(1);
    const assertions = JSON.stringify(JSON.parse(snapshot.get(`${testCase.assertionStackName}.template.json`)!).Resources);
    expect(assertions).toContain('"Custom::DeployAssert@SdkCallLambdainvoke"');
    expect(assertions).toContain('"Custom::DeployAssert@SdkCallSSMdescribeParameters"');
  });
});
