import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { InputError } from '../core/input-error';
import { AlluxioServiceContext } from './alluxio-services';

/**
 * The worker sizes of `AlluxioOptions` that predate `workers`: they remain Fargate's defaults, and
 * `workerCount` the count of either kind.
 */
export interface WorkerProps {
  readonly workerCpu?: number;
  readonly workerMemoryMiB?: number;
  readonly workerCount?: number;
  readonly cacheSize?: Size;
}

export const WORKER_DEFAULTS = { cpu: 1024, memoryMiB: 4096, count: 2, cacheGiB: 20, quotaPercent: 90 } as const;

/** The worker service and its task definition, whichever kind built them. */
export interface WorkerGroup {
  readonly service: ecs.BaseService;
  readonly taskDefinition: ecs.TaskDefinition;
}

/**
 * The workers as `alluxio.workers` chose them, every size resolved and checked: what the site file and
 * the checks need to know of them, and how to build them.
 */
export interface WorkerSettings {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly count: number;
  /** ALLUXIO_*_JAVA_OPTS of the worker container (worker and job worker), sized from its memory. */
  readonly jvmOptions: Record<string, string>;
  /** The site file's tier: one path and quota per cache directory, comma separated. */
  readonly tierPath: string;
  readonly tierQuota: string;
  /** Builds the worker group these settings describe. */
  createGroup(scope: Construct, id: string, context: AlluxioServiceContext): WorkerGroup;
}

/** The one of the two given, or an error naming both when both are. */
export function exclusive<T>(
  inWorkers: T | undefined,
  legacy: T | undefined,
  factory: 'fargate' | 'ec2',
  workersName: string,
  legacyName: string,
): T | undefined {
  if (inWorkers !== undefined && legacy !== undefined) {
    throw new InputError(
      `alluxio.${legacyName}`,
      `is given twice, also as alluxio.workers' ${workersName}`,
      `give it once, in AlluxioWorkers.${factory}({ ${workersName} })`,
    );
  }
  return inWorkers ?? legacy;
}
