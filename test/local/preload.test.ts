import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { PRELOAD_LOG_MARKER, PRELOAD_PATHS_ENV, PRELOAD_STOPPED_EXIT_CODE } from '../../lib/core/preload';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { STANDALONE_TASKS } from '../../local/ecs/local-ecs';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { loadSandbox, uniqueBucketName } from '../support/sandbox';
import { formsOf, processesOfTask } from '../support/task-processes';

/*
 * Cache warm-up on a real Alluxio 2.9.6 cluster: objects put into the bucket directly (as another tool
 * would), a deploy whose `preload` names their directories, and the preload task the deploy starts
 * (the construct's own task definition and script, run by the local ECS) loading them. The proof that
 * the first read is a cache hit: Alluxio reports the file 100% in Alluxio before anything read it, and
 * the read still returns the exact bytes after the object was deleted from MinIO, where the only copy
 * left is the cache.
 */

const DIRECTORY = 'alluxio';
const OBJECT_BYTES = 3 * 1024 * 1024;
// One worker is enough to cache into; a long sync interval keeps Alluxio from noticing the deletion
// below, so the read after it can only be served by the cache.
const ALLUXIO = { workerCount: 1, metadataSyncInterval: Duration.hours(1) };
const PRELOAD = [{ path: '/warm' }, { path: '/cold', schedule: events.Schedule.rate(Duration.days(1)), timeout: Duration.minutes(5) }];
let local: TestCluster;
let client: AlluxioClient;
let s3: S3Client;
let ecs: ECSClient;
const objects: Record<string, Buffer> = {};

beforeAll(async () => {
  const sandbox = loadSandbox();
  const minio = { ...sandbox.s3, bucket: uniqueBucketName('preload'), directory: DIRECTORY, createBucket: true };
  s3 = createMinioS3Client(minio);
  await s3.send(new CreateBucketCommand({ Bucket: minio.bucket }));
  for (const path of ['/warm/part-0.bin', '/cold/part-0.bin']) {
    objects[path] = randomBytes(OBJECT_BYTES);
    await s3.send(new PutObjectCommand({ Bucket: minio.bucket, Key: `${DIRECTORY}${path}`, Body: objects[path] }));
  }
  local = await deployTestCluster('preload', {
    minio,
    alluxio: ALLUXIO,
    preload: PRELOAD,
  });
  client = local.cluster.client();
  ecs = new ECSClient({
    endpoint: local.cluster.ecsEndpoint,
    region: sandbox.aws.region,
    credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey },
  });
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  s3?.destroy();
  ecs?.destroy();
  await local?.stop();
}, 120_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A preload task to its end (bounded): its exit code and log. */
async function finished(taskArn: string, timeoutMs = 240_000): Promise<{ exitCode: number | null | undefined; log: string }> {
  return eventually(
    `the preload task ${taskArn.split('/').pop()} stops`,
    timeoutMs,
    async () => {
      const task = local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true).find((t) => t.taskArn === taskArn);
      return task?.status === 'STOPPED' ? { exitCode: task.exitCode, log: readFileSync(task.logFile, 'utf8') } : undefined;
    },
    1000,
  );
}

function preloadTaskArnFromDeploy(): string {
  const tasks = local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true);
  expect(tasks).toHaveLength(1);
  return tasks[0].taskArn;
}

function outcomeLine(log: string): string[] {
  const lines = log.split('\n').filter((line) => line.startsWith(`${PRELOAD_LOG_MARKER} SUCCEEDED `) || line.startsWith(`${PRELOAD_LOG_MARKER} FAILED `));
  expect(lines).toHaveLength(1);
  return lines[0].split(' ');
}

function resourcesOfType(type: string): Array<[string, any]> {
  return Object.entries(local.cluster.template.Resources).filter(([, r]) => r.Type === type);
}

