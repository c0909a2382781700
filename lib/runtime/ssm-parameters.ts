import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  ParameterMetadata as DescribedParameter,
  ParameterTier,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { DEFAULT_SSM_KMS_KEY } from '../core/custom-resource-props';
import { InputError } from '../core/input-error';

/** SSM's value limits per tier (bytes of the UTF-8 value). */
export const STANDARD_TIER_MAX_BYTES = 4096;
export const ADVANCED_TIER_MAX_BYTES = 8192;

/** A decrypted SecureString. `value` is a secret: never log it, never put it in an error or response. */
export interface DecryptedParameter {
  readonly name: string;
  readonly value: string;
  readonly version: number;
}

/** What can be known about a parameter without decrypting it. */
export interface ParameterMetadata {
  readonly name: string;
  readonly type: string;
  readonly version: number;
}

/** Which KMS key a call uses, and under which input name the user set it, for error messages. */
export interface KmsKeyContext {
  /** Omitted: alias/aws/ssm. */
  readonly kmsKeyId?: string;
  /** The input that set the key, e.g. `KmsKeyId`. */
  readonly kmsKeyInput: string;
}

const KMS_ERROR_NAMES = new Set([
  'InvalidKeyId',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'KMSInternalException',
  'KMSInvalidSignatureException',
]);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/**
 * Turns an SSM or KMS fault into a sentence that names the parameter, the input and the fix.
 * `echoMessage` is false for writes: a service validation message may quote the value it refused.
 */
export function explainSsmError(error: unknown, operation: string, parameterName: string, kms: KmsKeyContext, echoMessage: boolean): Error {
  const name = errorName(error);
  const detail = echoMessage && error instanceof Error && error.message ? ` (${name}: ${error.message})` : ` (${name})`;
  const key = kms.kmsKeyId ?? `${DEFAULT_SSM_KMS_KEY} (default)`;
  if (name === 'ThrottlingException' || name === 'TooManyUpdates') {
    return new Error(
      `SSM throttled ${operation} on ${parameterName} after the SDK's retries${detail}. ` +
        'Fix: retry the deployment; if it keeps happening, deploy fewer stacks that write SSM at the same time',
    );
  }
  const kmsFault = KMS_ERROR_NAMES.has(name) || /kms/i.test(error instanceof Error ? error.message : '');
  if (kmsFault || name === 'AccessDeniedException') {
    return new InputError(
      kms.kmsKeyInput,
      `${operation} on ${parameterName} was refused with KMS key ${key}${detail}`,
      `grant the handler role kms:Encrypt, kms:Decrypt and kms:GenerateDataKey on ${key} (and ssm:${operation} on the parameter), ` +
        `make sure the key exists and is enabled in this account and region, or omit ${kms.kmsKeyInput} to use ${DEFAULT_SSM_KMS_KEY}`,
    );
  }
  return new Error(`SSM ${operation} on ${parameterName} failed${detail}. Fix: check the parameter name and the handler role's SSM permissions`);
}

function isParameterNotFound(error: unknown): boolean {
  return errorName(error) === 'ParameterNotFound';
}

/**
 * Picks the cheapest tier that holds the value. SSM cannot move an Advanced parameter back to
 * Standard in place, so once Advanced it stays Advanced.
 */
export function chooseParameterTier(byteLength: number, currentTier: string | undefined, input: string, parameterName: string): ParameterTier {
  if (byteLength > ADVANCED_TIER_MAX_BYTES) {
    throw new InputError(
      input,
      `the value for SSM parameter ${parameterName} is ${byteLength} bytes, above SSM's ${ADVANCED_TIER_MAX_BYTES}-byte limit for an advanced parameter`,
      `shrink it by at least ${byteLength - ADVANCED_TIER_MAX_BYTES} bytes: remove or shorten extra properties (keys and values)`,
    );
  }
  if (byteLength > STANDARD_TIER_MAX_BYTES || currentTier === ParameterTier.ADVANCED) {
    return ParameterTier.ADVANCED;
  }
  return ParameterTier.STANDARD;
}

/** The SecureString operations the custom resources and the CLI need, over one SSM client. */
export class SsmParameters {
  constructor(private readonly client: SSMClient) {}

  /** Reads and decrypts a SecureString; a missing parameter is an InputError naming `input`. */
  async getDecrypted(name: string, input: string, kms: KmsKeyContext): Promise<DecryptedParameter> {
    const parameter = await this.getDecryptedIfPresent(name, kms);
    if (parameter === undefined) {
      throw new InputError(input, `SSM parameter ${name} does not exist`, `create ${name} as a SecureString, or correct ${input}`);
    }
    return parameter;
  }

