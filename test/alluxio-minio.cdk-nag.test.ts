import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { createExampleApp, EXAMPLE_STACKS } from '../bin/example-app';
import { cdkNagReport } from './support/cdk-nag';

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

describe('annotations', () => {
  test('every example stack synthesizes without a warning (a user sees each one on every synth)', () => {
    const app = createExampleApp();
    const warnings = Object.values(EXAMPLE_STACKS).flatMap((name) =>
      Annotations.fromStack(app.node.findChild(name) as Stack)
        .findWarning('*', Match.anyValue())
        .map((warning) => `${warning.id}: ${JSON.stringify(warning.entry.data)}`),
    );
    expect(warnings).toEqual([]);
  });
});

// The four stacks' templates are pinned by the integ snapshots (test/integ/integ-snapshots.test.ts).
