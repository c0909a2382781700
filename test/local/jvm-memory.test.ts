import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AlluxioProcess, jvmMemoryEnvironment, MASTER_LOCK_POOL_KEYS } from '../../lib/core/jvm-memory';
import { AlluxioClient, masterInfo } from '../../local/alluxio/alluxio-client';
import { ExtraServices } from '../support/extra-services';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, JARS_DIR, TestCluster } from '../support/local-cluster';
import { SANDBOX_ENDPOINTS_FILE } from '../support/sandbox';
import { TEST_JVM_OPTIONS } from '../support/test-jvm';

/*
 * The four Alluxio JVMs of a real cluster (one worker) run with the heap and direct-memory limits the
 * sizing rule gives their task's memory: the construct's environment reaches them through the
 * image's entrypoint (conf/alluxio-env.sh) and bin/launch-process, which then adds none of its own
 * defaults (-Xmx8g for the master, -Xmx4g and 4g of direct memory for the worker, nothing for the
 * job processes). Sizes differ between the two tasks so that a swap would show. The expected values
 * are worked out by hand below, so a change to the rule fails here as well as in test/core.
 */

const MASTER_MEMORY_MIB = 6144;
const WORKER_MEMORY_MIB = 3072;
const MAIN_CLASSES: Record<AlluxioProcess, string> = {
  master: 'alluxio.master.AlluxioMaster',
  jobMaster: 'alluxio.master.AlluxioJobMaster',
  worker: 'alluxio.worker.AlluxioWorker',
  jobWorker: 'alluxio.worker.AlluxioJobWorker',
  proxy: 'alluxio.proxy.AlluxioProxy',
};

let local: TestCluster;
let services: ExtraServices | undefined;
let namespaceDir: string | undefined;

beforeAll(async () => {
  local = await deployTestCluster('memory', {
    alluxio: { workerCount: 1, masterCpu: 1024, masterMemoryMiB: MASTER_MEMORY_MIB, workerCpu: 1024, workerMemoryMiB: WORKER_MEMORY_MIB },
  });
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  services?.destroy();
  await local?.stop();
  if (namespaceDir) rmSync(namespaceDir, { recursive: true, force: true });
}, 120_000);

/** The command lines of the processes in a task's process group (the local ECS starts each task as one). */
function commandLinesOfGroup(groupId: number): string[][] {
  const lines: string[][] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command name (field 2) may hold spaces, so count after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const groupOf = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (groupOf === groupId) lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return lines;
}

/** -Xmx and -XX:MaxDirectMemorySize as the JVM takes them: the last occurrence of each wins. */
function memoryFlags(commandLine: string[]): { heap?: string; direct?: string } {
  const last = (prefix: string) =>
    commandLine
      .filter((arg) => arg.startsWith(prefix))
      .pop()
      ?.slice(prefix.length);
  return { heap: last('-Xmx'), direct: last('-XX:MaxDirectMemorySize=') };
}

async function jvmOf(role: 'master' | 'worker', process: AlluxioProcess): Promise<string[]> {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName(role));
  return eventually(`the ${process} JVM runs in the ${role} task\n${local.logTail()}`, 60_000, async () =>
    commandLinesOfGroup(task.pid!).find((line) => line.includes(MAIN_CLASSES[process])),
  );
}

/*
 * The rule worked by hand (lib/core/jvm-memory's doc: 256 MiB for the container and 384 MiB per JVM
 * first, the rest in fixed fractions, rounded down), not by calling it:
 *   master 6144 MiB: 6144 - 256 - 2 x 384 = 5120; master 0.7 / 0.1 -> 3584 / 512, job master 0.15 / 0.05 -> 768 / 256
 *   worker 3072 MiB: 3072 - 256 - 2 x 384 = 2048; worker 0.35 / 0.4 -> 716 / 819, job worker 0.2 / 0.05 -> 409 / 102
 */
test.each<['master' | 'worker', AlluxioProcess, string, string]>([
  ['master', 'master', '3584m', '512m'],
  ['master', 'jobMaster', '768m', '256m'],
  ['worker', 'worker', '716m', '819m'],
  ['worker', 'jobWorker', '409m', '102m'],
])('the %s task: the %s JVM runs with -Xmx%s and %s of direct memory', async (role, process, heap, direct) => {
  expect(memoryFlags(await jvmOf(role, process))).toEqual({ heap, direct });
});

// The suites' own JVM options (C1 only) reach every server JVM: the stand-in difference
// docs/local-ecs.md writes down is the one in effect.
test.each<['master' | 'worker', AlluxioProcess]>([
  ['master', 'master'],
  ['master', 'jobMaster'],
  ['worker', 'worker'],
  ['worker', 'jobWorker'],
])("the %s task: the %s JVM runs with the suites' JVM options", async (role, process) => {
  expect(await jvmOf(role, process)).toEqual(expect.arrayContaining([...TEST_JVM_OPTIONS]));
});

/*
 * The master's lock pools follow its heap (lib/core/jvm-memory masterLockPoolWatermarks), worked by hand:
 * a tenth of the 3584 MiB heap for both pools, 224 bytes a lock: 3584 x 1048576 x 0.1 / 2 / 224 =
 * 838860.8 -> 838860, the low watermark half of it. The master reports them as its own configuration,
 * so Alluxio took the system properties over its defaults (1 M and 500 k).
 */
