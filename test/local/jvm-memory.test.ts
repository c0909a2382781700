import { readdirSync, readFileSync } from 'node:fs';
import { alluxioJvmMemory, AlluxioProcess, JvmMemory } from '../../lib/core/jvm-memory';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';

/*
 * The four Alluxio JVMs of a real cluster (one worker) run with the heap and direct-memory limits the
 * sizing rule gives their task's memory: the construct's environment reaches them through the
 * image's entrypoint (conf/alluxio-env.sh) and bin/launch-process, which then adds none of its own
 * defaults (-Xmx8g for the master, -Xmx4g and 4g of direct memory for the worker, nothing for the
 * job processes). Sizes differ between the two tasks so that a swap would show.
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

beforeAll(async () => {
  local = await deployTestCluster('memory', {
    alluxio: { workerCount: 1, masterCpu: 1024, masterMemoryMiB: MASTER_MEMORY_MIB, workerCpu: 1024, workerMemoryMiB: WORKER_MEMORY_MIB },
  });
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  await local?.stop();
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
  const last = (prefix: string) => commandLine.filter((arg) => arg.startsWith(prefix)).pop()?.slice(prefix.length);
  return { heap: last('-Xmx'), direct: last('-XX:MaxDirectMemorySize=') };
}

async function jvmOf(role: 'master' | 'worker', process: AlluxioProcess): Promise<string[]> {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName(role));
  return eventually(`the ${process} JVM runs in the ${role} task\n${local.logTail()}`, 60_000, async () =>
    commandLinesOfGroup(task.pid!).find((line) => line.includes(MAIN_CLASSES[process])),
  );
}

const expected = (memory: JvmMemory) => ({ heap: `${memory.heapMiB}m`, direct: `${memory.directMiB}m` });

test.each<['master' | 'worker', AlluxioProcess, number]>([
  ['master', 'master', MASTER_MEMORY_MIB],
  ['master', 'jobMaster', MASTER_MEMORY_MIB],
  ['worker', 'worker', WORKER_MEMORY_MIB],
  ['worker', 'jobWorker', WORKER_MEMORY_MIB],
])('the %s task: the %s JVM has the heap and direct-memory limits of the rule for %i MiB', async (role, process, memory) => {
  const sized = alluxioJvmMemory(role, memory, 'test')[process]!;
  expect(memoryFlags(await jvmOf(role, process))).toEqual(expected(sized));
});
