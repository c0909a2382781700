import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { alluxioJvmMemory } from '../../lib/core/jvm-memory';
import { S3_ENDPOINT_DEFAULTS } from '../../lib/core/s3-endpoint';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { CLUSTER_DEPLOY_TIMEOUT_MS, deployTestCluster, eventually, TestCluster } from '../support/local-cluster';
import { formsOf, processesOfTask } from '../support/task-processes';

/*
 * The S3 endpoint through the cache, for real: the example stack deployed with s3Endpoint on, so the
 * local ECS runs Alluxio 2.9.6's proxy (org.alluxio:alluxio-core-server-proxy) from the synthesized
 * task definition through the stand-in image, like the master and workers. The AWS SDK v3 talks to it
 * path-style; what lands in versitygw (the MinIO stand-in) is read back directly.
 */

// Below Linux's ephemeral range (32768 and up) and outside Alluxio's own ports: the construct's default,
// 39999, is in the ephemeral range, where the test rules keep no server.
const PROXY_PORT = 31999;
const BUCKET = 'through-proxy';
// The S3 clients' key pair: any access key id (it becomes the Alluxio user), never the MinIO keys,
// which the proxy neither needs nor checks.
const OWNER = 'analytics';
const OWNER_SECRET = 'analytics-secret-unused-by-alluxio';

let local: TestCluster;
let endpoint: string;
let versitygw: S3Client;

const refusal = (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({ error: error.name, status: error.$metadata?.httpStatusCode });

/** An SDK v3 client aimed at the proxy, as the README tells users to build one. */
function proxyClient(accessKeyId: string, secretAccessKey: string): S3Client {
  return createMinioS3Client({ endpoint, region: 'us-east-1', accessKeyId, secretAccessKey }, { connectTimeoutMs: 2000, requestTimeoutMs: 30_000 });
}

beforeAll(async () => {
  local = await deployTestCluster('s3', {
    alluxio: { workerCount: 1 },
    s3Endpoint: { enabled: true, port: PROXY_PORT },
  });
  // The output names the Cloud Map name; here, as DNS would, it resolves to the proxy task's address.
  const url = new URL(local.cluster.outputs[Object.keys(local.cluster.outputs).find((name) => name.includes('S3EndpointUrl'))!]);
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'));
  url.hostname = task.address;
  endpoint = url.toString().replace(/\/$/, '');
  versitygw = createMinioS3Client(local.minio);
}, CLUSTER_DEPLOY_TIMEOUT_MS);

afterAll(async () => {
  versitygw?.destroy();
  await local?.stop();
}, 120_000);

const proxyLog = () => {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'));
  return readFileSync(task.logFile, 'utf8').slice(-3000);
};

test('the stack output is http://s3.<namespace>:<port>/api/v1/s3, and the proxy answers there', async () => {
  const output = Object.entries(local.cluster.outputs).find(([name]) => name.includes('S3EndpointUrl'))![1];
  expect(output).toMatch(new RegExp(`^http://s3\\.alluxio-[a-z0-9]+\\.internal:${PROXY_PORT}/api/v1/s3$`));
  await eventually(`the proxy answers at ${endpoint}\n${proxyLog()}`, 60_000, async () =>
    (await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(5000) })).status ? true : undefined,
  );
});

describe('the AWS SDK through the proxy', () => {
  let client: S3Client;
  const content = randomBytes(300 * 1024);
  const key = 'reports/2026/day.bin';

  beforeAll(() => {
    client = proxyClient(OWNER, OWNER_SECRET);
  });
  afterAll(() => client?.destroy());

  test('CreateBucket makes a top-level Alluxio directory, which ListBuckets lists', async () => {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { Buckets } = await client.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain(BUCKET);
  });

  test('PutObject lands in versitygw under the root mount directory; GetObject returns the same bytes', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: content }));
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(content)).toBe(true);
    // The S3 bucket is the Alluxio directory /through-proxy: <MinIO bucket>/<directory>/through-proxy/<key>.
    const stored = await versitygw.send(new GetObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}/${BUCKET}/${key}` }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(content)).toBe(true);
  });

  test('ListObjectsV2 lists the object with its size, and the directory above it as a key ending in /', async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
    // Alluxio 2.9 lists the directories of a prefix as keys of their own (S3 and MinIO list only objects).
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['reports/2026/', 0],
      [key, content.length],
    ]);
  });
});

// boto3 as the README shows it (moto's venv has it): path-style, the endpoint URL with its path.
const BOTO3_SCRIPT = `
import os, boto3
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=os.environ['ENDPOINT'], aws_access_key_id=os.environ['KEY_ID'],
                  aws_secret_access_key='unused-by-alluxio', region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'}, request_checksum_calculation='when_required',
                                response_checksum_validation='when_required', retries={'max_attempts': 1},
                                connect_timeout=5, read_timeout=30))
