import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MinioBackend, MinioCredentials } from '../../lib';
import { CustomResourceFunctions } from '../../lib/parts/custom-resource-functions';
import { AlluxioServiceContext } from '../../lib/parts/alluxio-services';
import { ClusterCredentials } from '../../lib/parts/cluster-credentials';
import { MinioStore } from '../../lib/parts/minio-store';
import { SiteConfiguration } from '../../lib/parts/site-configuration';

// What the parts' suites build each part on: a stack with only the inputs the part's props name.

export const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');
export const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });

export interface Base {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly functions: CustomResourceFunctions;
}

export function base(): Base {
  const stack = new Stack(new App(), 'Parts');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, defaultCloudMapNamespace: { name: 'parts.internal', useForServiceConnect: false } });
  const functions = new CustomResourceFunctions(stack, 'Handlers', { vpc, logRetention: logs.RetentionDays.ONE_DAY, healthCheckTimeout: Duration.minutes(2) });
  return { stack, vpc, cluster, functions };
}

export function credentialsIn(b: Base, credentials = TEAM_KEYS): ClusterCredentials {
  return new ClusterCredentials(b.stack, 'Credentials', {
    credentials,
    parameterPrefix: '/parts',
    functions: b.functions,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

export function configurationIn(b: Base, credentials: ClusterCredentials): SiteConfiguration {
  return new SiteConfiguration(b.stack, 'SiteProperties', {
    credentials,
    functions: b.functions,
    parameterBaseName: '/parts/site-properties',
    settings: { alluxioVersion: '2.9.6', endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', masterHostname: 'master.parts.internal' },
  });
}

/** The existing MinIO's store (creates nothing). */
export function existingStoreIn(b: Base, credentials: ClusterCredentials): MinioStore {
  return new MinioStore(b.stack, 'Minio', {
    backend: EXISTING,
    credentials,
    cluster: b.cluster,
    port: 9000,
    logRetention: logs.RetentionDays.ONE_DAY,
  });
}

export function contextIn(b: Base): AlluxioServiceContext {
  return {
    cluster: b.cluster,
    securityGroup: new ec2.SecurityGroup(b.stack, 'Alluxio', { vpc: b.vpc }),
    image: ecs.ContainerImage.fromRegistry('alluxio/alluxio:2.9.6'),
    logGroup: new logs.LogGroup(b.stack, 'Logs'),
    configuration: configurationIn(b, credentialsIn(b)),
    enableExecuteCommand: false,
  };
}

export function statementsOf(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}
