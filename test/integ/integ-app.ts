import { IntegTest, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { addExampleStack, EXAMPLE_EXISTING_MINIO, ExampleTopology, ExistingMinioSettings } from '../../bin/example-app';
import { DeployChecks } from '../../lib/parts/deploy-checks';
import { SiteConfiguration } from '../../lib/parts/site-configuration';

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

/**
 * The event the assertion invokes the health check's poll function with: the Alluxio check's Create,
 * run now. Without ConfigHash, which the check only echoes: it changes with every configuration, and
 * a value the assertion stack imports cannot change while it is imported.
 */
export function healthCheckInvocation(alluxioCheckProperties: Record<string, unknown>) {
  const { ConfigHash: _echoedOnly, ...properties } = alluxioCheckProperties;
  return { RequestType: 'Create', ResourceProperties: properties };
}

/**
 * The app of one topology: its example stack under test, and two assertions for a deployed run.
 * - The health check's poll function, invoked with the Alluxio check's own properties, passes: the
 *   leading master serves the MinIO mount and every worker is live, checked again after the deploy.
 * - A site-properties parameter exists under the construct's base name, as a SecureString. The call
 *   describes parameters and never reads a value (the rendered file holds the keys). By the base name,
 *   not the deploy's own: that one changes with the configuration (see healthCheckInvocation).
 */
export function integApp(topology: ExampleTopology): App {
  // The assertion stack reads the stack under test through exports (the poll function's name): said
  // explicitly, as CDK asks (strong is also its default). Only values that no configuration change
  // moves are exported, so the stack under test stays updatable while the assertions exist.
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

  const { parameterBaseName } = cache.node.findChild('SiteProperties') as SiteConfiguration;
  integ.assertions
    .awsApiCall('SSM', 'describeParameters', { ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: [`${parameterBaseName}/`] }] })
    .expect(
      ExpectedResult.objectLike({
        Parameters: Match.arrayWith([Match.objectLike({ Name: Match.stringLikeRegexp(`^${parameterBaseName}/[0-9a-f]{16}$`), Type: 'SecureString' })]),
      }),
    );
  return app;
}