describe('the preload after a deploy', () => {
  test('runs once, after the Alluxio health check, as one RunTask of the preload task definition', () => {
    // The custom resources by type: their log groups and policies share the id prefix and, with no
    // dependency on the check, CloudFormation (and the parallel deployer) creates them early.
    const [[runAfterDeploy]] = resourcesOfType('Custom::AWS').filter(([id]) => id.includes('PreloadRunAfterDeploy'));
    const [[alluxioCheck]] = resourcesOfType('Custom::AlluxioMinioHealthCheck').filter(([id]) => id.includes('AlluxioCheck'));
    const { timeline } = local.cluster.result;
    expect(timeline[runAfterDeploy].started).toBeGreaterThanOrEqual(timeline[alluxioCheck].finished);
    const [[, definition]] = resourcesOfType('AWS::ECS::TaskDefinition').filter(([, r]) => r.Properties.ContainerDefinitions[0].Name === 'preload');
    expect(local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true).map((t) => t.taskDefinition.split('/').pop()!.split(':')[0])).toEqual([
      definition.Properties.Family,
    ]);
  });

  test('loads every path and ends with a SUCCEEDED outcome line (the metric filter fields) and exit code 0', async () => {
    const { exitCode, log } = await finished(preloadTaskArnFromDeploy());
    expect({ exitCode, tail: exitCode === 0 ? '' : log.slice(-3000) }).toEqual({ exitCode: 0, tail: '' });
    expect(log).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /warm LOADED in \\d+ s$`, 'm'));
    expect(log).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /cold LOADED in \\d+ s$`, 'm'));
    const [marker, outcome, deployment, ...counts] = outcomeLine(log);
    expect([marker, outcome, deployment]).toEqual([PRELOAD_LOG_MARKER, 'SUCCEEDED', `${local.parameters.prefix}/site-properties`]);
    expect(counts.slice(0, 2)).toEqual(['paths=2', 'failed=0']);
    // The template's metric filters read exactly these fields of this line.
    const patterns = resourcesOfType('AWS::Logs::MetricFilter').map(([, r]) => r.Properties.FilterPattern as string);
    expect(patterns.sort()).toEqual([
      `[marker = "${PRELOAD_LOG_MARKER}", outcome = "FAILED", deployment, ...]`,
      `[marker = "${PRELOAD_LOG_MARKER}", outcome = "SUCCEEDED", deployment, ...]`,
    ]);
  }, 300_000);

  test('the first read is a cache hit: 100% in Alluxio before any read, and the exact bytes come back after MinIO lost the object', async () => {
    const stat = await client.fs('stat', '/warm/part-0.bin');
    expect(stat).toMatch(/inAlluxioPercentage=100\b/);
    expect(stat).toMatch(new RegExp(`length=${OBJECT_BYTES}\\b`));
    await s3.send(new DeleteObjectCommand({ Bucket: local.minio.bucket, Key: `${DIRECTORY}/warm/part-0.bin` }));
    const copy = join(local.stateDir, 'warm-part-0.bin');
    await client.fs('copyToLocal', '/warm/part-0.bin', copy);
    expect(sha256(readFileSync(copy))).toBe(sha256(objects['/warm/part-0.bin']));
  }, 120_000);
});

describe('the preload on a schedule', () => {
  test("the rule's ECS target runs the preload task for its own path only", async () => {
    const [[, rule]] = resourcesOfType('AWS::Events::Rule').filter(([, r]) => String(r.Properties.Description ?? '').startsWith('Preload '));
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 day)');
    const [target] = rule.Properties.Targets;
    const input = JSON.parse(target.Input);
    // What EventBridge does when the rule fires: RunTask of the target's task definition with its overrides.
    const preloadTaskDefinition = local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true)[0].taskDefinition;
    const started = await ecs.send(new RunTaskCommand({ taskDefinition: preloadTaskDefinition, overrides: input }));
    const { exitCode, log } = await finished(started.tasks![0].taskArn!);
    expect(exitCode).toBe(0);
    expect(log).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /cold LOADED`, 'm'));
    expect(log).not.toContain('/warm');
    expect(outcomeLine(log).slice(0, 2)).toEqual([PRELOAD_LOG_MARKER, 'SUCCEEDED']);
    expect(outcomeLine(log)[3]).toBe('paths=1');
  }, 300_000);

  test('a path that does not exist ends the run with a FAILED outcome line and exit code 1', async () => {
    const preloadTaskDefinition = local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true)[0].taskDefinition;
    const started = await ecs.send(
      new RunTaskCommand({
        taskDefinition: preloadTaskDefinition,
        overrides: { containerOverrides: [{ name: 'preload', environment: [{ name: PRELOAD_PATHS_ENV, value: '120:/not-there' }] }] },
      }),
    );
    const { exitCode, log } = await finished(started.tasks![0].taskArn!);
    // 2.9.6 accepts the job and fails it: the reason from its progress report is in the path's line.
    expect(log).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /not-there FAILED: the load job ended FAILED .*"/not-there" does not exist`, 'm'));
    expect(outcomeLine(log).slice(0, 2)).toEqual([PRELOAD_LOG_MARKER, 'FAILED']);
    expect(exitCode).toBe(1);
    const described = await ecs.send(new DescribeTasksCommand({ tasks: [started.tasks![0].taskArn!] }));
    expect(described.tasks![0].containers![0].exitCode).toBe(1);
  }, 300_000);
});

