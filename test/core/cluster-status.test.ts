import { CLUSTER_READ_METRICS, clusterStatusFromMasterInfo, formatClusterStatus } from '../../lib/core/cluster-status';

const MiB = 1024 * 1024;

/** The shape a 2.9.6 master answers with (fields this reader uses; the real one is checked in test/local/cluster). */
function masterInfo(metrics: Record<string, number>, workers = 2): string {
  return JSON.stringify({
    version: '2.9.6',
    uptimeMs: 144175,
    capacity: { total: 40 * 1024 * MiB, used: 64 * MiB },
    tierCapacity: { HDD: { used: 0, total: 0 }, MEM: { used: 0, total: 0 }, SSD: { used: 64 * MiB, total: 40 * 1024 * MiB } },
    mountPoints: { '/': { ufsUri: 's3://datalake/alluxio' } },
    lostWorkers: [],
    workers: Array.from({ length: workers }, (_, i) => ({ address: { host: `127.0.0.${10 + i}` }, capacityBytes: 20 * 1024 * MiB, usedBytes: 32 * MiB })),
    metrics,
  });
}

const allZero = Object.fromEntries(Object.values(CLUSTER_READ_METRICS).map((name) => [name, 0]));

describe('cluster status from the master', () => {
  test('the hit ratio is the share of the served bytes that did not come from the under store', () => {
    const status = clusterStatusFromMasterInfo(masterInfo({ ...allZero, 'Cluster.BytesReadRemote': 128 * MiB, 'Cluster.BytesReadUfsAll': 32 * MiB }));
    expect(status.bytesServed).toBe(128 * MiB);
    expect(status.bytesFromUnderStore).toBe(32 * MiB);
    expect(status.hitRatio).toBe(0.75);
    expect(status.missingMetrics).toEqual([]);
    expect(status.liveWorkers.map((w) => w.host)).toEqual(['127.0.0.10', '127.0.0.11']);
    expect(Object.keys(status.tiers)).toEqual(['SSD']);
    expect(formatClusterStatus('127.0.0.1:19999', status)).toEqual([
      'master      127.0.0.1:19999, Alluxio 2.9.6, up 144 s, root s3://datalake/alluxio',
      'workers     2 live (127.0.0.10, 127.0.0.11), 0 lost',
      'cache       64.0 MiB used of 40.0 GiB (SSD 64.0 MiB of 40.0 GiB)',
      'reads       128.0 MiB served since the master started, 32.0 MiB of it from MinIO: cache hit ratio 75.0%',
    ]);
  });

  test('every read path counts as served: short-circuit, domain socket and worker-internal reads too', () => {
    const status = clusterStatusFromMasterInfo(
      masterInfo({
        ...allZero,
        'Cluster.BytesReadLocal': MiB,
        'Cluster.BytesReadDomain': MiB,
        'Cluster.BytesReadDirect': MiB,
        'Cluster.BytesReadRemote': MiB,
        'Cluster.BytesReadUfsAll': MiB,
      }),
    );
    expect(status.bytesServed).toBe(4 * MiB);
    expect(status.hitRatio).toBe(0.75);
  });

  test('nothing read yet: no ratio, said so; a master that lacks a counter is named, not guessed', () => {
    const idle = clusterStatusFromMasterInfo(masterInfo(allZero));
    expect(idle.hitRatio).toBeNull();
    expect(formatClusterStatus('m:19999', idle)[3]).toBe('reads       nothing read through the workers since the master started');
    const partial = clusterStatusFromMasterInfo(masterInfo({ 'Cluster.BytesReadRemote': MiB }));
    expect(partial.missingMetrics).toEqual(['Cluster.BytesReadDomain', 'Cluster.BytesReadLocal', 'Cluster.BytesReadDirect', 'Cluster.BytesReadUfsAll']);
    expect(formatClusterStatus('m:19999', partial).at(-1)).toContain('the master reports no Cluster.BytesReadDomain');
  });

  test('an answer that is not a MasterInfo document says which port to use', () => {
    expect(() => clusterStatusFromMasterInfo('<html>')).toThrow(/not JSON: is this the master web port \(19999\)/);
    expect(() => clusterStatusFromMasterInfo('{"status":"ok"}')).toThrow(/not an Alluxio MasterInfo document/);
  });
});
