import { renderSiteProperties } from '../../lib/core/site-properties';
import { listUfsContractTests, runUfsContractTest } from '../support/alluxio-java';
import { startVersitygwWithIam, VersitygwWithIam } from '../support/versitygw-iam';

// The escaping matters end to end: a secret key full of .properties metacharacters, rendered, must
// sign requests S3 accepts. A private versitygw (internal IAM) holds a user with such a key.

const TRICKY_SECRET = 'p=a:s#s!w o+r/d\\Key';
const SAMPLE_TESTS = ['createOpenTest', 'createThenGetExistingFileStatusTest', 'deleteFileTest', 'listStatusTest', 'renameFileTest'];
const TIMEOUT_MS = 120_000;

let server: VersitygwWithIam;
beforeAll(async () => {
  server = await startVersitygwWithIam();
});
afterAll(async () => {
  await server?.stop();
});

test(
  'a secret key with = : # ! space + / \\ rendered by the library signs requests the S3 server accepts',
  async () => {
    const bucket = 'tricky-secret-contract';
    await server.createBucket(bucket);
    const user = await server.addUser(bucket, { accessKeyId: 'trickyuser01', secretAccessKey: TRICKY_SECRET });
    const all = listUfsContractTests();
    expect(all).toEqual(expect.arrayContaining(SAMPLE_TESTS));
    const text = renderSiteProperties({
      alluxioVersion: '2.9.6',
      minio: { endpoint: server.endpoint, bucket },
      accessKeyId: user.accessKeyId,
      secretKey: user.secretAccessKey,
    });
    const run = (secretText: string) =>
      runUfsContractTest({
        sitePropertiesText: secretText,
        ufsPath: `s3://${bucket}/`,
        skipTests: all.filter((n) => !SAMPLE_TESTS.includes(n)),
        timeoutMs: TIMEOUT_MS,
      });
    const result = await run(text);
    const summary = { timedOut: result.timedOut, exitCode: result.exitCode, failedCount: result.failedCount, passed: result.passedCount };
    if (summary.exitCode !== 0) {
      throw new Error(`${JSON.stringify(summary)}\n${result.stdout.slice(-3000)}`);
    }
    expect(summary).toEqual({ timedOut: false, exitCode: 0, failedCount: 0, passed: SAMPLE_TESTS.length });

    // Control: the same secret written unescaped by hand reaches Alluxio mangled, and S3 refuses it.
    const handWritten = text.replace(/^s3a\.secretKey=.*$/m, `s3a.secretKey=${TRICKY_SECRET}`);
    const control = await run(handWritten);
    expect(control.exitCode).not.toBe(0);
    expect(control.passedCount).toBe(0);
  },
  2 * TIMEOUT_MS + 30_000,
);
