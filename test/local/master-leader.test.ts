import { randomBytes } from 'node:crypto';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ensureBucketAndDirectory } from '../../lib/runtime/minio-bucket';
import { MinioCheckTarget, runMinioChecks } from '../../lib/runtime/minio-checks';
import { cfnEvent, uniquePrefix, useSandboxSsm } from '../lambda/handler-harness';
import { runCommand } from '../support/cli';
import { MasterQuorum, QUORUM_LEADER_TIMEOUT_MS, startMasterQuorum } from '../support/master-quorum';
import { loadSandbox, sandboxMinioConnection } from '../support/sandbox';
import { TEST_JVM_OPTIONS } from '../support/test-jvm';

/*
 * The leader-aware master check against three real Alluxio 2.9.6 masters on the embedded journal
 * (test/support/master-quorum): only the leader serves its web port, standbys close the connection.
 * MinIO is the sandbox's S3 server; the masters mount a local directory, passed as ExpectedRootUfs.
 */
jest.setTimeout(600_000);

const { s3 } = loadSandbox();
const connection = sandboxMinioConnection();
const bucket = `quorum-${randomBytes(4).toString('hex')}`;
const directory = 'alluxio';
const prefix = uniquePrefix('master-leader');
const options = { connectTimeoutMs: 1000, requestTimeoutMs: 2500, totalTimeoutMs: 15000 };
let quorum: MasterQuorum;
let handler: typeof import('../../lambda/health-check');
let firstLeader: number;

const target = (overrides: Partial<MinioCheckTarget> = {}): MinioCheckTarget => ({
  connection,
  bucket,
  directory,
  alluxioMasters: quorum.webAddresses,
  expectedRootUfs: quorum.rootUfs,
  ...overrides,
});

const masterCheck = async (overrides: Partial<MinioCheckTarget> = {}) => {
  const run = await runMinioChecks(target(overrides), options);
  return { run, master: run.checks.find((c) => c.id === 'alluxio-master') };
};

/** One isComplete poll of the health-check handler, as the template's properties drive it. */
async function healthPoll(properties: Record<string, string>) {
  const event = cfnEvent('Create', {
    AccessKeyParameterName: `${prefix}/access-key`,
    SecretKeyParameterName: `${prefix}/secret-key`,
    Endpoint: s3.endpoint,
    Bucket: bucket,
    Directory: directory,
    Region: s3.region,
    ExpectedRootUfs: quorum.rootUfs,
    TimeoutSeconds: '600',
    ...properties,
  });
  const created = await handler.onEvent(event);
  return handler.isComplete({ ...event, PhysicalResourceId: created.PhysicalResourceId, Data: created.Data as Record<string, string> });
}

beforeAll(async () => {
  const ssm = useSandboxSsm();
  handler = await import('../../lambda/health-check');
  await ssm.send(new PutParameterCommand({ Name: `${prefix}/access-key`, Value: s3.accessKeyId, Type: 'SecureString' }));
  await ssm.send(new PutParameterCommand({ Name: `${prefix}/secret-key`, Value: s3.secretAccessKey, Type: 'SecureString' }));
  await ensureBucketAndDirectory(connection, bucket, directory);
  quorum = await startMasterQuorum('leader', { jvmOptions: TEST_JVM_OPTIONS });
  firstLeader = await quorum.awaitLeader(QUORUM_LEADER_TIMEOUT_MS);
});

afterAll(async () => {
  await quorum?.stop();
});

