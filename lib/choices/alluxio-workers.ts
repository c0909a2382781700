import { Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SITE_WORKER_CACHE_DIR, workerCacheDirs } from '../core/alluxio-container';
import { METRICS_AGENT_CPU } from '../core/alluxio-metrics';
import { validateFargateSize, validateWholeNumber } from '../core/fargate-sizing';
import { InputError } from '../core/input-error';
import { cacheQuotaGiBPerDisk, nvmeInstanceStoreOf, workerHostCapacity } from '../core/instance-store';
import { alluxioJvmMemory, jvmMemoryEnvironment } from '../core/jvm-memory';
import { AlluxioEc2WorkerGroup } from '../parts/alluxio-ec2-worker-group';
import { AlluxioWorkerGroup, FARGATE_MAX_EPHEMERAL_GIB, WORKER_STORAGE_OVERHEAD_GIB } from '../parts/alluxio-worker-group';
import { exclusive, WORKER_DEFAULTS, WorkerProps, WorkerSettings } from '../parts/worker-settings';

/** Fargate workers: the cache on each task's ephemeral storage. */
export interface FargateWorkersOptions {
  /**
   * CPU units of each worker task.
   *
   * @default - `alluxio.workerCpu`, or 1024
   */
  readonly cpu?: number;
  /**
   * Memory of each worker task in MiB; must pair with `cpu` on Fargate.
   *
   * @default - `alluxio.workerMemoryMiB`, or 4096
   */
  readonly memoryMiB?: number;
  /**
   * How many worker tasks run.
   *
   * @default - `alluxio.workerCount`, or 2
   */
  readonly count?: number;
  /**
   * Cache capacity of each worker, on the task's Fargate ephemeral storage (whole GiB, 1 to 190).
   *
   * @default - `alluxio.cacheSize`, or 20 GiB
   */
  readonly cacheSize?: Size;
}

/** EC2 workers on hosts with instance-store NVMe: one worker per host, the cache on the host's disks. */
export interface Ec2WorkersOptions {
  /**
   * The host type; it must have NVMe instance storage (e.g. `r5d.xlarge`, `r6id.xlarge`, `i4i.xlarge`,
   * `i3en.xlarge`). Types the construct does not know are refused at synth.
   */
  readonly instanceType: ec2.InstanceType;
  /**
   * How many hosts, each running one worker.
   *
   * @default - `alluxio.workerCount`, or 2
   */
  readonly count?: number;
  /**
   * The share of each instance-store disk the cache may fill, in percent (50 to 95); the rest is the
   * file system's own metadata and headroom.
   *
   * @default 90
   */
  readonly cacheQuotaPercent?: number;
  /**
   * CPU units of the worker container.
   *
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Hard memory limit of the worker container in MiB (the worker and job worker JVMs are sized from
   * it); leave room for the OS and the ECS agent on the host.
   *
   * @default 4096
   */
  readonly memoryMiB?: number;
}

/** Where the Alluxio workers run and cache. */
export abstract class AlluxioWorkers {
  /** Workers on Fargate, caching on ephemeral storage (at most 190 GiB each, network-backed). */
  public static fargate(options: FargateWorkersOptions = {}): AlluxioWorkers {
    return new FargateWorkers(options);
  }

  /** Workers on EC2 hosts with instance-store NVMe: the tier is sized from the disks. */
  public static ec2(options: Ec2WorkersOptions): AlluxioWorkers {
    return new Ec2Workers(options);
  }

  /**
   * These workers with every size resolved and checked at synth (each error names the prop and the
   * fix), and the means to build them. `props` are the sizes given beside `workers`. `sidecarMiB` is
   * the hard memory limit of a container beside the worker (the metrics agent): in a Fargate task it
   * comes off before the JVMs are sized; on an EC2 host it comes off what the host has for the worker
   * container.
   * @internal
   */
  public abstract _bind(props: WorkerProps, sidecarMiB: number): WorkerSettings;
}

class FargateWorkers extends AlluxioWorkers {
  constructor(private readonly options: FargateWorkersOptions) {
    super();
  }

