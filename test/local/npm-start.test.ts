import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masterInfo } from '../../local/alluxio/alluxio-client';
import { freePort, listening } from '../../local/network/ports';
import { SANDBOX_ENDPOINTS_FILE } from '../support/sandbox';
import { claimAddressBlock } from '../support/address-blocks';

/*
 * The README's first command as a newcomer runs it (after npm start has installed and started the
 * sandbox, which npm test has done here): the deploy command brings up a healthy cluster and says so,
 * and the stop command leaves no process behind. It runs beside any cluster npm start runs on this
 * machine: its own state folder, address block, local-ECS port and parameter names.
 */

const CLI = join(__dirname, '..', '..', 'local', 'cli.js');
const stateDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
const endpointsFile = join(stateDir, 'endpoints.json');
let block: string;
let releaseBlock: (() => void) | undefined;
let env: NodeJS.ProcessEnv;

function cli(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function javaProcessesOfThisDeployment(): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(async () => {
  const addresses = await claimAddressBlock();
  block = addresses.block;
  releaseBlock = addresses.release;
  copyFileSync(SANDBOX_ENDPOINTS_FILE, endpointsFile);
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOCAL_STATE_DIR: join(stateDir, 'local'),
    LOCAL_ENDPOINTS_FILE: endpointsFile,
    LOCAL_ADDRESS_BLOCK: block,
    LOCAL_ECS_PORT: String(await freePort()),
    LOCAL_PARAMETER_ROOT: `/npm-start-test-${block.replace(/\./g, '-')}`,
  };
});

afterAll(async () => {
  await cli(['down'], 60_000);
  rmSync(stateDir, { recursive: true, force: true });
  releaseBlock?.();
}, 90_000);

test('the deploy command brings up a healthy cluster, says what runs where, and writes the addresses', async () => {
  const up = await cli(['up'], 420_000);
  expect({ code: up.code, output: up.code === 0 ? '' : (up.stdout + up.stderr).slice(-4000) }).toEqual({ code: 0, output: '' });
  expect(up.stdout).toMatch(/Deployed in \d+ s\. Alluxio 2\.9\.6 is running on this machine:/);
  expect(up.stdout).toContain(`master web   http://${block}.1:19999`);
  expect(up.stdout).toMatch(/workers +2 live \(.*\), 0 lost; cache SSD 40\.0 GiB/);
  expect(up.stdout).toMatch(
    /wrote \/hello\/sample\.bin \(64 MiB\) through Alluxio: it is s3:\/\/datalake\/alluxio\/hello\/sample\.bin in the bucket \(64\.0 MiB\)/,
  );
  expect(up.stdout).toMatch(/read cold \(from MinIO\) \d+ ms \(\d+ MB\/s\), warm \(from a worker's cache\) \d+ ms \(\d+ MB\/s\)/);
  expect(up.stdout).toContain('Stop with: npm stop');
  // The state folder is private: its tasks' site files and environments hold the MinIO keys (with
  // --endpoint, the user's own), and each site file is its owner's only.
  expect((statSync(env.LOCAL_STATE_DIR!).mode & 0o777).toString(8)).toBe('700');
  const siteFiles = readdirSync(join(env.LOCAL_STATE_DIR!, 'ecs', 'tasks'))
    .map((task) => join(env.LOCAL_STATE_DIR!, 'ecs', 'tasks', task, 'root', 'opt', 'alluxio', 'conf', 'alluxio-site.properties'))
    .filter((file) => existsSync(file));
  expect(siteFiles.length).toBeGreaterThan(0);
  for (const file of siteFiles) expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
  const written = JSON.parse(readFileSync(endpointsFile, 'utf8'));
  expect(written.alluxio).toEqual({ masterWeb: `http://${block}.1:19999`, masterRpc: `${block}.1:19998` });
  expect((await masterInfo(`${block}.1`)).workers).toHaveLength(2);
  // The sandbox's own endpoints file is not touched by a deployment that writes elsewhere.
  expect(JSON.parse(readFileSync(SANDBOX_ENDPOINTS_FILE, 'utf8')).alluxio?.masterWeb).not.toBe(`http://${block}.1:19999`);
}, 450_000);

test('status reports the running cluster; a second up does not deploy again', async () => {
  const status = await cli(['status'], 60_000);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`root mount   s3://datalake/alluxio`);
  const again = await cli(['up'], 60_000);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('already running');
}, 150_000);

test('the stop command stops every process of the deployment and removes its state', async () => {
  expect(javaProcessesOfThisDeployment().length).toBeGreaterThan(0);
  const down = await cli(['down'], 60_000);
  expect(down.code).toBe(0);
  expect(down.stdout).toContain('Stopped the local deployment.');
  expect(javaProcessesOfThisDeployment()).toEqual([]);
  expect(await listening(`${block}.1`, 19998)).toBe(false);
  expect(existsSync(join(stateDir, 'local'))).toBe(false);
  expect(JSON.parse(readFileSync(endpointsFile, 'utf8')).alluxio).toBeUndefined();
  expect((await cli(['status'], 30_000)).code).toBe(1);
}, 120_000);
