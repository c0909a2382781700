import { IntegTest, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { addExampleStack, EXAMPLE_EXISTING_MINIO, ExampleTopology, ExistingMinioSettings } from '../../bin/example-app';
import { DeployChecks } from '../../lib/parts/deploy-checks';

/*
 * The integration tests in CDK's form: one app per example topology (integ.<topology>.ts), each the
 * README's stack plus @aws-cdk/integ-tests-alpha assertions that run once it is deployed in an
 * account. Without an account, integ-snapshots.test.ts synthesizes every app and compares it with its
 * committed snapshot (integ.<topology>.js.snapshot/).
 */

/**
 * Where the existing-MinIO apps point. The README's example values unless the context gives an
 * existing MinIO: a deploy in an account needs one that answers, with its keys in SSM. The snapshots
 * are synthesized without context.
 */
function existingMinioOf(app: App): ExistingMinioSettings {
  const context = (key: string, fallback: string): string => app.node.tryGetContext(`integ:${key}`) ?? fallback;
  return {
    endpoint: context('minioEndpoint', EXAMPLE_EXISTING_MINIO.endpoint),
    bucket: context('minioBucket', EXAMPLE_EXISTING_MINIO.bucket),
    directory: context('minioDirectory', EXAMPLE_EXISTING_MINIO.directory ?? 'alluxio'),
    accessKeyParameter: context('accessKeyParameter', EXAMPLE_EXISTING_MINIO.accessKeyParameter),
    secretKeyParameter: context('secretKeyParameter', EXAMPLE_EXISTING_MINIO.secretKeyParameter),
  };
}

/** The event the assertion invokes the health check's poll function with: the Alluxio check's Create, run now. */
export function healthCheckInvocation(alluxioCheckProperties: Record<string, unknown>) {
  return { RequestType: 'Create', ResourceProperties: alluxioCheckProperties };
}

/**
 * The app of one topology: its example stack under test, and two assertions for a deployed run.
 * - The health check's poll function, invoked with the Alluxio check's own properties, passes: the
 *   leading master serves the MinIO mount and every worker is live, checked again after the deploy.
 * - The site-properties parameter exists under the name the construct gives, as a SecureString. The
 *   call describes the parameter and never reads its value (the rendered file holds the keys).
 */
export function integApp(topology: ExampleTopology): App {
  // The assertion stack reads the stack under test through exports: said explicitly, as CDK asks
  // (strong is also its default), so the stack under test cannot be updated out from under them.
  const app = new App({ context: { [cxapi.DEFAULT_CROSS_STACK_REFERENCES]: 'strong' } });
  const { stack, cache } = addExampleStack(app, topology, existingMinioOf(app));
  const integ = new IntegTest(app, `${stack.stackName}Integ`, { testCases: [stack] });

  const checks = cache.node.findChild('Checks') as DeployChecks;
  const poll = cache.node.findChild('Handlers').node.findChild('HealthCheckPoll') as lambda.IFunction;
  if (!checks.alluxioCheckProperties) throw new Error(`${stack.stackName} has no Alluxio health check to invoke`);
  integ.assertions
    .invokeFunction({
      functionName: poll.functionName,
      payload: Stack.of(stack).toJsonString(healthCheckInvocation(checks.alluxioCheckProperties)),
    })
    .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ IsComplete: true, Data: Match.objectLike({ Healthy: 'true' }) })) }));

  const siteProperties = cache.sitePropertiesParameter.parameterName;
  integ.assertions
    .awsApiCall('SSM', 'describeParameters', { ParameterFilters: [{ Key: 'Name', Values: [siteProperties] }] })
    .expect(ExpectedResult.objectLike({ Parameters: Match.arrayWith([Match.objectLike({ Name: siteProperties, Type: 'SecureString' })]) }));
  return app;
}