s3.create_bucket(Bucket=os.environ['BUCKET'])
s3.put_object(Bucket=os.environ['BUCKET'], Key='boto3/hello.txt', Body=b'hello from boto3')
body = s3.get_object(Bucket=os.environ['BUCKET'], Key='boto3/hello.txt')['Body'].read()
keys = [o['Key'] for o in s3.list_objects_v2(Bucket=os.environ['BUCKET'], Prefix='boto3/')['Contents']]
print(body.decode(), keys)
`;
const BOTO3_BUCKET = 'from-boto3';
const PYTHON = join(__dirname, '..', '..', '.tools', 'venv', 'bin', 'python');

test("boto3 (path-style, the README's settings) writes, reads and lists through the proxy", async () => {
  expect(existsSync(PYTHON)).toBe(true);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      PYTHON,
      ['-c', BOTO3_SCRIPT],
      { env: { ENDPOINT: endpoint, KEY_ID: OWNER, BUCKET: BOTO3_BUCKET, PATH: process.env.PATH }, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`boto3 failed: ${stderr}\n${proxyLog()}`)) : resolve(stdout)),
    ),
  );
  expect(output.trim()).toBe("hello from boto3 ['boto3/hello.txt']");
  const stored = await versitygw.send(new GetObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}/${BOTO3_BUCKET}/boto3/hello.txt` }));
  expect(await stored.Body!.transformToString()).toBe('hello from boto3');
}, 90_000);

