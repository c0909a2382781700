import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { InputError } from '../core/input-error';

/** The MinIO key pair Alluxio signs with. */
export interface MinioKeyPair {
  readonly accessKeyId: string;
  readonly secretKey: string;
}

/** Where to read the key pair: SSM parameters by name, or (when both are absent) the environment. */
export interface CredentialSourceOptions {
  readonly accessKeyParameter?: string;
  readonly secretKeyParameter?: string;
}

export const ACCESS_KEY_ENV = 'MINIO_ACCESS_KEY';
export const SECRET_KEY_ENV = 'MINIO_SECRET_KEY';

/**
 * Reads the key pair for the CLI. SSM parameters are read with decryption in one call; the client is
 * configured from `env` (AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL,
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) rather than the process environment,
 * so callers (and tests) decide what the command sees. Errors name flags and parameters, never values.
 */
export async function loadMinioCredentials(options: CredentialSourceOptions, env: NodeJS.ProcessEnv): Promise<MinioKeyPair> {
  const { accessKeyParameter, secretKeyParameter } = options;
  if (accessKeyParameter === undefined && secretKeyParameter === undefined) {
    return fromEnvironment(env);
  }
  if (accessKeyParameter === undefined || secretKeyParameter === undefined) {
    const missing = accessKeyParameter === undefined ? '--access-key-parameter' : '--secret-key-parameter';
    throw new InputError(
      missing,
      'is missing while the other key parameter is given',
      'name both SSM parameters, or neither to read MINIO_ACCESS_KEY and MINIO_SECRET_KEY',
    );
  }
  return fromSsm(accessKeyParameter, secretKeyParameter, env);
}

function fromEnvironment(env: NodeJS.ProcessEnv): MinioKeyPair {
  for (const name of [ACCESS_KEY_ENV, SECRET_KEY_ENV]) {
    if (env[name] === undefined) {
      throw new InputError(name, 'is not set', `export ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV}, or pass --access-key-parameter and --secret-key-parameter`);
    }
  }
  return { accessKeyId: env[ACCESS_KEY_ENV] as string, secretKey: env[SECRET_KEY_ENV] as string };
}

/**
 * An SSM client configured from `env` rather than the process environment (AWS_REGION /
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), so CLI callers and tests decide what a command sees.
 */
export function ssmClientFromEnvironment(env: NodeJS.ProcessEnv): SSMClient {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    throw new InputError('AWS_REGION', 'is not set, so the SSM parameters cannot be located', 'export AWS_REGION (the region holding the parameters)');
  }
  const endpoint = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  const credentials =
    env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  return new SSMClient({ region, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) });
}

async function fromSsm(accessKeyParameter: string, secretKeyParameter: string, env: NodeJS.ProcessEnv): Promise<MinioKeyPair> {
  const ssm = ssmClientFromEnvironment(env);
  const region = await ssm.config.region();
  try {
    const names = [accessKeyParameter, secretKeyParameter];
    const result = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    const invalid = result.InvalidParameters ?? [];
    for (const [flag, name] of [
      ['--access-key-parameter', accessKeyParameter],
      ['--secret-key-parameter', secretKeyParameter],
    ] as const) {
      if (invalid.includes(name)) {
        throw new InputError(
          flag,
          `SSM parameter ${JSON.stringify(name)} does not exist in ${region}`,
          'name an existing parameter (check the prefix and the region)',
        );
      }
    }
    const valueOf = (name: string): string => result.Parameters?.find((p) => p.Name === name)?.Value ?? '';
    return { accessKeyId: valueOf(accessKeyParameter), secretKey: valueOf(secretKeyParameter) };
  } finally {
    ssm.destroy();
  }
}
