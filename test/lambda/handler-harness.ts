import { randomUUID } from 'node:crypto';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { sandboxSsmClient, useMotoEnvironment } from '../support/sandbox';
import type { CustomResourceEvent } from '../../lib/core/custom-resource-props';

/**
 * Points the AWS SDK at the sandbox's moto server through the environment, the way the Lambda
 * runtime configures a handler, and returns a client for the test's own checks. Call it before a
 * handler module is first required: handlers create their client at module load (which is also why
 * the environment is not put back: a handler loaded by the suite keeps using it).
 */
export function useSandboxSsm(): SSMClient {
  useMotoEnvironment();
  return sandboxSsmClient();
}

/** A parameter path no other test (or other person on the shared sandbox) uses. */
export function uniquePrefix(suite: string): string {
  return `/test-${suite}/${randomUUID()}`;
}

/** A CloudFormation custom-resource event as the Provider framework hands it to onEvent. */
export function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, string | undefined>,
  options: { physicalResourceId?: string; oldProperties?: Record<string, string | undefined> } = {},
): CustomResourceEvent & Record<string, unknown> {
  const serviceToken = 'arn:aws:lambda:us-east-1:123456789012:function:provider-framework-onEvent';
  const clean = (props: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries({ ServiceToken: serviceToken, ...props }).filter(([, v]) => v !== undefined));
  return {
    RequestType: requestType,
    ServiceToken: serviceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/test',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/test/00000000-0000-0000-0000-000000000000',
    RequestId: randomUUID(),
    LogicalResourceId: 'Resource',
    ResourceType: 'Custom::Test',
    ResourceProperties: clean(properties),
    ...(options.physicalResourceId !== undefined ? { PhysicalResourceId: options.physicalResourceId } : {}),
    ...(options.oldProperties !== undefined ? { OldResourceProperties: clean(options.oldProperties) } : {}),
  };
}

export interface StoredParameter {
  readonly type: string;
  readonly value: string;
  readonly version: number;
  readonly keyId?: string;
  readonly tier?: string;
}

/** What SSM holds under `name` (decrypted), or undefined when there is no such parameter. */
export async function readParameter(ssm: SSMClient, name: string): Promise<StoredParameter | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const { Parameters } = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
    const metadata = Parameters?.find((p) => p.Name === name);
    return { type: Parameter!.Type!, value: Parameter!.Value!, version: Parameter!.Version!, keyId: metadata?.KeyId, tier: metadata?.Tier };
  } catch (error) {
    if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/**
 * Everything a handler writes to the console or stdout/stderr while the capture is on, so a test
 * can search it for a secret's value.
 */
export function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : (JSON.stringify(arg) ?? String(arg)))).join(' '));
    }),
  );
  const streams = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    }),
  );
  return {
    text: () => chunks.join('\n'),
    restore: () => [...spies, ...streams].forEach((spy) => spy.mockRestore()),
  };
}

/** The message of what `action` threw (a test fails if it did not throw). */
export async function failureOf(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail');
}
