import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createMinioS3Client, MinioConnection } from '../../lib/runtime/s3-client';

/** Where one sandbox server answers and the credentials it accepts. */
export interface SandboxEndpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What `npm run sandbox:up` wrote to .sandbox/endpoints.json. */
export interface Sandbox {
  /** versitygw: S3 with SigV4 enforced, standing in for MinIO. */
  readonly s3: SandboxEndpoint;
  /** moto server: SSM, KMS, IAM, EventBridge. */
  readonly aws: SandboxEndpoint;
  /** Folder of the Alluxio 2.9 jars; absent when the sandbox could not install them (never in CI). */
  readonly alluxioClasspath?: string;
  /** The pinned cfn-lint executable. */
  readonly cfnLint?: string;
}

export const SANDBOX_ENDPOINTS_FILE = join(__dirname, '..', '..', '.sandbox', 'endpoints.json');

/** The running sandbox; throws a message that says how to start it when it is not up. */
export function loadSandbox(): Sandbox {
  let text: string;
  try {
    text = readFileSync(SANDBOX_ENDPOINTS_FILE, 'utf8');
  } catch {
    throw new Error(`the sandbox is not running (${SANDBOX_ENDPOINTS_FILE} is missing): run npm run sandbox:up`);
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  return {
    s3: raw.s3 as SandboxEndpoint,
    aws: raw.aws as SandboxEndpoint,
    // The script writes null for a part it could not install; callers test for undefined.
    alluxioClasspath: typeof raw.alluxioClasspath === 'string' ? raw.alluxioClasspath : undefined,
    cfnLint: typeof raw.cfnLint === 'string' ? raw.cfnLint : undefined,
  };
}

/** The sandbox's S3 server as a MinIO connection, optionally with another secret (for refusal tests). */
export function sandboxMinioConnection(overrides: Partial<MinioConnection> = {}): MinioConnection {
  const { s3 } = loadSandbox();
  return { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, ...overrides };
}

/** SDK client settings that reach the sandbox's moto server (for SSM, SNS, CloudWatch...). */
export function sandboxAwsClientConfig() {
  const { aws } = loadSandbox();
  return { endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } };
}

/** An SSM client on the sandbox's moto server, for a test's own setup and checks. */
export function sandboxSsmClient(): SSMClient {
  return new SSMClient(sandboxAwsClientConfig());
}

/** The environment a user's shell would pass the CLI to reach the sandbox's moto server. */
export function sandboxAwsEnv(): NodeJS.ProcessEnv {
  const { aws } = loadSandbox();
  return { AWS_ENDPOINT_URL: aws.endpoint, AWS_REGION: aws.region, AWS_ACCESS_KEY_ID: aws.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.secretAccessKey };
}

/**
 * A bucket name no other test, run or person sharing the sandbox uses. S3 names: 3-63 chars,
 * lower case, digits and hyphens.
 */
export function uniqueBucketName(purpose: string): string {
  const slug =
    purpose
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  return `${slug}-${randomBytes(6).toString('hex')}`;
}

/** Creates a fresh, empty bucket on the sandbox's S3 server and returns its name. */
export async function createTestBucket(purpose: string): Promise<string> {
  const bucket = uniqueBucketName(purpose);
  const client = createMinioS3Client(sandboxMinioConnection());
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

const AWS_ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

/**
 * Points every AWS SDK client created from now on at moto, through the environment, the way a
 * Lambda finds its credentials and region. Returns the function that puts the previous values back
 * (call it in afterAll so suites in the same worker do not inherit moto's endpoint).
 */
export function useMotoEnvironment(): () => void {
  const saved = new Map<string, string | undefined>(AWS_ENV_KEYS.map((key) => [key, process.env[key]]));
  const { aws } = loadSandbox();
  process.env.AWS_ENDPOINT_URL = aws.endpoint;
  process.env.AWS_REGION = aws.region;
  process.env.AWS_DEFAULT_REGION = aws.region;
  process.env.AWS_ACCESS_KEY_ID = aws.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = aws.secretAccessKey;
  // A profile or session token from the developer's shell would otherwise win over the keys above.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  };
}
