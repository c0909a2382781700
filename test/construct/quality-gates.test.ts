import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createExampleApp, EXAMPLE_STACKS } from '../../bin/example-app';

describe('cdk-nag AwsSolutions', () => {
  test('the example app (both MinIO modes) synthesizes with no unacknowledged finding', () => {
    const app = createExampleApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // The plugin interrupts synthesis with its report when any finding is not acknowledged.
    let report = '';
    try {
      app.synth();
    } catch (err) {
      report = (err as Error).message;
    }
    expect(report).toBe('');
  });

  test('a finding the construct does not acknowledge still fails synthesis (the gate can fail)', () => {
    const app = createExampleApp();
    const stack = app.node.findChild(EXAMPLE_STACKS.existing) as Stack;
    // A deliberately non-compliant resource next to the construct: unencrypted, unlogged bucket.
    new (require('aws-cdk-lib/aws-s3').Bucket)(stack, 'Unacknowledged');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
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
