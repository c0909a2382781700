import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AlluxioOptions } from '../../lib';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { AlluxioClient } from '../../local/alluxio/alluxio-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { loadSandbox } from '../support/sandbox';

/*
 * A failed `cdk deploy` on a real cluster: the update's configuration makes the master fail to start,
 * ECS's circuit breaker rolls the service back to its previous task definition, CloudFormation rolls
 * the stack back. ECS reads the site-properties secret when a task starts, so the task definition the
 * rollback relaunches must name the previous configuration's own parameter, or the "rolled back"
 * master would start on the new, bad file again. The worker service does not depend on the master's,
 * so CloudFormation updates both at once: the workers are rolled back too, to the previous file.
 */

const MARKER_KEY = 'alluxio.user.block.size.bytes.default';
const GOOD: AlluxioOptions = { workerCount: 1, extraProperties: { [MARKER_KEY]: '32MB' } };
// Passes every check the library makes (any Alluxio key that it does not manage is the user's call),
// but the master cannot parse its port and exits at start.
const BAD: AlluxioOptions = { workerCount: 1, extraProperties: { [MARKER_KEY]: '16MB', 'alluxio.master.rpc.port': 'not-a-number' } };

let local: TestCluster;
let client: AlluxioClient;
let ssm: SSMClient;

beforeAll(async () => {
  local = await deployTestCluster('rollback', { alluxio: GOOD });
  client = local.cluster.client();
  ssm = ssmClient(loadSandbox().aws);
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  ssm?.destroy();
  await local?.stop();
}, 120_000);

const output = (name: string) => Object.entries(local.cluster.outputs).find(([key]) => key.includes(name))![1];
const tasks = (role: 'master' | 'worker') => local.cluster.ecs!.tasksOf(local.cluster.serviceName(role));

test('a configuration the master cannot start with is rolled back, and the restarted master runs the previous file', async () => {
  const sample = join(local.stateDir, 'kept.bin');
  writeFileSync(sample, randomBytes(1024 * 1024));
  await client.fs('copyFromLocal', sample, '/kept.bin');
  const base = output('SitePropertiesParameterName');
  const previous = output('SitePropertiesConfigurationName');
  const previousVersion = (await ssm.send(new GetParameterCommand({ Name: previous }))).Parameter!.Version;
  const before = { master: tasks('master'), worker: tasks('worker') };

  // Both services take the new file at once; which one's circuit breaker trips first is a race.
  await expect(local.cluster.redeploy(BAD)).rejects.toThrow(/(MasterService|WorkerService).*Circuit Breaker/s);

  // The master ECS relaunched is a new task of the previous task definition...
  const master = tasks('master');
  expect(master).toHaveLength(1);
  expect(master[0].id).not.toBe(before.master[0].id);
  expect(master[0].taskDefinition).toBe(before.master[0].taskDefinition);
  expect(master[0].health).toBe('HEALTHY');
  // ...and it runs the previous file: the marker has its first value, the port its default.
  // (ECS calls it healthy once its RPC port answers; its web port may follow a moment later.)
  const { configuration } = await eventually('the rolled-back master answers on its web port', 60_000, () => local.cluster.masterInfo());
  expect(configuration[MARKER_KEY]).toBe('32MB');
  expect(configuration['alluxio.master.rpc.port']).toBe(19998);
  // The workers run the previous task definition again (whether or not their update had replaced them
  // before the rollback), healthy, and registered with the rolled-back master.
  const workers = await eventually(
    'the workers are back on the previous task definition, healthy',
    120_000,
    async () => {
      const now = tasks('worker');
      return now.length === before.worker.length && now.every((task) => task.taskDefinition === before.worker[0].taskDefinition && task.health === 'HEALTHY')
        ? now
        : undefined;
    },
    1000,
  );
  await eventually(
    'the master lists exactly those workers',
    120_000,
    async () => {
      const live = (await local.cluster.masterInfo()).workers.map((worker) => worker.address.host).sort();
      return JSON.stringify(live) === JSON.stringify(workers.map((task) => task.address).sort()) ? true : undefined;
    },
    1000,
  );
  // The previous configuration's parameter is untouched; the failed one's was deleted in the rollback.
  expect((await ssm.send(new GetParameterCommand({ Name: previous }))).Parameter!.Version).toBe(previousVersion);
  const { Parameters } = await ssm.send(new GetParametersByPathCommand({ Path: base, Recursive: true }));
  expect((Parameters ?? []).map((parameter) => parameter.Name)).toEqual([previous]);
  // Nothing written before the failed deploy is lost.
  await client.fs('free', '/kept.bin');
  expect((await client.timedReads('/kept.bin'))[0].bytes).toBe(1024 * 1024);
}, 600_000);

test('the next good deploy replaces the configuration and deletes the previous one only after it succeeded', async () => {
  const base = output('SitePropertiesParameterName');
  const previous = output('SitePropertiesConfigurationName');
  const next: AlluxioOptions = { workerCount: 1, extraProperties: { [MARKER_KEY]: '16MB' } };
  await local.cluster.redeploy(next);
  const current = output('SitePropertiesConfigurationName');
  expect(current).not.toBe(previous);
  const { Parameters } = await ssm.send(new GetParametersByPathCommand({ Path: base, Recursive: true }));
  expect((Parameters ?? []).map((parameter) => parameter.Name)).toEqual([current]);
  expect((await local.cluster.masterInfo()).configuration[MARKER_KEY]).toBe('16MB');
  // The worker restarted on the new file too (its task definition names the new parameter).
  expect(tasks('worker')[0].health).toBe('HEALTHY');
}, 600_000);
