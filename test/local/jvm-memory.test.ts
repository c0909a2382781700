import { readdirSync, readFileSync } from 'node:fs';
import { AlluxioProcess } from '../../lib/core/jvm-memory';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';

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