test("the master JVM runs with its heap's lock-pool watermarks, and the master serves with them", async () => {
  const commandLine = await jvmOf('master', 'master');
  expect(commandLine).toEqual(expect.arrayContaining([`-D${MASTER_LOCK_POOL_KEYS.high}=838860`, `-D${MASTER_LOCK_POOL_KEYS.low}=419430`]));
  const { configuration } = await local.cluster.masterInfo();
  expect([configuration[MASTER_LOCK_POOL_KEYS.high], configuration[MASTER_LOCK_POOL_KEYS.low]]).toEqual([838860, 419430]);
});

/*
 * A namespace whose locks outgrow a scaled-down heap while staying under Alluxio's fixed lock-pool
 * watermarks (1 M a pool, below which nothing is evicted): 250 k files in 250 directories, loaded in one
 * recursive metadata load by a master with a 256 MiB heap. With Alluxio's defaults this test failed: in
 * one run the load exited 255 after 278 s with the master in back-to-back full GCs (by hand before, issue
 * 21: 330 k locks, about 70 MB, held beside its heap-sized inode cache). With the rule's watermarks for
 * that heap it loads them in about 70 s. The construct refuses a master task that small (2048 MiB at
 * least: a 716 MiB heap, which would take a namespace of roughly 700 k files or more and many minutes),
 * so the master is a variant of the deployed one under the same image and start script. It differs in
 * its master JVM's options, given by the same rule for a 256 MiB heap, and in what makes it a master of
 * its own: its site file (its own name and directory of the bucket) and its own journal volume. The
 * objects are put straight into the S3 server's bucket directory (versitygw's posix backend serves a file
 * there as an object; putting 250 k objects through S3 would take minutes) and listed by the master
 * through S3.
 */
const SCALED_HEAP_MIB = 256;
const NAMESPACE = { directories: 250, filesEach: 1000 };

test(`a master with a ${SCALED_HEAP_MIB} MiB heap and the rule's watermarks for it loads a ${(NAMESPACE.directories * NAMESPACE.filesEach) / 1000} k-file namespace in one recursive metadata load`, async () => {
  const directory = 'heap-namespace';
  namespaceDir = join(SANDBOX_ENDPOINTS_FILE, '..', 'versitygw-data', local.minio.bucket, directory);
  for (let d = 0; d < NAMESPACE.directories; d++) {
    const dir = join(namespaceDir, `d${String(d).padStart(4, '0')}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < NAMESPACE.filesEach; f++) closeSync(openSync(join(dir, `f${String(f).padStart(5, '0')}`), 'w'));
  }
  services = new ExtraServices(local);
  const masterName = 'master-scaled-heap.local';
  const { parameter } = await services.siteFileForOwnMaster('site-properties-scaled-heap', { masterHostname: masterName, directory });
  const scaled = jvmMemoryEnvironment({ master: { heapMiB: SCALED_HEAP_MIB, directMiB: 64 } });
  expect(scaled.ALLUXIO_MASTER_JAVA_OPTS).toContain(`-Xmx${SCALED_HEAP_MIB}m`);
  const address = await services.run(
    'master-scaled-heap',
    await services.variantOf('master', 'master-scaled-heap', { environmentOverrides: scaled, ownVolumes: true, sitePropertiesFrom: parameter }),
    masterName,
  );
  const info = await eventually(`the scaled master answers\n${local.logTail()}`, 120_000, async () => masterInfo(address));
  expect([info.configuration[MASTER_LOCK_POOL_KEYS.high], info.configuration[MASTER_LOCK_POOL_KEYS.low]]).toEqual([59918, 29959]);
  const [task] = local.cluster.ecs!.tasksOf('master-scaled-heap');
  const masterJvm = commandLinesOfGroup(task.pid!).find((line) => line.includes(MAIN_CLASSES.master));
  expect(memoryFlags(masterJvm ?? []).heap).toBe(`${SCALED_HEAP_MIB}m`);

  const client = new AlluxioClient(join(local.stateDir, 'scaled-heap-client'), JARS_DIR, masterName, [masterName], local.cluster.hostsFile, TEST_JVM_OPTIONS);
  const load = await client.run(['fs', 'loadMetadata', '-R', '/'], 300_000);
  // The client's and the tasks' output only when it failed (a master out of heap makes the client's calls time out: exit 255).
  expect(load.code === 0 ? 'loaded' : `exit ${load.code}: ${(load.stdout + load.stderr).slice(-2000)}\n${local.logTail()}`).toBe('loaded');
  // Without a sync of its own: the load began more than the rendered 60 s interval ago, and a second
  // recursive sync of the whole namespace is not what is tested.
  const count = await client.run(['fs', '-Dalluxio.user.file.metadata.sync.interval=-1', 'count', '/'], 120_000);
  // "File Count  Folder Count  Folder Size" then the three numbers; the root itself is not counted.
  expect(count.stdout.trim().split('\n').pop()!.trim().split(/\s+/).map(Number)).toEqual([
    NAMESPACE.directories * NAMESPACE.filesEach,
    NAMESPACE.directories,
    0,
  ]);
  // The waits above: 30 + 120 + 300 + 120 s, and the files made first.
}, 720_000);
