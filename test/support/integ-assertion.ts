import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * How a deployed integ assertion judges a response, run here: integ-tests-alpha's own assertion
 * handler (the code its provider function runs) on the expectation its snapshot holds. The tests use
 * it on canned answers and on the sandbox's SSM (test/integ/integ-assertions.test.ts), and on the
 * real poll function's answer against a deployed local cluster (test/local/cluster.test.ts). A jest helper: not part of the integ
 * apps, which `npm run integ:build` compiles without jest's types.
 */

/**
 * The assertion stack's call of `api` (e.g. 'invoke') in integ.<topology>.js.snapshot: its parameters,
 * decoded as its provider decodes them (each a JSON value), and its literal expectation.
 */
export function snapshotCall(topology: string, api: string): { parameters: Record<string, unknown>; expected: string } {
  const dir = join(__dirname, '..', 'integ', `integ.${topology}.js.snapshot`);
  const file = readdirSync(dir).find((name) => name.includes('DeployAssert') && name.endsWith('.template.json'));
  if (!file) throw new Error(`${dir} holds no assertion stack`);
  const resources = Object.values(JSON.parse(readFileSync(join(dir, file), 'utf8')).Resources) as Array<{ Properties?: Record<string, unknown> }>;
  const call = resources.find((resource) => resource.Properties?.api === api);
  if (typeof call?.Properties?.expected !== 'string') throw new Error(`${file} has no ${api} call with a literal expectation`);
  const encoded = (call.Properties.parameters ?? {}) as Record<string, unknown>;
  // An intrinsic (a value the deploy fills in) stays as it is: only literal values are decoded.
  const decoded = (value: unknown) => {
    try {
      return typeof value === 'string' ? JSON.parse(value) : value;
    } catch {
      return value;
    }
  };
  const parameters = Object.fromEntries(Object.entries(encoded).map(([name, value]) => [name, decoded(value)]));
  return { parameters, expected: call.Properties.expected };
}

/** The literal expectation of the assertion stack's call of `api`. */
export function snapshotExpectation(topology: string, api: string): string {
  return snapshotCall(topology, api).expected;
}

/**
 * The assertion's verdict on `actual` (an API response), as integ-tests-alpha's handler gives it: its
 * provider hands the SDK's response object over as it is, so that is what `actual` is.
 */
export async function judge(expected: string, actual: unknown): Promise<{ status: 'success' | 'fail'; message?: string }> {
  const { AssertionHandler } = require('@aws-cdk/integ-tests-alpha/lib/assertions/providers/lambda-handler/assertion');
  // The handler arms a timer that would answer CloudFormation when Lambda's time runs out; no one is asking here.
  const handler = new AssertionHandler({ RequestType: 'Create', ResourceProperties: {} }, { getRemainingTimeInMillis: () => 60_000, logStreamName: 'local' });
  clearTimeout(handler.timeout);
  const silent = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const result = await handler.processEvent({ actual, expected, failDeployment: false });
    return JSON.parse(result.assertion);
  } finally {
    silent.mockRestore();
  }
}