  public _bind(props: WorkerProps, sidecarMiB: number): WorkerSettings {
    const fargate = this.options;
    const cpu = exclusive(fargate.cpu, props.workerCpu, 'fargate', 'cpu', 'workerCpu') ?? WORKER_DEFAULTS.cpu;
    const memoryMiB = exclusive(fargate.memoryMiB, props.workerMemoryMiB, 'fargate', 'memoryMiB', 'workerMemoryMiB') ?? WORKER_DEFAULTS.memoryMiB;
    const count = exclusive(fargate.count, props.workerCount, 'fargate', 'count', 'workerCount') ?? WORKER_DEFAULTS.count;
    const cacheSize = exclusive(fargate.cacheSize, props.cacheSize, 'fargate', 'cacheSize', 'cacheSize');
    validateFargateSize('alluxio.worker', cpu, memoryMiB);
    validateWholeNumber('alluxio.workerCount', count, 1, 100, 'run between 1 and 100 workers');
    const cacheGiB = cacheSize ? cacheSize.toGibibytes({ rounding: SizeRoundingBehavior.NONE }) : WORKER_DEFAULTS.cacheGiB;
    validateWholeNumber(
      'alluxio.cacheSize',
      cacheGiB,
      1,
      FARGATE_MAX_EPHEMERAL_GIB - WORKER_STORAGE_OVERHEAD_GIB,
      `give whole GiB from 1 to ${FARGATE_MAX_EPHEMERAL_GIB - WORKER_STORAGE_OVERHEAD_GIB} ` +
        `(Fargate ephemeral storage is at most ${FARGATE_MAX_EPHEMERAL_GIB} GiB)`,
    );
    const jvmOptions = jvmMemoryEnvironment(alluxioJvmMemory('worker', memoryMiB, 'alluxio.workerMemoryMiB', sidecarMiB));
    return {
      cpu,
      memoryMiB,
      count,
      jvmOptions,
      tierPath: SITE_WORKER_CACHE_DIR,
      tierQuota: `${cacheGiB}GB`,
      createGroup: (scope, id, context) => new AlluxioWorkerGroup(scope, id, { context, cpu, memoryMiB, jvmOptions, count, cacheGiB }),
    };
  }
}

class Ec2Workers extends AlluxioWorkers {
  constructor(private readonly options: Ec2WorkersOptions) {
    super();
  }

  public _bind(props: WorkerProps, sidecarMiB: number): WorkerSettings {
    const ec2Options = this.options;
    for (const [given, name, instead] of [
      [props.workerCpu, 'workerCpu', 'cpu'],
      [props.workerMemoryMiB, 'workerMemoryMiB', 'memoryMiB'],
      [props.cacheSize, 'cacheSize', 'cacheQuotaPercent (the cache is sized from the disks)'],
    ] as const) {
      if (given !== undefined) {
        throw new InputError(`alluxio.${name}`, 'sizes Fargate workers, not AlluxioWorkers.ec2(...)', `remove it and give AlluxioWorkers.ec2({ ${instead} })`);
      }
    }
    const instanceType = ec2Options.instanceType;
    const instanceStore = nvmeInstanceStoreOf(instanceType.toString(), 'alluxio.workers.instanceType');
    const count = exclusive(ec2Options.count, props.workerCount, 'ec2', 'count', 'workerCount') ?? WORKER_DEFAULTS.count;
    validateWholeNumber('alluxio.workers.count', count, 1, 100, 'run between 1 and 100 worker hosts');
    const quotaPercent = ec2Options.cacheQuotaPercent ?? WORKER_DEFAULTS.quotaPercent;
    validateWholeNumber('alluxio.workers.cacheQuotaPercent', quotaPercent, 50, 95, 'give a whole percentage from 50 to 95');
    // The metrics agent beside the worker container takes its share of the host too.
    const host = workerHostCapacity(instanceStore.instanceType);
    const maxCpu = host.cpu - (sidecarMiB > 0 ? METRICS_AGENT_CPU : 0);
    const maxMemoryMiB = host.memoryMiB - sidecarMiB;
    const cpu = ec2Options.cpu ?? WORKER_DEFAULTS.cpu;
    validateWholeNumber(
      'alluxio.workers.cpu',
      cpu,
      256,
      maxCpu,
      `give CPU units from 256 to ${maxCpu}, what a ${instanceStore.instanceType} host has for the worker`,
    );
    const memoryMiB = ec2Options.memoryMiB ?? WORKER_DEFAULTS.memoryMiB;
    validateWholeNumber(
      'alluxio.workers.memoryMiB',
      memoryMiB,
      2048,
      maxMemoryMiB,
      `give 2048 to ${maxMemoryMiB} MiB, what a ${instanceStore.instanceType} host has for the worker`,
    );
    const quotaGiB = cacheQuotaGiBPerDisk(instanceStore, quotaPercent);
    // The agent beside an EC2 worker has a hard limit of its own, outside the worker container's.
    const jvmOptions = jvmMemoryEnvironment(alluxioJvmMemory('worker', memoryMiB, 'alluxio.workers.memoryMiB'));
    return {
      cpu,
      memoryMiB,
      count,
      jvmOptions,
      // The container's mount points, written relative to the image's home as the Fargate tier is.
      tierPath: workerCacheDirs(instanceStore.disks, '${alluxio.home}').join(','),
      tierQuota: Array.from({ length: instanceStore.disks }, () => `${quotaGiB}GB`).join(','),
      createGroup: (scope, id, context) => new AlluxioEc2WorkerGroup(scope, id, { context, instanceType, instanceStore, count, cpu, memoryMiB, jvmOptions }),
    };
  }
}
