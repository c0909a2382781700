import { cacheQuotaGiBPerDisk, hostSizeOf, knownNvmeInstanceTypes, nvmeInstanceStoreOf, workerHostCapacity } from '../../lib/core/instance-store';
import { expectInputError } from './expect-input-error';

describe('the NVMe instance-store table', () => {
  test('gives the disks of a type as the EC2 table lists them (i3en.2xlarge: 2 x 2500 GB)', () => {
    expect(nvmeInstanceStoreOf('i3en.2xlarge', 'alluxio.workers')).toEqual({ instanceType: 'i3en.2xlarge', disks: 2, bytesPerDisk: 2500e9 });
  });

  test.each(['m5.large', 'r6i.xlarge', 't3.medium', 'c5d.nonsense'])('refuses %s, naming the prop and types that have instance storage', (type) => {
    expect(expectInputError(() => nvmeInstanceStoreOf(type, 'alluxio.workers.instanceType'), 'alluxio.workers.instanceType').fix).toMatch(/r5d\.xlarge/);
  });

  test('every family the issue names is in the table, with at least one disk of at least 75 GB', () => {
    for (const family of ['r5d', 'i3en', 'i4i']) expect(knownNvmeInstanceTypes().some((t) => t.startsWith(`${family}.`))).toBe(true);
    for (const type of knownNvmeInstanceTypes()) {
      const store = nvmeInstanceStoreOf(type, 'p');
      expect(store.disks).toBeGreaterThanOrEqual(1);
      expect(store.bytesPerDisk).toBeGreaterThanOrEqual(75e9);
    }
  });

  test('the quota per disk is the percentage of the disk in whole GiB, the unit Alluxio reads "GB" as', () => {
    // 75 GB = 69.8 GiB; 90% of it is 62.9 GiB.
    expect(cacheQuotaGiBPerDisk(nvmeInstanceStoreOf('r5d.large', 'p'), 90)).toBe(62);
    expect(cacheQuotaGiBPerDisk(nvmeInstanceStoreOf('i3en.xlarge', 'p'), 50)).toBe(1164);
  });

  test('the host size follows the type name and the family (i3.16xlarge 64 vCPU 488 GiB, i3en.3xlarge 12 vCPU 96 GiB, m5d.large 2 vCPU 8 GiB)', () => {
    expect(hostSizeOf('i3.16xlarge')).toEqual({ vcpus: 64, memoryMiB: 488 * 1024 });
    expect(hostSizeOf('i3en.3xlarge')).toEqual({ vcpus: 12, memoryMiB: 96 * 1024 });
    expect(hostSizeOf('m5d.large')).toEqual({ vcpus: 2, memoryMiB: 8 * 1024 });
    expect(workerHostCapacity('m5d.large')).toEqual({ cpu: 2048, memoryMiB: 7372 });
    // Every type of the table has a size.
    for (const type of knownNvmeInstanceTypes()) expect(hostSizeOf(type).vcpus).toBeGreaterThanOrEqual(2);
  });
});
