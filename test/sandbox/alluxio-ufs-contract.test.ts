import { expectAllSelectedPassed, listUfsContractTests, runUfsContractTest, VERSITYGW_DIRECTORY_COPY_TESTS } from '../support/alluxio-java';
import { createTestBucket, loadSandbox } from '../support/sandbox';

// Alluxio's own UFS contract test (what `alluxio runUfsTests` runs), driven by a hand-written
// alluxio-site.properties carrying the seed's keys, proves the sandbox S3 server is one Alluxio 2.9
// can really mount. The negative control proves the positive run is not vacuous: the same
// properties with a wrong secret must fail.

const CONTRACT_TIMEOUT_MS = 240_000;

function siteProperties(bucket: string, secretKey: string): string {
  const { s3 } = loadSandbox();
  // Root of the bucket: Alluxio 2.9's object tests write keys relative to the bucket root and only
  // pass when the UFS path is that root (see runUfsContractTest).
  return [
    `alluxio.master.mount.table.root.ufs=s3://${bucket}/`,
    `alluxio.underfs.s3.endpoint=${s3.endpoint}/`,
    `alluxio.underfs.s3.endpoint.region=${s3.region}`,
    'alluxio.underfs.s3.disable.dns.buckets=true',
    'alluxio.underfs.s3.inherit.acl=false',
    `s3a.accessKeyId=${s3.accessKeyId}`,
    `s3a.secretKey=${secretKey}`,
    '',
  ].join('\n');
}

describe("Alluxio 2.9 UFS contract test against the sandbox's S3 server", () => {
  test('the skipped tests are real test names of the installed Alluxio (a rename cannot silently skip nothing)', () => {
    const all = listUfsContractTests();
    expect(all.length).toBeGreaterThan(30);
    expect(all).toEqual(expect.arrayContaining(VERSITYGW_DIRECTORY_COPY_TESTS));
  });

  test(
    'passes on a fresh bucket with the seed keys',
    async () => {
      const bucket = await createTestBucket('alluxio-contract');
      const result = await runUfsContractTest({
        sitePropertiesText: siteProperties(bucket, loadSandbox().s3.secretAccessKey),
        ufsPath: `s3://${bucket}/`,
        skipTests: VERSITYGW_DIRECTORY_COPY_TESTS,
        timeoutMs: CONTRACT_TIMEOUT_MS,
      });
      expectAllSelectedPassed(result, VERSITYGW_DIRECTORY_COPY_TESTS);
    },
    CONTRACT_TIMEOUT_MS + 30_000,
  );

  test(
    'fails with a wrong s3a.secretKey, naming the refusal (negative control)',
    async () => {
      const bucket = await createTestBucket('alluxio-contract-neg');
      const result = await runUfsContractTest({
        sitePropertiesText: siteProperties(bucket, 'wrong-secret-key-for-the-negative-control'),
        ufsPath: `s3://${bucket}/`,
        skipTests: VERSITYGW_DIRECTORY_COPY_TESTS,
        timeoutMs: CONTRACT_TIMEOUT_MS,
      });
      expect(result.timedOut).toBe(false);
      expect(result.exitCode).not.toBe(0);
      expect(result.passedCount).toBe(0);
      expect(`${result.stdout}\n${result.stderr}`).toMatch(/SignatureDoesNotMatch|403/);
    },
    CONTRACT_TIMEOUT_MS + 30_000,
  );
});
