import { Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioWorkers } from '../choices/alluxio-workers';
import { SITE_WORKER_CACHE_DIR, workerCacheDirs } from '../core/alluxio-container';
import { validateFargateSize, validateWholeNumber } from '../core/fargate-sizing';
import { InputError } from '../core/input-error';
import { METRICS_AGENT_CPU } from '../core/alluxio-metrics';
import { cacheQuotaGiBPerDisk, InstanceStore, nvmeInstanceStoreOf, workerHostCapacity } from '../core/instance-store';
import { alluxioJvmMemory, jvmMemoryEnvironment } from '../core/jvm-memory';
import { FARGATE_MAX_EPHEMERAL_GIB, WORKER_STORAGE_OVERHEAD_GIB } from './alluxio-worker-group';

/** The worker props of `AlluxioOptions` (the sizes that predate `workers`, which remain Fargate's defaults). */
export interface WorkerProps {
  readonly workers?: AlluxioWorkers;
  readonly workerCpu?: number;
  readonly workerMemoryMiB?: number;
  readonly workerCount?: number;
  readonly cacheSize?: Size;
}

interface WorkerSettingsBase {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly count: number;
  /** ALLUXIO_*_JAVA_OPTS of the worker container (worker and job worker), sized from its memory. */
  readonly jvmOptions: Record<string, string>;
  /** The site file's tier: one path and quota per cache directory, comma separated. */
  readonly tierPath: string;
  readonly tierQuota: string;
}

export interface FargateWorkerSettings extends WorkerSettingsBase {
  readonly kind: 'fargate';
  readonly cacheGiB: number;
}

export interface Ec2WorkerSettings extends WorkerSettingsBase {
  readonly kind: 'ec2';
  readonly instanceType: ec2.InstanceType;
  readonly instanceStore: InstanceStore;
}

export type WorkerSettings = FargateWorkerSettings | Ec2WorkerSettings;

const DEFAULTS = { cpu: 1024, memoryMiB: 4096, count: 2, cacheGiB: 20, quotaPercent: 90 };

/**
 * Every worker prop checked at synth; each error names the prop and the fix. `sidecarMiB` is the hard
 * memory limit of a container beside the worker (the metrics agent): in a Fargate task it comes off
 * before the JVMs are sized; on an EC2 host it comes off what the host has for the worker container.
 */