/** Runs a command with a bounded time; rejects with its stderr and the proxy's log. */
function run(program: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(program, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: local.stateDir, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${program} ${args.join(' ')} failed: ${stderr}\n${proxyLog()}`)) : resolve(stdout),
    ),
  );
}

const CLI_BUCKET = 'from-aws-cli';

test("the AWS CLI (path-style, the README's settings) copies up, lists and copies down through the proxy", async () => {
  const config = join(local.stateDir, 'aws-cli-config');
  writeFileSync(config, '[default]\ns3 =\n  addressing_style = path\n');
  const source = join(local.stateDir, 'day.csv');
  const csv = 'day,visits\n2026-01-01,42\n';
  writeFileSync(source, csv);
  const env = {
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(local.stateDir, 'no-credentials'),
    AWS_ACCESS_KEY_ID: OWNER,
    AWS_SECRET_ACCESS_KEY: 'unused-by-alluxio',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    AWS_MAX_ATTEMPTS: '1',
  };
  await run('aws', ['s3', 'mb', `s3://${CLI_BUCKET}`, '--endpoint-url', endpoint], env);
  await run('aws', ['s3', 'cp', source, `s3://${CLI_BUCKET}/cli/day.csv`, '--endpoint-url', endpoint], env);
  expect(await run('aws', ['s3', 'ls', `s3://${CLI_BUCKET}/cli/`, '--endpoint-url', endpoint], env)).toMatch(new RegExp(`\\s${csv.length} day\\.csv\\n`));
  expect(await run('aws', ['s3', 'cp', `s3://${CLI_BUCKET}/cli/day.csv`, '-', '--endpoint-url', endpoint], env)).toBe(csv);
  const stored = await versitygw.send(new GetObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}/${CLI_BUCKET}/cli/day.csv` }));
  expect(await stored.Body!.transformToString()).toBe(csv);
}, 120_000);

test('the proxy JVM runs with the port and the memory limits of the task definition', () => {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'));
  const commandLines = processesOfTask(task.pid!).map((p) => p.commandLine);
  const proxy = commandLines.find((line) => line.includes('alluxio.proxy.AlluxioProxy'));
  expect(proxy).toBeDefined();
  expect(proxy).toContain(`-Dalluxio.proxy.web.port=${PROXY_PORT}`);
  const { heapMiB, directMiB } = alluxioJvmMemory('proxy', S3_ENDPOINT_DEFAULTS.proxyMemoryMiB, 'test').proxy!;
  expect(proxy).toContain(`-Xmx${heapMiB}m`);
  expect(proxy).toContain(`-XX:MaxDirectMemorySize=${directMiB}m`);
});

test("no MinIO key in the environment of any process of the proxy task (the JVM's included); the master's has them", () => {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'));
  const [master] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('master'));
  const secrets = [...formsOf(local.minio.secretAccessKey), local.minio.accessKeyId];
  const proxy = processesOfTask(task.pid!);
  expect(proxy.some((p) => p.commandLine.includes('alluxio.proxy.AlluxioProxy'))).toBe(true);
  // Each process got the configuration (the key-free one) as its environment...
  for (const p of proxy) expect(p.environment).toContain('ALLUXIO_SITE_PROPERTIES=');
  // ...and none holds a key, where the master's JVM (the negative control) holds the secret.
  expect(proxy.filter((p) => secrets.some((secret) => p.environment.includes(secret))).map((p) => p.commandLine.slice(0, 3).join(' '))).toEqual([]);
  const masterJvm = processesOfTask(master.pid!).find((p) => p.commandLine.includes('alluxio.master.AlluxioMaster'));
  expect(masterJvm).toBeDefined();
  expect(formsOf(local.minio.secretAccessKey).some((secret) => masterJvm!.environment.includes(secret))).toBe(true);
});

test("the MinIO keys appear nowhere in the proxy's log", () => {
  const log = readFileSync(local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'))[0].logFile, 'utf8');
  expect(log.length).toBeGreaterThan(0);
  expect(log).not.toContain(local.minio.secretAccessKey);
  expect(log).not.toContain(local.minio.accessKeyId);
});

test("the proxy's site file is the rendered one without the MinIO keys", () => {
  const [task] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('s3Endpoint'));
  const [master] = local.cluster.ecs!.tasksOf(local.cluster.serviceName('master'));
  const siteFile = (logFile: string) => readFileSync(join(dirname(logFile), 'root', 'opt', 'alluxio', 'conf', 'alluxio-site.properties'), 'utf8');
  const proxyFile = siteFile(task.logFile);
  const masterFile = siteFile(master.logFile);
  // The master's copy has them (the negative control), the proxy's has every other line.
  expect(masterFile).toContain(local.minio.secretAccessKey);
  expect(proxyFile).not.toContain(local.minio.secretAccessKey);
  expect(proxyFile).not.toContain(local.minio.accessKeyId);
  expect(proxyFile).not.toMatch(/^s3a\./m);
  const withoutKeys = masterFile.split('\n').filter((line) => !/^s3a\.(accessKeyId|secretKey)=/.test(line));
  expect(proxyFile.split('\n')).toEqual(withoutKeys);
  // Both readable by their owner only (the master's holds the keys).
  for (const logFile of [task.logFile, master.logFile]) {
    expect((statSync(join(dirname(logFile), 'root', 'opt', 'alluxio', 'conf', 'alluxio-site.properties')).mode & 0o777).toString(8)).toBe('600');
  }
});

describe('who gets in (Alluxio 2.9 checks no signature)', () => {
  const content = randomBytes(1024);
  const key = 'who/secret.bin';

  beforeAll(async () => {
    const owner = proxyClient(OWNER, OWNER_SECRET);
    try {
      await owner.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: content }));
    } finally {
      owner.destroy();
    }
  });

  test('a request with no Authorization header: 400 AuthorizationHeaderMalformed', async () => {
    const response = await fetch(`${endpoint}/${BUCKET}/${key}`, { signal: AbortSignal.timeout(10_000) });
    const body = await response.text();
    expect({ status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] }).toEqual({ status: 400, code: 'AuthorizationHeaderMalformed' });
  });

  test("the owner's access key id with another secret reads and writes: the signature is never checked", async () => {
    const impostor = proxyClient(OWNER, 'not-the-secret-at-all');
    try {
      const object = await impostor.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(content)).toBe(true);
      await impostor.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'who/impostor.bin', Body: 'written without the secret' }));
      const stored = await versitygw.send(new GetObjectCommand({ Bucket: local.minio.bucket, Key: `${local.minio.directory}/${BUCKET}/who/impostor.bin` }));
      expect(await stored.Body!.transformToString()).toBe('written without the secret');
    } finally {
      impostor.destroy();
    }
  });

  test("a raw request that only names the owner's access key id (no signature at all) reads the object", async () => {
    const response = await fetch(`${endpoint}/${BUCKET}/${key}`, {
      headers: { Authorization: `AWS4-HMAC-SHA256 Credential=${OWNER}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  test("another access key id: 403 AccessDenied on the owner's objects and an empty bucket list", async () => {
    const stranger = proxyClient('someone-else', 'someone-elses-secret');
    try {
      const outcome = await stranger
        .send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
        .then(async (object) => ({ read: Buffer.from(await object.Body!.transformToByteArray()).equals(content) }), refusal);
      const put = await stranger.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'who/stranger.bin', Body: 'x' })).then(() => ({ wrote: true }), refusal);
      const list = await stranger.send(new ListBucketsCommand({})).then((listed) => ({ buckets: listed.Buckets?.map((b) => b.Name) }), refusal);
      // Refused by Alluxio's permission bits, not by a key check: the access key id is taken as the
      // Alluxio user, who is not the owner (the next test shows the secret plays no part).
      expect({ get: outcome, put, list }).toEqual({
        get: { error: 'AccessDenied', status: 403 },
        put: { error: 'AccessDenied', status: 403 },
        // ListBuckets lists only the directories the claimed user owns.
        list: { buckets: [] },
      });
    } finally {
      stranger.destroy();
    }
  });
});
