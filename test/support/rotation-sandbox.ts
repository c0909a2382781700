import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { RenderRequest } from '../../lib/core/custom-resource-props';
import { DEFAULT_LAST_KNOWN_GOOD_LABEL } from '../../lib/core/rotation-plan';
import { RotationConfig, RotationServices, RotationTiming } from '../../lib/runtime/credential-rotation';
import { renderSitePropertiesToParameter } from '../../lib/runtime/render-site-properties';
import { SsmParameters } from '../../lib/runtime/ssm-parameters';
import { FakeAlluxioMaster, startFakeAlluxioMaster } from './fake-alluxio-master';
import { loadSandbox, sandboxAwsClientConfig, sandboxSsmClient } from './sandbox';
import { S3Identity, startVersitygwWithIam, VersitygwWithIam } from './versitygw-iam';

/*
 * What the rotation suites share: a private versitygw with two MinIO identities (the pair in use and
 * the one to rotate to), the sandbox's moto for SSM, SNS and CloudWatch, an HTTP endpoint subscribed
 * to the topic (moto delivers to it for real), a stand-in Alluxio master, and ECS mocked (there is
 * no ECS here) as a service that is stable as soon as it is asked.
 */

export const ROTATION_BUCKET = 'rotation';
export const ROTATION_DIRECTORY = 'alluxio';

export const FAST_TIMING: RotationTiming = {
  pairWaitMs: 400,
  pollMs: 50,
  serviceStableTimeoutMs: 400,
  healthTimeoutMs: 300,
  checkOptions: { connectTimeoutMs: 1000, requestTimeoutMs: 2500, totalTimeoutMs: 6000 },
};

export const SERVICES: RotationServices = { cluster: 'alluxio-cluster', masterServices: ['alluxio-master'], workerService: 'alluxio-workers' };

export interface SnsNotification {
  readonly Subject?: string;
  readonly Message: string;
  readonly TopicArn: string;
}

export interface RotationSandbox {
  readonly s3: VersitygwWithIam;
  readonly aws: ReturnType<typeof loadSandbox>['aws'];
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly topicArn: string;
  readonly master: FakeAlluxioMaster;
  /** Identity the cluster starts with, and a second one to rotate to (both valid on the server). */
  readonly first: S3Identity;
  readonly second: S3Identity;
  /** Notifications moto delivered to the subscribed endpoint, in order. */
  notifications(): SnsNotification[];
  /** Raw bodies moto POSTed (everything, for secret searches). */
  deliveredBodies(): string[];
  stop(): Promise<void>;
}

