import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createExampleApp, EXAMPLE_STACKS } from '../../bin/example-app';
import { cdkNagReport } from '../support/cdk-nag';

describe('cdk-nag AwsSolutions', () => {
  test('the example app (every MinIO mode and worker topology) synthesizes with no unacknowledged finding', () => {
    expect(cdkNagReport(createExampleApp())).toBe('');
  });

  test('a finding the construct does not acknowledge still fails synthesis (the gate can fail)', () => {
    const app = createExampleApp();
    const stack = app.node.findChild(EXAMPLE_STACKS.existing) as Stack;
    // A deliberately non-compliant resource next to the construct: unencrypted, unlogged bucket.
    new (require('aws-cdk-lib/aws-s3').Bucket)(stack, 'Unacknowledged');
    expect(cdkNagReport(app)).toMatch(/AwsSolutions-S1/);
  });
});

// Snapshots change only when the template really changes: asset hashes (bundled code) are masked.
function withoutAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

describe('snapshots', () => {
  let app: App;
  beforeAll(() => {
    app = createExampleApp();
    app.synth();
  });
  test.each(Object.values(EXAMPLE_STACKS))('%s', (name) => {
    const stack = app.node.findChild(name) as Stack;
    expect(withoutAssetHashes(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });
});
