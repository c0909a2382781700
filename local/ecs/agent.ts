import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalEcs } from './local-ecs';
import { ssmClient } from '../alluxio/local-cluster';

/*
 * The local ECS as a long-running process, for `npm start`: it owns the Alluxio tasks after the deploy
 * command has returned, restarts them as ECS would (health checks, rotation's force-new-deployment),
 * and stops them all on SIGTERM (`npm stop`).
 *
 *   node local/ecs/agent.js <state dir> <port> <address block> <jars dir> <moto endpoint> <region> <access key> <secret key>
 */
async function main(): Promise<void> {
  const [stateDir, port, addressBlock, jarsDir, endpoint, region, accessKeyId, secretAccessKey] = process.argv.slice(2);
  mkdirSync(stateDir, { recursive: true });
  const ecs = new LocalEcs({
    stateDir: join(stateDir, 'ecs'),
    jarsDir,
    ssm: ssmClient({ endpoint, region, accessKeyId, secretAccessKey }),
    addressBlock,
    healthCheckIntervalMs: 2000,
    onEvent: (message) => console.log(`${new Date().toISOString()} ${message}`),
  });
  const url = await ecs.listen(Number(port));
  writeFileSync(join(stateDir, 'agent.pid'), String(process.pid));
  console.log(`${new Date().toISOString()} local ECS answering on ${url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log(`${new Date().toISOString()} stopping every task`);
    await ecs.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
