import { InputError } from './input-error';

/**
 * Instance types whose instance store is NVMe SSD, and its disks: what an EC2 worker caches on.
 *
 * Source: the "Available instance store volumes" table of the EC2 User Guide's "Amazon EC2 instance
 * store" page (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/InstanceStorage.html, read from
 * awsdocs/amazon-ec2-user-guide at d289961, doc_source/InstanceStorage.md, the last version before that
 * repository was archived in June 2023). Sizes are the table's GB (10^9 bytes). A type missing here is
 * refused at synth rather than guessed: add it with its row from the current Instance Types Guide.
 */
const NVME_INSTANCE_STORE: { readonly [instanceType: string]: readonly [disks: number, gbPerDisk: number] } = {
  // i3
  'i3.large': [1, 475],
  'i3.xlarge': [1, 950],
  'i3.2xlarge': [1, 1900],
  'i3.4xlarge': [2, 1900],
  'i3.8xlarge': [4, 1900],
  'i3.16xlarge': [8, 1900],
  // i3en
  'i3en.large': [1, 1250],
  'i3en.xlarge': [1, 2500],
  'i3en.2xlarge': [2, 2500],
  'i3en.3xlarge': [1, 7500],
  'i3en.6xlarge': [2, 7500],
  'i3en.12xlarge': [4, 7500],
  'i3en.24xlarge': [8, 7500],
  // i4i
  'i4i.large': [1, 468],
  'i4i.xlarge': [1, 937],
  'i4i.2xlarge': [1, 1875],
  'i4i.4xlarge': [1, 3750],
  'i4i.8xlarge': [2, 3750],
  'i4i.16xlarge': [4, 3750],
  'i4i.32xlarge': [8, 3750],
  // r5d
  'r5d.large': [1, 75],
  'r5d.xlarge': [1, 150],
  'r5d.2xlarge': [1, 300],
  'r5d.4xlarge': [2, 300],
  'r5d.8xlarge': [2, 600],
  'r5d.12xlarge': [2, 900],
  'r5d.16xlarge': [4, 600],
  'r5d.24xlarge': [4, 900],
  // r6id
  'r6id.large': [1, 118],
  'r6id.xlarge': [1, 237],
  'r6id.2xlarge': [1, 474],
  'r6id.4xlarge': [1, 950],
  'r6id.8xlarge': [1, 1900],
  'r6id.12xlarge': [2, 1425],
  'r6id.16xlarge': [2, 1900],
  'r6id.24xlarge': [4, 1425],
  'r6id.32xlarge': [4, 1900],
  // m5d
  'm5d.large': [1, 75],
  'm5d.xlarge': [1, 150],
  'm5d.2xlarge': [1, 300],
  'm5d.4xlarge': [2, 300],
  // m6id
  'm6id.large': [1, 118],
  'm6id.xlarge': [1, 237],
  'm6id.2xlarge': [1, 474],
  'm6id.4xlarge': [1, 950],
};

export interface InstanceStore {
  readonly instanceType: string;
  readonly disks: number;
  /** Bytes per disk, as the table gives it (GB of 10^9 bytes). */
  readonly bytesPerDisk: number;
}

/** The NVMe instance store of `instanceType`, or an InputError naming `prop` and types that have one. */
export function nvmeInstanceStoreOf(instanceType: string, prop: string): InstanceStore {
  const entry = NVME_INSTANCE_STORE[instanceType];
  if (!entry) {
    throw new InputError(
      prop,
      `${JSON.stringify(instanceType)} is not an instance type with NVMe instance storage that this construct knows`,
      `choose one with instance-store NVMe SSDs, e.g. ${['r5d.xlarge', 'r6id.xlarge', 'i4i.xlarge', 'i3en.xlarge'].join(', ')} ` +
        `(the table is in lib/core/instance-store.ts, with its source)`,
    );
  }
  return { instanceType, disks: entry[0], bytesPerDisk: entry[1] * 1e9 };
}

/** Every instance type of the table (for tests and docs). */
export function knownNvmeInstanceTypes(): string[] {
  return Object.keys(NVME_INSTANCE_STORE);
}

/**
 * The cache quota of each disk: `percent` of the disk, in whole GiB (Alluxio reads "GB" as 2^30 bytes).
 * What is left over covers the file system's own metadata and the worker's temporary block files.
 */
export function cacheQuotaGiBPerDisk(store: InstanceStore, percent: number): number {
  return Math.floor((store.bytesPerDisk * percent) / 100 / 2 ** 30);
}

/**
 * The vCPUs and memory of a type of the table, from EC2's naming: the size gives the vCPUs (large 2,
 * xlarge 4, Nxlarge 4N) and each family has a fixed memory per vCPU (r5d, r6id, i3en, i4i 8 GiB; m5d,
 * m6id 4 GiB; i3 7.625 GiB). These are the families' published figures, not re-read in this session.
 */
export function hostSizeOf(instanceType: string): { readonly vcpus: number; readonly memoryMiB: number } {
  const [family, size] = instanceType.split('.');
  const gibPerVcpu: Record<string, number> = { r5d: 8, r6id: 8, i3en: 8, i4i: 8, m5d: 4, m6id: 4, i3: 7.625 };
  const multiple = size === 'large' ? 0.5 : size === 'xlarge' ? 1 : Number(size.replace(/xlarge$/, ''));
  if (!(family in gibPerVcpu) || !Number.isFinite(multiple) || multiple <= 0) {
    throw new Error(`no host size for ${instanceType}: add its family to hostSizeOf`);
  }
  const vcpus = 4 * multiple;
  return { vcpus, memoryMiB: vcpus * gibPerVcpu[family] * 1024 };
}

/**
 * What of a host the worker's containers may take: every vCPU, and 90% of the memory (the OS, Docker
 * and the ECS agent keep the rest: a container limit above what the agent registers is never placed,
 * and ECS would retry the placement for hours).
 */
export function workerHostCapacity(instanceType: string): { readonly cpu: number; readonly memoryMiB: number } {
  const host = hostSizeOf(instanceType);
  return { cpu: host.vcpus * 1024, memoryMiB: Math.floor(host.memoryMiB * 0.9) };
}
