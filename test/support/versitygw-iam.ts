import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { createMinioS3Client } from '../../lib/runtime/s3-client';
import { unusedLoopbackPort } from './loopback';

/*
 * A private versitygw with internal IAM on a free loopback port, for suites that need identities
 * besides the root account (the shared sandbox's versitygw has only its root, which no policy
 * restricts): the sandbox's binary, `admin create-user`, bucket policies. The process is stopped by
 * its own pid in stop().
 */
export const VERSITYGW = join(__dirname, '..', '..', '.tools', 'bin', 'versitygw');

export interface S3Identity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface VersitygwWithIam {
  readonly endpoint: string;
  /** The root account it runs with now (restart can change it). */
  readonly root: S3Identity;
  /**
   * Creates a 'user' account (random keys unless given) and grants it listing of `bucket` and object
   * access under `objectPrefix` (the whole bucket when absent).
   */
  addUser(bucket: string, identity?: S3Identity, objectPrefix?: string): Promise<S3Identity>;
  /** Deletes a user account: its keys are refused from then on (403 InvalidAccessKeyId). */
  removeUser(identity: S3Identity): Promise<void>;
  createBucket(bucket: string): Promise<void>;
  /**
   * Stops the server and starts it again on the same port, data and accounts with `root` as its root
   * account, as a MinIO restarted with new root credentials: the old root pair is refused from then on.
   */
  restart(root: S3Identity): Promise<void>;
  stop(): Promise<void>;
}

export function randomIdentity(prefix: string): S3Identity {
  return { accessKeyId: `${prefix}${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(16).toString('hex') };
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true)).once('error', () => done(false));
      socket.connect(port, '127.0.0.1');
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`versitygw did not listen on 127.0.0.1:${port} within the start timeout`);
}

export async function startVersitygwWithIam(): Promise<VersitygwWithIam> {
  if (!existsSync(VERSITYGW)) {
    throw new Error(`versitygw binary missing at ${VERSITYGW}: run npm run sandbox:up first (it installs it)`);
  }
  let root = randomIdentity('root');
  const workDir = mkdtempSync(join(tmpdir(), 'vgw-iam-'));
  for (const dir of ['iam', 'meta', 'data']) mkdirSync(join(workDir, dir));
  const port = await unusedLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const launch = (): ChildProcess =>
    spawn(
      VERSITYGW,
      [
        '--port',
        `127.0.0.1:${port}`,
        '--access',
        root.accessKeyId,
        '--secret',
        root.secretAccessKey,
        '--iam-dir',
        join(workDir, 'iam'),
        '--quiet',
        'posix',
        '--sidecar',
        join(workDir, 'meta'),
        join(workDir, 'data'),
      ],
      { stdio: 'ignore' },
    );
  let server = launch();
  await waitForPort(port, Date.now() + 15000);
  const halt = async () => {
    if (server.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  };
  const grantsByBucket = new Map<string, Array<{ readonly user: string; readonly objects: string }>>();
  const admin = () => createMinioS3Client({ endpoint, region: 'us-east-1', ...root });
  // A bucket has one policy: it is rewritten to grant every user the bucket has, one object
  // statement per distinct prefix (none left: the policy is deleted).
  async function writePolicy(bucket: string): Promise<void> {
    const grants = grantsByBucket.get(bucket) ?? [];
    const client = admin();
    try {
      if (grants.length === 0) {
        await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
        return;
      }
      const objectResources = [...new Set(grants.map((grant) => grant.objects))];
      await client.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { AWS: grants.map((grant) => grant.user) }, Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
              ...objectResources.map((objects) => ({
                Effect: 'Allow',
                Principal: { AWS: grants.filter((grant) => grant.objects === objects).map((grant) => grant.user) },
                Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
                Resource: [objects],
              })),
            ],
          }),
        }),
      );
    } finally {
      client.destroy();
    }
  }
  return {
    endpoint,
    get root() {
      return root;
    },
    async restart(newRoot) {
      await halt();
      root = newRoot;
      server = launch();
      await waitForPort(port, Date.now() + 15000);
    },
    async createBucket(bucket) {
      const client = admin();
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
    async addUser(bucket, identity, objectPrefix) {
      const user = identity ?? randomIdentity('user');
      await promisify(execFile)(VERSITYGW, [
        'admin',
        '--access',
        root.accessKeyId,
        '--secret',
        root.secretAccessKey,
        '--endpoint-url',
        endpoint,
        'create-user',
        '--access',
        user.accessKeyId,
        '--secret',
        user.secretAccessKey,
        '--role',
        'user',
      ]);
      grantsByBucket.set(bucket, [...(grantsByBucket.get(bucket) ?? []), { user: user.accessKeyId, objects: `arn:aws:s3:::${bucket}/${objectPrefix ?? ''}*` }]);
      await writePolicy(bucket);
      return user;
    },
    async removeUser(identity) {
      // The policies first: versitygw refuses a policy naming an account that no longer exists.
      for (const [bucket, grants] of grantsByBucket) {
        if (!grants.some((grant) => grant.user === identity.accessKeyId)) continue;
        grantsByBucket.set(
          bucket,
          grants.filter((grant) => grant.user !== identity.accessKeyId),
        );
        await writePolicy(bucket);
      }
      await promisify(execFile)(VERSITYGW, [
        'admin',
        '--access',
        root.accessKeyId,
        '--secret',
        root.secretAccessKey,
        '--endpoint-url',
        endpoint,
        'delete-user',
        '--access',
        identity.accessKeyId,
      ]);
    },
    async stop() {
      await halt();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
