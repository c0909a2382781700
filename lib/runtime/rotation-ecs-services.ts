/*
 * The rotation's ECS calls: which configuration the running services were deployed with, and a
 * service's restart (forceNewDeployment) and how far it got. The run (credential-rotation.ts) decides
 * what to restart and how long to wait.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SITE_PROPERTIES_SECRET } from '../core/alluxio-container';
import { Deferred, masterRole, RotationFailure, RotationServices } from './rotation-types';

/**
 * The name of the configuration parameter the services run. Each service must have one completed
 * deployment (while ECS or a CloudFormation update is rolling one, a rotation would race it: the run is
 * deferred), and the masters' and the workers' task definitions must name the same parameter.
 */
export async function runningConfigurationParameter(ecs: ECSClient, services: RotationServices): Promise<string> {
  const { cluster, masterServices, workerService, minioService } = services;
  const names = [...masterServices, workerService, ...(minioService ? [minioService] : [])];
  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: names }));
  // The environment names services by ARN (or name, in tests); DescribeServices answers with both.
  const serviceNamed = (name: string) => described.services?.find((s) => s.serviceArn === name || s.serviceName === name || name.endsWith(`/${s.serviceName}`));
  for (const name of names) {
    const service = serviceNamed(name);
    const deployments = service?.deployments ?? [];
    if (!service) throw new RotationFailure('UNEXPECTED_ERROR', `ECS service ${name} was not found`);
    if (deployments.length !== 1 || deployments[0].rolloutState === 'IN_PROGRESS') {
      throw new Deferred(
        `ECS service ${name} has a deployment in progress (${deployments.length} deployments); the next run (the reconcile schedule) rotates once it is done`,
      );
    }
  }
  const parameterOf = async (serviceName: string): Promise<string> => {
    const service = serviceNamed(serviceName)!;
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
    const secret = taskDefinition?.containerDefinitions?.flatMap((c) => c.secrets ?? []).find((s) => s.name === SITE_PROPERTIES_SECRET);
    if (!secret?.valueFrom) throw new RotationFailure('UNEXPECTED_ERROR', `the task definition of ${serviceName} has no ${SITE_PROPERTIES_SECRET} secret`);
    return secret.valueFrom.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, '');
  };
  const workerParameter = await parameterOf(workerService);
  for (const [index, masterService] of masterServices.entries()) {
    const masterParameter = await parameterOf(masterService);
    if (masterParameter !== workerParameter) {
      throw new Deferred(
        `the ${masterRole(index, masterServices.length)} runs ${masterParameter} and the workers ${workerParameter}: ` +
          `a deployment is changing the configuration; the next run rotates once it is done`,
      );
    }
  }
  return workerParameter;
}

/** Starts a service's tasks again on its task definition (the master's journal is on its own volume and is not formatted again). */
export async function forceNewDeployment(ecs: ECSClient, cluster: string, service: string): Promise<void> {
  await ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
}

/** Where a service's restart stands: failed (ECS's reason), stable (one deployment, every task running), or still rolling. */
export interface ServiceRollout {
  readonly failedReason?: string;
  readonly stable: boolean;
  /** For a message: `(<running>/<desired> tasks running, <n> deployments)`. */
  readonly counts: string;
}

export async function serviceRollout(ecs: ECSClient, cluster: string, service: string): Promise<ServiceRollout> {
  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const current = described.services?.[0];
  const deployments = current?.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY') ?? deployments[0];
  const counts = `(${current?.runningCount ?? 0}/${current?.desiredCount ?? '?'} tasks running, ${deployments.length} deployments)`;
  if (primary?.rolloutState === 'FAILED') return { failedReason: primary.rolloutStateReason ?? 'no reason given', stable: false, counts };
  const stable = current !== undefined && deployments.length === 1 && current.runningCount === current.desiredCount && primary?.rolloutState !== 'IN_PROGRESS';
  return { stable, counts };
}