describe('a preload task whose master does not answer, stopped by ECS', () => {
  let taskArn: string;
  const task = () => local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true).find((t) => t.taskArn === taskArn)!;

  beforeAll(async () => {
    const preloadTaskDefinition = local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true)[0].taskDefinition;
    // An address of this cluster's block no task takes (tasks get .1 up), as when the stack's masters
    // are gone: each submit fails after the client's 8 connection attempts (about 5 s with 2.9.6), and
    // 40 paths keep the run going for minutes, its client JVM up most of the time.
    const unanswered = `${local.cluster.settings.addressBlock}.250`;
    const paths = Array.from({ length: 40 }, (_, i) => `60:/warm-${i}`).join(' ');
    const started = await ecs.send(
      new RunTaskCommand({
        taskDefinition: preloadTaskDefinition,
        overrides: {
          containerOverrides: [
            {
              name: 'preload',
              environment: [
                { name: PRELOAD_PATHS_ENV, value: paths },
                { name: 'ALLUXIO_JAVA_OPTS', value: `-Dalluxio.master.hostname=${unanswered}` },
              ],
            },
          ],
        },
      }),
    );
    taskArn = started.tasks![0].taskArn!;
    await eventually(`the preload task runs its client JVM\n${local.logTail()}`, 60_000, async () =>
      processesOfTask(task().pid!).some((p) => p.commandLine.includes('alluxio.cli.fs.FileSystemShell')) ? true : undefined,
    );
  }, 90_000);

  test("no MinIO key in any of its processes' environment (the client JVM's included) or in its site file", () => {
    const secrets = [...formsOf(local.minio.secretAccessKey), local.minio.accessKeyId];
    const processes = processesOfTask(task().pid!);
    expect(processes.some((p) => p.commandLine.includes('alluxio.cli.fs.FileSystemShell'))).toBe(true);
    for (const p of processes) expect(p.environment).toContain('ALLUXIO_SITE_PROPERTIES=');
    expect(processes.filter((p) => secrets.some((secret) => p.environment.includes(secret))).map((p) => p.commandLine.slice(0, 3).join(' '))).toEqual([]);
    const siteFile = join(dirname(task().logFile), 'root', 'opt', 'alluxio', 'conf', 'alluxio-site.properties');
    const site = readFileSync(siteFile, 'utf8');
    expect(site).toMatch(/^alluxio\.master\.hostname=/m);
    expect(secrets.filter((secret) => site.includes(secret))).toEqual([]);
    expect((statSync(siteFile).mode & 0o777).toString(8)).toBe('600');
  });

  test('StopTask ends it through its SIGTERM handler: the path and the run FAILED with stopped=SIGTERM, exit code 143', async () => {
    await ecs.send(new StopTaskCommand({ task: taskArn, reason: 'test: stop while the master does not answer' }));
    const { exitCode, log } = await finished(taskArn, 60_000);
    // The lines only the handler writes: a shell that died of the signal would leave neither.
    expect(log).toMatch(new RegExp(`^${PRELOAD_LOG_MARKER} path /warm-\\d+ FAILED: the task was stopped \\(SIGTERM\\)$`, 'm'));
    expect(outcomeLine(log).slice(0, 2)).toEqual([PRELOAD_LOG_MARKER, 'FAILED']);
    expect(outcomeLine(log).slice(-1)).toEqual(['stopped=SIGTERM']);
    expect(exitCode).toBe(PRELOAD_STOPPED_EXIT_CODE);
  }, 90_000);
});

describe('the preload on later deploys', () => {
  const standaloneTasks = () => local.cluster.ecs!.tasksOf(STANDALONE_TASKS, true).map((t) => t.taskArn);

  test('a deploy that changes nothing starts no preload; one that changes only the paths runs it again, with the new paths', async () => {
    const before = standaloneTasks();
    const unchanged = await local.cluster.redeploy(ALLUXIO, PRELOAD);
    const runs = (result: { updated: string[] }) =>
      result.updated.filter((id) => local.cluster.template.Resources[id]?.Type === 'Custom::AWS' && id.includes('Preload'));
    expect(unchanged.updated.filter((id) => id.includes('Preload'))).toEqual([]);
    expect(standaloneTasks()).toEqual(before);

    const changed = await local.cluster.redeploy(ALLUXIO, [{ path: '/cold' }]);
    expect(runs(changed)).toHaveLength(1);
    // Only the preload changed: the master and workers were not restarted.
    expect(changed.updated.filter((id) => /MasterService|WorkerService/.test(id))).toEqual([]);
    const started = standaloneTasks().filter((arn) => !before.includes(arn));
    expect(started).toHaveLength(1);
    const { exitCode, log } = await finished(started[0]);
    expect(exitCode).toBe(0);
    expect(log).not.toContain('/warm');
    expect(outcomeLine(log).slice(1, 2).concat(outcomeLine(log)[3])).toEqual(['SUCCEEDED', 'paths=1']);
  }, 300_000);
});