  /** Reads and decrypts a SecureString; undefined when there is none. */
  async getDecryptedIfPresent(name: string, kms: KmsKeyContext): Promise<DecryptedParameter | undefined> {
    let parameter;
    try {
      parameter = (await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
    } catch (error) {
      if (isParameterNotFound(error)) {
        return undefined;
      }
      throw explainError(error, 'GetParameter', name, kms, true);
    }
    if (parameter?.Value === undefined || parameter.Version === undefined) {
      throw new Error(`SSM GetParameter on ${name} returned no value. Fix: check that ${name} holds a value`);
    }
    return { name, value: parameter.Value, version: parameter.Version };
  }

  /** Type and version without decrypting (ssm:GetParameter only, no kms:Decrypt); undefined if absent. */
  async getMetadata(name: string, kms: KmsKeyContext): Promise<ParameterMetadata | undefined> {
    try {
      const output = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: false }));
      // The (encrypted) Value is dropped here on purpose so it can travel no further.
      return { name, type: output.Parameter?.Type ?? 'unknown', version: output.Parameter?.Version ?? 0 };
    } catch (error) {
      if (isParameterNotFound(error)) {
        return undefined;
      }
      throw explainError(error, 'GetParameter', name, kms, true);
    }
  }

  /** The parameter's tier, or undefined when it does not exist (needs ssm:DescribeParameters). */
  async getTier(name: string, kms: KmsKeyContext): Promise<string | undefined> {
    return (await this.describe(name, kms))?.Tier;
  }

  /**
   * The KMS key SSM reports for a SecureString (needs ssm:DescribeParameters, no kms:Decrypt), as
   * it was named when written; one written without a key reports alias/aws/ssm. Undefined when
   * the parameter does not exist or is not a SecureString.
   */
  async getKeyId(name: string, kms: KmsKeyContext): Promise<string | undefined> {
    return (await this.describe(name, kms))?.KeyId;
  }

  private async describe(name: string, kms: KmsKeyContext): Promise<DescribedParameter | undefined> {
    let output;
    try {
      output = await this.client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
    } catch (error) {
      throw explainError(error, 'DescribeParameters', name, kms, true);
    }
    // `?.` on output too: aws-sdk-client-mock answers a command a fault test did not set up with undefined.
    return output?.Parameters?.find((parameter) => parameter.Name === name);
  }

  /**
   * Creates a SecureString only if no parameter has that name (Overwrite false), so a retried or
   * duplicated event keeps the value the first delivery wrote. Returns whether it wrote.
   */
  async createSecureStringIfAbsent(name: string, value: string, kms: KmsKeyContext): Promise<boolean> {
    try {
      await this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', KeyId: kms.kmsKeyId, Overwrite: false }));
      return true;
    } catch (error) {
      if (errorName(error) === 'ParameterAlreadyExists') {
        return false;
      }
      throw explainError(error, 'PutParameter', name, kms, false);
    }
  }

  /** Writes a SecureString, replacing any current value; returns the new version. */
  async overwriteSecureString(name: string, value: string, tier: ParameterTier, kms: KmsKeyContext): Promise<number> {
    try {
      const output = await this.client.send(
        new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', KeyId: kms.kmsKeyId, Tier: tier, Overwrite: true }),
      );
      return output.Version ?? 0;
    } catch (error) {
      throw explainError(error, 'PutParameter', name, kms, false);
    }
  }

  /**
   * Makes the parameter hold `value` in the cheapest tier that fits, writing only when the current
   * value (or the KMS key) differs: a repeated event or a no-op update adds no version (SSM keeps
   * only 100).
   * A value above the advanced limit is refused before anything is written, as an InputError
   * naming `sizeInput`.
   */
  async putSecureStringIfChanged(
    name: string,
    value: string,
    sizeInput: string,
    kms: KmsKeyContext,
    keyChanged: boolean,
  ): Promise<{ readonly version: number; readonly written: boolean; readonly bytes: number }> {
    const bytes = Buffer.byteLength(value, 'utf8');
    chooseParameterTier(bytes, undefined, sizeInput, name);
    const current = await this.getDecryptedIfPresent(name, kms);
    // GetParameter does not say which key encrypted the value, so a key change always rewrites.
    if (current !== undefined && current.value === value && !keyChanged) {
      return { version: current.version, written: false, bytes };
    }
    // Only a value that fits Standard needs the current tier: an Advanced one cannot go back.
    const currentTier = current === undefined || bytes > STANDARD_TIER_MAX_BYTES ? undefined : await this.getTier(name, kms);
    const tier = chooseParameterTier(bytes, currentTier, sizeInput, name);
    const version = await this.overwriteSecureString(name, value, tier, kms);
    return { version, written: true, bytes };
  }

  /** Deletes a parameter; one that is already gone counts as deleted. */
  async deleteIfPresent(name: string, kms: KmsKeyContext): Promise<void> {
    try {
      await this.client.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!isParameterNotFound(error)) {
        throw explainError(error, 'DeleteParameter', name, kms, true);
      }
    }
  }
}

function explainError(error: unknown, operation: string, name: string, kms: KmsKeyContext, echoMessage: boolean): Error {
  return error instanceof InputError ? error : explainSsmError(error, operation, name, kms, echoMessage);
}
