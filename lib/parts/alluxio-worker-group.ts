import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioWorkerCommand, OFFICIAL_IMAGE_LAYOUT, WORKER_HEALTH_CHECK_PORTS } from '../core/alluxio-container';
import { acknowledgeAlluxioTaskFindings, alluxioContainerDefaults, alluxioServiceDefaults, AlluxioServiceContext, tcpHealthCheck } from './alluxio-services';

/** Fargate ephemeral storage above the cache for the image, logs and temporary files. */
export const WORKER_STORAGE_OVERHEAD_GIB = 10;
export const FARGATE_MAX_EPHEMERAL_GIB = 200;

export interface AlluxioWorkerGroupProps {
  readonly context: AlluxioServiceContext;
  readonly cpu: number;
  readonly memoryMiB: number;
  /** ALLUXIO_*_JAVA_OPTS of the worker container (worker and job worker). */
  readonly jvmOptions: Record<string, string>;
  readonly count: number;
  /** The cache of each worker, on the task's ephemeral storage (the site file's tier quota says the same). */
  readonly cacheGiB: number;
}

/** The Alluxio workers (each with its job worker) on Fargate, caching on the task's ephemeral storage. */
export class AlluxioWorkerGroup extends Construct {
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: AlluxioWorkerGroupProps) {
    super(scope, id);
    const context = props.context;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      ephemeralStorageGiB: Math.max(21, props.cacheGiB + WORKER_STORAGE_OVERHEAD_GIB),
    });
    this.taskDefinition.addContainer('worker', {
      ...alluxioContainerDefaults(context, 'worker', alluxioWorkerCommand(OFFICIAL_IMAGE_LAYOUT), props.jvmOptions),
      portMappings: ALLUXIO_PORTS.workerAll.map((containerPort) => ({ containerPort })),
      // The job worker too: it runs in this container, which outlives it.
      healthCheck: tcpHealthCheck(WORKER_HEALTH_CHECK_PORTS),
    });
    context.configuration.grantReadEveryConfiguration(this.taskDefinition);

    this.service = new ecs.FargateService(this, 'Service', {
      ...alluxioServiceDefaults(context),
      taskDefinition: this.taskDefinition,
      desiredCount: props.count,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
      cloudMapOptions: { name: 'worker', dnsTtl: Duration.seconds(10) },
    });
    acknowledgeAlluxioTaskFindings(this.taskDefinition, context);
  }
}
