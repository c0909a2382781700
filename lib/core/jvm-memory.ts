import { InputError } from './input-error';

/**
 * How the memory of an Alluxio task is shared between the two JVMs of its container. The image's
 * `master` and `worker` commands start two processes each (master + job master, worker + job
 * worker), and its bin/launch-process adds `-Xmx8g` to the master and `-Xmx4g
 * -XX:MaxDirectMemorySize=4g` to the worker when their options name no size; the job processes get
 * no size at all, and a JVM then takes a quarter of the container's memory for its heap, and as much
 * again for direct buffers. Any of those overcommits a Fargate task, whose container is killed when
 * it passes the task's memory.
 *
 * The rule: a fixed reserve per container and per JVM for what no flag bounds (metaspace, code
 * cache, thread stacks, the shell and the health check), the rest shared in fixed fractions. The
 * worker's cache is an SSD tier on the task's ephemeral storage, so none of the memory goes to it.
 */

/** The container: the master (with the job master), a worker (with its job worker), or the S3 proxy alone. */
export type AlluxioContainerRole = 'master' | 'worker' | 'proxy';

/** The environment variables the image's entrypoint copies into conf/alluxio-env.sh, one per process. */
export const JAVA_OPTS_VARIABLES = {
  master: 'ALLUXIO_MASTER_JAVA_OPTS',
  jobMaster: 'ALLUXIO_JOB_MASTER_JAVA_OPTS',
  worker: 'ALLUXIO_WORKER_JAVA_OPTS',
  jobWorker: 'ALLUXIO_JOB_WORKER_JAVA_OPTS',
  proxy: 'ALLUXIO_PROXY_JAVA_OPTS',
} as const;

export type AlluxioProcess = keyof typeof JAVA_OPTS_VARIABLES;

export interface JvmMemory {
  readonly heapMiB: number;
  readonly directMiB: number;
}

/** Memory no JVM flag bounds, for the container: the start script, bash health checks, slack. */
export const CONTAINER_RESERVE_MIB = 256;
/** Memory outside heap and direct buffers, per JVM: metaspace, code cache, thread stacks, GC structures. */
export const JVM_NON_HEAP_RESERVE_MIB = 384;

// Fractions of what is left for heaps and direct buffers. The master keeps its metadata on the
// heap; the worker moves block data through direct (Netty) buffers; the job processes only track jobs.
// The master's inode cache (and the edge and listing caches, which take the same limit) is not set
// here: in 2.9 it defaults to the heap Alluxio finds, Runtime.maxMemory() / 2 / 2000 bytes an inode
// (PropertyKey.MASTER_METASTORE_INODE_CACHE_MAX_SIZE in alluxio-core-common 2.9.6; Alluxio PRs #13115
// and #13592), not the fixed 10 M inodes of older releases; test/java/property-keys.test.ts pins it.
// The master's lock pools are not sized from the heap by Alluxio, so they are below
// (masterLockPoolWatermarks).
const SHARES: Record<AlluxioContainerRole, Partial<Record<AlluxioProcess, { heap: number; direct: number }>>> = {
  master: { master: { heap: 0.7, direct: 0.1 }, jobMaster: { heap: 0.15, direct: 0.05 } },
  worker: { worker: { heap: 0.35, direct: 0.4 }, jobWorker: { heap: 0.2, direct: 0.05 } },
  // The proxy is an Alluxio client: object bodies pass through its heap and its (Netty) direct buffers.
  proxy: { proxy: { heap: 0.55, direct: 0.35 } },
};
const MIN_HEAP_MIB = 128;
const MIN_DIRECT_MIB = 32;

/**
 * The heap and direct-memory limits of both JVMs of a container with `taskMemoryMiB`; `prop` names the
 * prop in errors. `sidecarMiB` is the hard memory limit of the task's other containers (the metrics
 * agent), which comes out of the task's memory first.
 */
export function alluxioJvmMemory(role: AlluxioContainerRole, taskMemoryMiB: number, prop: string, sidecarMiB = 0): Partial<Record<AlluxioProcess, JvmMemory>> {
  const shares = SHARES[role];
  const processes = Object.keys(shares) as AlluxioProcess[];
  const budget = taskMemoryMiB - sidecarMiB - CONTAINER_RESERVE_MIB - processes.length * JVM_NON_HEAP_RESERVE_MIB;
  const sized = Object.fromEntries(
    processes.map((process) => [process, { heapMiB: Math.floor(budget * shares[process]!.heap), directMiB: Math.floor(budget * shares[process]!.direct) }]),
  ) as Partial<Record<AlluxioProcess, JvmMemory>>;
  const tooSmall = processes.some((process) => sized[process]!.heapMiB < MIN_HEAP_MIB || sized[process]!.directMiB < MIN_DIRECT_MIB);
  if (tooSmall) {
    throw new InputError(
      prop,
      `${taskMemoryMiB} MiB cannot hold the ${processes.join(' and ')} JVMs of one container ` +
        `(${sidecarMiB ? `${sidecarMiB} MiB for the metrics agent, ` : ''}${CONTAINER_RESERVE_MIB} MiB for the container ` +
        `and ${JVM_NON_HEAP_RESERVE_MIB} MiB outside the heap per JVM come first)`,
      // Fargate sizes above 2 GiB come in whole GiB.
      `give at least ${Math.ceil(minimumTaskMemoryMiB(role, sidecarMiB) / 1024) * 1024} MiB`,
    );
  }
  return sized;
}

