import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SITE_PROPERTIES_SECRET } from '../core/alluxio-container';
import { acknowledgeNagFindings } from '../private/nag-acknowledgements';
import { SiteConfiguration } from './site-configuration';

/** What every Alluxio service of the deployment shares. */
export interface AlluxioServiceContext {
  readonly cluster: ecs.Cluster;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly image: ecs.ContainerImage;
  readonly logGroup: logs.ILogGroup;
  readonly configuration: SiteConfiguration;
  readonly enableExecuteCommand: boolean;
}

/** The service settings every Alluxio service has in common. */
export function alluxioServiceDefaults(context: AlluxioServiceContext) {
  return {
    cluster: context.cluster,
    securityGroups: [context.securityGroup],
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    assignPublicIp: false,
    // A bad configuration rolls back instead of holding CloudFormation for hours.
    circuitBreaker: { enable: true, rollback: true },
    // Only when asked: the default template stays as it was.
    ...(context.enableExecuteCommand ? { enableExecuteCommand: true } : {}),
  };
}

/**
 * The container settings every Alluxio container has in common: the configuration as a secret, its
 * hash and the JVM sizes in the environment, the start script, the log stream.
 */
export function alluxioContainerDefaults(context: AlluxioServiceContext, role: string, command: string, jvmOptions: Record<string, string>) {
  return {
    image: context.image,
    essential: true,
    entryPoint: ['/bin/sh', '-c'],
    command: [command],
    environment: { ALLUXIO_CONFIG_HASH: context.configuration.configHash, ...jvmOptions },
    secrets: { [SITE_PROPERTIES_SECRET]: context.configuration.secret },
    logging: ecs.LogDrivers.awsLogs({ logGroup: context.logGroup, streamPrefix: role }),
  };
}

/** The nag findings every Alluxio task definition has on purpose. */
export function acknowledgeAlluxioTaskFindings(task: ecs.TaskDefinition, context: AlluxioServiceContext): void {
  acknowledgeNagFindings(task, [
    {
      id: 'AwsSolutions-ECS2',
      reason: 'ALLUXIO_CONFIG_HASH and the JVM memory options are non-secret; the properties and keys come from SSM as secrets.',
    },
  ]);
  if (context.enableExecuteCommand) {
    acknowledgeNagFindings(task.taskRole, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ECS Exec (alluxio.enableExecuteCommand): the ssmmessages channel actions aws-cdk-lib grants have no resource-level permissions.',
      },
    ]);
  }
}

/**
 * A TCP probe of `ports` (each must accept a connection); `startPeriod` is how long a starting JVM is
 * given before failures count.
 */
export function tcpHealthCheck(ports: number | readonly number[], startPeriod: Duration = Duration.seconds(120)): ecs.HealthCheck {
  const probes = (typeof ports === 'number' ? [ports] : ports).map((port) => `exec 3<>/dev/tcp/127.0.0.1/${port}`);
  return {
    // The official Helm chart probes Alluxio with TCP on the RPC ports; bash's /dev/tcp does the same here
    // (a failed `exec` redirection ends the non-interactive shell with status 1).
    command: ['CMD-SHELL', `bash -c '${probes.join(' && ')}' || exit 1`],
    interval: Duration.seconds(15),
    timeout: Duration.seconds(5),
    retries: 4,
    startPeriod,
  };
}
