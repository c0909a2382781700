import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

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

  /** @internal */
  public abstract readonly _fargate?: FargateWorkersOptions;
  /** @internal */
  public abstract readonly _ec2?: Ec2WorkersOptions;
}

class FargateWorkers extends AlluxioWorkers {
  public readonly _ec2 = undefined;
  constructor(public readonly _fargate: FargateWorkersOptions) {
    super();
  }
}

class Ec2Workers extends AlluxioWorkers {
  public readonly _fargate = undefined;
  constructor(public readonly _ec2: Ec2WorkersOptions) {
    super();
  }
}