describe('three real masters, one leader', () => {
  test('asking all three: the check passes on the leader and names it', async () => {
    const { run, master } = await masterCheck();
    expect(run.failure).toBeUndefined();
    expect(master?.message).toContain(`the master at ${quorum.webAddresses[firstLeader]} (the leader of ${quorum.webAddresses.join(', ')})`);
  });

  test('one address is the single-master check as before: the leader passes, a standby is ALLUXIO_MASTER_UNREACHABLE', async () => {
    expect((await masterCheck({ alluxioMasters: [quorum.webAddresses[firstLeader]] })).run.failure).toBeUndefined();
    const standby = quorum.webAddresses[(firstLeader + 1) % 3];
    const { run } = await masterCheck({ alluxioMasters: [standby] });
    expect(run.failure).toMatchObject({ code: 'ALLUXIO_MASTER_UNREACHABLE', transient: true });
    expect(run.failure?.cause).toContain(standby);
  });

  test('a leader with no workers and ExpectedWorkers 1: transient ALLUXIO_WORKERS_MISSING naming 0/1', async () => {
    const { run } = await masterCheck({ expectedWorkers: 1 });
    expect(run.failure).toMatchObject({ code: 'ALLUXIO_WORKERS_MISSING', transient: true });
    expect(run.failure?.cause).toContain(`the leading master at ${quorum.webAddresses[firstLeader]} lists 0/1 live workers`);
    // ExpectedWorkers 0 (nothing to wait for) passes.
    expect((await masterCheck({ expectedWorkers: 0 })).run.failure).toBeUndefined();
  });

  test('the health-check handler reads the comma-separated AlluxioMaster and ExpectedWorkers of the template', async () => {
    expect(await healthPoll({ AlluxioMaster: quorum.webAddresses.join(','), ExpectedWorkers: '0' })).toMatchObject({ IsComplete: true });
    // Transient: polled again (IsComplete false) rather than failing the deploy.
    expect(await healthPoll({ AlluxioMaster: quorum.webAddresses.join(','), ExpectedWorkers: '1' })).toEqual({ IsComplete: false });
  });

  test('status --cluster with all three says which one leads', async () => {
    const run = await runCommand(['status', '--cluster', quorum.webAddresses.join(','), '--json'], {});
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ leader: quorum.webAddresses[firstLeader], master: quorum.webAddresses[firstLeader], liveWorkers: [] });
    expect(report.standbys.sort()).toEqual(quorum.webAddresses.filter((_, i) => i !== firstLeader).sort());
    // No live worker: exit 1, as with one master.
    expect(run.code).toBe(1);
    const human = await runCommand(['status', '--cluster', quorum.webAddresses.join(',')], {});
    expect(human.stdout).toContain(`leader      ${quorum.webAddresses[firstLeader]} (standbys: `);
  });
});

describe('the leader killed (kill -9)', () => {
  let killedAt = 0;
  let newLeader = -1;

  test('right after: ALLUXIO_NO_LEADER naming every address asked, transient; the handler keeps polling', async () => {
    await quorum.kill(firstLeader);
    killedAt = Date.now();
    const { run } = await masterCheck();
    expect(run.failure).toMatchObject({ code: 'ALLUXIO_NO_LEADER', transient: true });
    for (const address of quorum.webAddresses) expect(run.failure?.cause).toContain(address);
    expect(run.failure?.cause).toContain('no Alluxio master is the leader (yet)');
    expect(await healthPoll({ AlluxioMaster: quorum.webAddresses.join(',') })).toEqual({ IsComplete: false });
    const status = await runCommand(['status', '--cluster', quorum.webAddresses.join(',')], {});
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no master is the leader (yet)');
  });

  test('then: another master leads, and the check passes on it with two of three up', async () => {
    const end = Date.now() + QUORUM_LEADER_TIMEOUT_MS;
    let last;
    for (;;) {
      last = await masterCheck();
      if (!last.run.failure) break;
      expect(last.run.failure.code).toBe('ALLUXIO_NO_LEADER');
      if (Date.now() > end) throw new Error(`no new leader within ${QUORUM_LEADER_TIMEOUT_MS / 1000} s: ${last.run.failure.cause}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    newLeader = quorum.webAddresses.findIndex((address) => last!.master!.message.includes(`the master at ${address} `));
    expect(newLeader).not.toBe(-1);
    expect(newLeader).not.toBe(firstLeader);
    console.log(`a new leader answered the check ${Math.round((Date.now() - killedAt) / 1000)} s after kill -9 of the old one`);
  });

  test('the killed master restarted (journal kept) joins as a standby: still exactly one leader', async () => {
    await quorum.start(firstLeader);
    // Bounded: the restarted master's web port stays a standby's (closed connection), and the check passes throughout.
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const { run } = await masterCheck();
      expect(run.failure).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  });
});