/** The smallest task memory the rule accepts for `role` (with `sidecarMiB` for the task's other containers). */
export function minimumTaskMemoryMiB(role: AlluxioContainerRole, sidecarMiB = 0): number {
  const shares = Object.values(SHARES[role]);
  const budget = Math.max(...shares.flatMap((share) => [MIN_HEAP_MIB / share!.heap, MIN_DIRECT_MIB / share!.direct]));
  return Math.ceil(budget) + sidecarMiB + CONTAINER_RESERVE_MIB + shares.length * JVM_NON_HEAP_RESERVE_MIB;
}

/** The two master properties that bound its lock pools; the construct sets them on the master JVM. */
export const MASTER_LOCK_POOL_KEYS = {
  low: 'alluxio.master.lock.pool.low.watermark',
  high: 'alluxio.master.lock.pool.high.watermark',
} as const;

/**
 * Properties the construct gives the master as system properties, which would override the same key in
 * the site file, with the input that sets them: refused as the construct's extra properties. `alluxio-minio
 * render` writes a file for clusters this library does not start, so it lets them through.
 */
export const MASTER_JVM_PROPERTIES: Readonly<Record<string, string>> = {
  [MASTER_LOCK_POOL_KEYS.low]: "the master's heap (alluxio.masterMemoryMiB)",
  [MASTER_LOCK_POOL_KEYS.high]: "the master's heap (alluxio.masterMemoryMiB)",
};

// The master locks each inode and each edge (parent to child) it touches through two pools
// (InodeLockManager: one LockPool<Long>, one LockPool<Edge>, both sized by alluxio.master.lock.pool.*).
// A pool keeps every lock it has made until it holds more than its high watermark, then evicts the
// unused ones down to its low watermark (alluxio.collections.LockPool's Evictor). Alluxio's defaults,
// 1 M and 500 k a pool, do not follow the heap: below them nothing is evicted. In one manual run a
// recursive metadata load of 250 k files kept a master with -Xmx256m in back-to-back full GCs for
// minutes, with 330 k locks (about 70 MB) on its heap beside its inode cache (a class histogram, issue
// 21). With the pools at this rule's watermarks the same load finished in about 70 s. An entry costs
// about 224 bytes (the lock, its Sync and two views, the pool's Resource and counter, the map node and
// the key, summed from that histogram); the two pools together get a tenth of the heap before they
// evict, so at the default 2150 MiB heap a pool evicts above 503 k locks rather than 1 M. Above a
// 4272 MiB heap the rule gives more than Alluxio's 1 M, still a tenth of the heap. Evicting only drops
// locks no one holds, so a smaller pool costs the evictor's scans, never a lock in use.
const LOCK_POOLS_HEAP_SHARE = 0.1;
const LOCK_POOL_ENTRY_BYTES = 224;

/** The lock-pool watermarks (locks a pool, for each of the master's two pools) for a master JVM with `heapMiB` of heap. */
export function masterLockPoolWatermarks(heapMiB: number): { low: number; high: number } {
  const high = Math.floor((heapMiB * 1024 * 1024 * LOCK_POOLS_HEAP_SHARE) / 2 / LOCK_POOL_ENTRY_BYTES);
  // Half, as in Alluxio's defaults: an eviction frees enough that the next is not due at once.
  return { low: Math.floor(high / 2), high };
}

/**
 * The environment variables that give each JVM of the container its limits (the image's launch-process
 * then adds none of its own), and the master the lock-pool watermarks of its heap: as system properties
 * they are the master's alone, where the site file is shared by every process.
 */
export function jvmMemoryEnvironment(memory: Partial<Record<AlluxioProcess, JvmMemory>>): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(memory) as Array<[AlluxioProcess, JvmMemory]>).map(([process, { heapMiB, directMiB }]) => {
      const options = [`-Xmx${heapMiB}m`, `-XX:MaxDirectMemorySize=${directMiB}m`];
      if (process === 'master') {
        const { low, high } = masterLockPoolWatermarks(heapMiB);
        options.push(`-D${MASTER_LOCK_POOL_KEYS.high}=${high}`, `-D${MASTER_LOCK_POOL_KEYS.low}=${low}`);
      }
      return [JAVA_OPTS_VARIABLES[process], options.join(' ')];
    }),
  );
}
