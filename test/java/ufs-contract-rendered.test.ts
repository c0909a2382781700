import { renderSiteProperties, SitePropertiesInput } from '../../lib/core/site-properties';
import { expectAllSelectedPassed, listUfsContractTests, runUfsContractTest, VERSITYGW_DIRECTORY_COPY_TESTS } from '../support/alluxio-java';
import { createTestBucket, loadSandbox } from '../support/sandbox';

// Alluxio 2.9's own UFS contract test, configured ONLY by the file renderSiteProperties wrote
// (nothing hand-written), against the sandbox's S3 server.

const CONTRACT_TIMEOUT_MS = 240_000;

function renderedFor(bucket: string, directory?: string): string {
  const { s3 } = loadSandbox();
  const input: SitePropertiesInput = {
    alluxioVersion: '2.9.6',
    minio: { endpoint: s3.endpoint, bucket, directory, region: s3.region },
    accessKeyId: s3.accessKeyId,
    secretKey: s3.secretAccessKey,
  };
  return renderSiteProperties(input);
}

test(
  'passes with the rendered file mounting a bucket root',
  async () => {
    const bucket = await createTestBucket('rendered-contract');
    const result = await runUfsContractTest({
      sitePropertiesText: renderedFor(bucket),
      ufsPath: `s3://${bucket}/`,
      skipTests: VERSITYGW_DIRECTORY_COPY_TESTS,
      timeoutMs: CONTRACT_TIMEOUT_MS,
    });
    expectAllSelectedPassed(result, VERSITYGW_DIRECTORY_COPY_TESTS);
  },
  CONTRACT_TIMEOUT_MS + 30_000,
);

test(
  'passes with the rendered file mounting a directory inside the bucket',
  async () => {
    const bucket = await createTestBucket('rendered-contract-dir');
    // Alluxio 2.9's object* tests write relative to the bucket root whatever path they are given
    // (see runUfsContractTest), so under a directory they test the tool, not the mount.
    const objectTests = listUfsContractTests().filter((name) => name.startsWith('object'));
    expect(objectTests.length).toBeGreaterThan(0);
    const skipped = [...VERSITYGW_DIRECTORY_COPY_TESTS, ...objectTests];
    const text = renderedFor(bucket, '/teams/alluxio/');
    expect(text).toContain(`alluxio.master.mount.table.root.ufs=s3\\://${bucket}/teams/alluxio\n`);
    const result = await runUfsContractTest({
      sitePropertiesText: text,
      ufsPath: `s3://${bucket}/teams/alluxio`,
      skipTests: skipped,
      timeoutMs: CONTRACT_TIMEOUT_MS,
    });
    expectAllSelectedPassed(result, skipped);
  },
  CONTRACT_TIMEOUT_MS + 30_000,
);