export function resolveWorkerSettings(props: WorkerProps, sidecarMiB = 0): WorkerSettings {
  const ec2Options = props.workers?._ec2;
  if (!ec2Options) {
    const fargate = props.workers?._fargate ?? {};
    const cpu = exclusive(fargate.cpu, props.workerCpu, 'fargate', 'cpu', 'workerCpu') ?? DEFAULTS.cpu;
    const memoryMiB = exclusive(fargate.memoryMiB, props.workerMemoryMiB, 'fargate', 'memoryMiB', 'workerMemoryMiB') ?? DEFAULTS.memoryMiB;
    const count = exclusive(fargate.count, props.workerCount, 'fargate', 'count', 'workerCount') ?? DEFAULTS.count;
    const cacheSize = exclusive(fargate.cacheSize, props.cacheSize, 'fargate', 'cacheSize', 'cacheSize');
    validateFargateSize('alluxio.worker', cpu, memoryMiB);
    validateWholeNumber('alluxio.workerCount', count, 1, 100, 'run between 1 and 100 workers');
    const cacheGiB = cacheSize ? cacheSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) : DEFAULTS.cacheGiB;
    validateWholeNumber(
      'alluxio.cacheSize',
      cacheGiB,
      1,
      FARGATE_MAX_EPHEMERAL_GIB - WORKER_STORAGE_OVERHEAD_GIB,
      `give whole GiB from 1 to ${FARGATE_MAX_EPHEMERAL_GIB - WORKER_STORAGE_OVERHEAD_GIB} (Fargate ephemeral storage is at most ${FARGATE_MAX_EPHEMERAL_GIB} GiB)`,
    );
    return {
      kind: 'fargate',
      cpu,
      memoryMiB,
      count,
      cacheGiB,
      jvmOptions: jvmMemoryEnvironment(alluxioJvmMemory('worker', memoryMiB, 'alluxio.workerMemoryMiB', sidecarMiB)),
      tierPath: SITE_WORKER_CACHE_DIR,
      tierQuota: `${cacheGiB}GB`,
    };
  }

  for (const [given, name, instead] of [
    [props.workerCpu, 'workerCpu', 'cpu'],
    [props.workerMemoryMiB, 'workerMemoryMiB', 'memoryMiB'],
    [props.cacheSize, 'cacheSize', 'cacheQuotaPercent (the cache is sized from the disks)'],
  ] as const) {
    if (given !== undefined) {
      throw new InputError(`alluxio.${name}`, 'sizes Fargate workers, not AlluxioWorkers.ec2(...)', `remove it and give AlluxioWorkers.ec2({ ${instead} })`);
    }
  }
  const instanceStore = nvmeInstanceStoreOf(ec2Options.instanceType.toString(), 'alluxio.workers.instanceType');
  const count = exclusive(ec2Options.count, props.workerCount, 'ec2', 'count', 'workerCount') ?? DEFAULTS.count;
  validateWholeNumber('alluxio.workers.count', count, 1, 100, 'run between 1 and 100 worker hosts');
  const quotaPercent = ec2Options.cacheQuotaPercent ?? DEFAULTS.quotaPercent;
  validateWholeNumber('alluxio.workers.cacheQuotaPercent', quotaPercent, 50, 95, 'give a whole percentage from 50 to 95');
  // The metrics agent beside the worker container takes its share of the host too.
  const host = workerHostCapacity(instanceStore.instanceType);
  const maxCpu = host.cpu - (sidecarMiB > 0 ? METRICS_AGENT_CPU : 0);
  const maxMemoryMiB = host.memoryMiB - sidecarMiB;
  const cpu = ec2Options.cpu ?? DEFAULTS.cpu;
  validateWholeNumber(
    'alluxio.workers.cpu',
    cpu,
    256,
    maxCpu,
    `give CPU units from 256 to ${maxCpu}, what a ${instanceStore.instanceType} host has for the worker`,
  );
  const memoryMiB = ec2Options.memoryMiB ?? DEFAULTS.memoryMiB;
  validateWholeNumber(
    'alluxio.workers.memoryMiB',
    memoryMiB,
    2048,
    maxMemoryMiB,
    `give 2048 to ${maxMemoryMiB} MiB, what a ${instanceStore.instanceType} host has for the worker`,
  );
  const quotaGiB = cacheQuotaGiBPerDisk(instanceStore, quotaPercent);
  return {
    kind: 'ec2',
    instanceType: ec2Options.instanceType,
    instanceStore,
    cpu,
    memoryMiB,
    count,
    // The agent beside an EC2 worker has a hard limit of its own, outside the worker container's.
    jvmOptions: jvmMemoryEnvironment(alluxioJvmMemory('worker', memoryMiB, 'alluxio.workers.memoryMiB')),
    // The container's mount points, written relative to the image's home as the Fargate tier is.
    tierPath: workerCacheDirs(instanceStore.disks, '${alluxio.home}').join(','),
    tierQuota: Array.from({ length: instanceStore.disks }, () => `${quotaGiB}GB`).join(','),
  };
}

/** The one of the two given, or an error naming both when both are. */
function exclusive<T>(inWorkers: T | undefined, legacy: T | undefined, factory: 'fargate' | 'ec2', workersName: string, legacyName: string): T | undefined {
  if (inWorkers !== undefined && legacy !== undefined) {
    throw new InputError(
      `alluxio.${legacyName}`,
      `is given twice, also as alluxio.workers' ${workersName}`,
      `give it once, in AlluxioWorkers.${factory}({ ${workersName} })`,
    );
  }
  return inWorkers ?? legacy;
}