export async function startRotationSandbox(): Promise<RotationSandbox> {
  const { aws } = loadSandbox();
  const awsConfig = sandboxAwsClientConfig();
  const s3 = await startVersitygwWithIam();
  await s3.createBucket(ROTATION_BUCKET);
  const first = await s3.addUser(ROTATION_BUCKET);
  const second = await s3.addUser(ROTATION_BUCKET);
  const master = await startFakeAlluxioMaster({ rootUfsUri: `s3://${ROTATION_BUCKET}/${ROTATION_DIRECTORY}` });

  const bodies: string[] = [];
  const receiver: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as AddressInfo).port;

  const sns = new SNSClient(awsConfig);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `rotation-${randomUUID()}` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${receiverPort}/sns` }));

  const parsed = () =>
    bodies
      .map((body) => {
        try {
          return JSON.parse(body) as { Type?: string } & SnsNotification;
        } catch {
          return undefined;
        }
      })
      .filter((n): n is { Type?: string } & SnsNotification => n?.Type === 'Notification');
  return {
    s3,
    aws,
    ssm: sandboxSsmClient(),
    sns,
    cloudwatch: new CloudWatchClient(awsConfig),
    topicArn,
    master,
    first,
    second,
    notifications: parsed,
    deliveredBodies: () => [...bodies],
    async stop() {
      await master.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await s3.stop();
    },
  };
}

export function renderRequest(sandbox: RotationSandbox, prefix: string): RenderRequest {
  return {
    accessKeyParameterName: `${prefix}/access-key`,
    secretKeyParameterName: `${prefix}/secret-key`,
    sitePropertiesParameterName: `${prefix}/site-properties`,
    settings: {
      alluxioVersion: '2.9.5',
      minio: { endpoint: sandbox.s3.endpoint, bucket: ROTATION_BUCKET, directory: ROTATION_DIRECTORY, region: 'us-east-1' },
      cluster: { masterHostname: 'master.alluxio.internal' },
    },
  };
}

export function rotationConfig(sandbox: RotationSandbox, prefix: string, extra: Partial<RotationConfig> = {}): RotationConfig {
  const request = renderRequest(sandbox, prefix);
  return {
    parameters: {
      accessKeyParameterName: request.accessKeyParameterName,
      secretKeyParameterName: request.secretKeyParameterName,
      sitePropertiesBaseName: request.sitePropertiesParameterName,
    },
    // The generated mode unless a test says otherwise: the keys are the deployment's, rolled back by writing.
    ownsKeys: true,
    services: SERVICES,
    label: DEFAULT_LAST_KNOWN_GOOD_LABEL,
    alluxioMasters: [sandbox.master.address],
    topicArn: sandbox.topicArn,
    metricNamespace: `AlluxioMinioTest${randomUUID().slice(0, 8)}`,
    ...extra,
  };
}

export async function putSecureString(ssm: SSMClient, name: string, value: string): Promise<number> {
  return (await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }))).Version!;
}

/**
 * The configuration parameter the mocked services' task definitions name (what a deploy's task
 * definitions reference): set by deployPair for the test that runs now.
 */
let deployedConfiguration = '';

/** Both keys written, then rendered, as a deploy leaves them (no label yet); returns the configuration's parameter. */
export async function deployPair(sandbox: RotationSandbox, prefix: string, identity: S3Identity): Promise<string> {
  await putSecureString(sandbox.ssm, `${prefix}/access-key`, identity.accessKeyId);
  await putSecureString(sandbox.ssm, `${prefix}/secret-key`, identity.secretAccessKey);
  const rendered = await renderSitePropertiesToParameter(new SsmParameters(sandbox.ssm), renderRequest(sandbox, prefix), false);
  deployedConfiguration = rendered.parameterName;
  return rendered.parameterName;
}

export function uniqueRotationPrefix(suite: string): string {
  return `/test-rotation-${suite}/${randomUUID().slice(0, 8)}`;
}

export async function currentValue(ssm: SSMClient, name: string): Promise<{ value: string; version: number }> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return { value: Parameter!.Value!, version: Parameter!.Version! };
}

/** Version numbers carrying `label`. */
export async function labelledVersions(ssm: SSMClient, name: string, label = DEFAULT_LAST_KNOWN_GOOD_LABEL): Promise<number[]> {
  const versions: number[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken }));
    for (const p of page.Parameters ?? []) if (p.Labels?.includes(label)) versions.push(p.Version!);
    NextToken = page.NextToken;
  } while (NextToken);
  return versions;
}

export type EcsBehaviour = (service: string) => { rolloutState?: string; runningCount?: number; desiredCount?: number; deployments?: number };

/**
 * ECS mocked: UpdateService is recorded; DescribeServices answers with one completed deployment with
 * every task running until a service has been restarted, and per `behaviour` after that; each
 * service's task definition names the deployed configuration as its ALLUXIO_SITE_PROPERTIES secret.
 */
export function mockEcs(
  behaviour: EcsBehaviour = () => ({}),
  beforeRestart: EcsBehaviour = () => ({}),
  configurationOf: (service: string) => string = () => deployedConfiguration,
) {
  const ecs = mockClient(ECSClient);
  const restarted = new Set<string>();
  ecs.on(UpdateServiceCommand).callsFake((input: { service?: string }) => {
    restarted.add(String(input.service));
    return {};
  });
  ecs.on(DescribeServicesCommand).callsFake((input: { services?: string[] }) => ({
    services: (input.services ?? []).map((name) => {
      const b = restarted.has(name) ? behaviour(name) : beforeRestart(name);
      const deployments = Array.from({ length: b.deployments ?? 1 }, (_, i) => ({
        status: i === 0 ? 'PRIMARY' : 'ACTIVE',
        rolloutState: i === 0 ? (b.rolloutState ?? 'COMPLETED') : 'COMPLETED',
        rolloutStateReason: b.rolloutState === 'FAILED' ? 'tasks failed to start' : undefined,
      }));
      return { serviceName: name, taskDefinition: `${name}-task:1`, runningCount: b.runningCount ?? 2, desiredCount: b.desiredCount ?? 2, deployments };
    }),
  }));
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition?: string }) => ({
    taskDefinition: {
      containerDefinitions: [
        {
          name: 'alluxio',
          secrets: [
            {
              name: 'ALLUXIO_SITE_PROPERTIES',
              valueFrom: `arn:aws:ssm:us-east-1:123456789012:parameter${configurationOf(String(input.taskDefinition).replace(/-task:\d+$/, ''))}`,
            },
          ],
        },
      ],
    },
  }));
  return ecs;
}

/** Services UpdateService was called for, in call order. */
export function restartedServices(ecs: ReturnType<typeof mockEcs>): string[] {
  return ecs.commandCalls(UpdateServiceCommand).map((call) => String(call.args[0].input.service));
}

/** Sum of a rotation metric in the last hour (moto's CloudWatch, for real). */
export async function metricSum(sandbox: RotationSandbox, namespace: string, metric: string, siteProperties: string): Promise<number> {
  const now = Date.now();
  const result = await sandbox.cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [{ Name: 'SitePropertiesParameter', Value: siteProperties }],
      StartTime: new Date(now - 3600_000),
      EndTime: new Date(now + 60_000),
      Period: 60,
      Statistics: ['Sum'],
    }),
  );
  return (result.Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
}
