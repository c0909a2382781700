import {
  AddTagsToResourceCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  SSMClient,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import type { KeyParameterVersions } from '../core/rotation-plan';
import { explainSsmError, KmsKeyContext } from './ssm-parameters';

/*
 * The SSM calls rotation needs beyond SecureString reads and writes: a parameter's version history
 * (labels, never values), labels, and tags. Errors go through the same explanation as the adapter's.
 */

const NO_KMS: KmsKeyContext = { kmsKeyInput: 'KmsKeyId' };

/** Versions and labels of a parameter from its history; the values are not requested. */
export async function readParameterVersions(client: SSMClient, name: string, label: string): Promise<KeyParameterVersions> {
  const labelsByVersion: Record<number, string[]> = {};
  let currentVersion = 0;
  let labelledVersion: number | undefined;
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: false, MaxResults: 50, NextToken: nextToken }));
      for (const entry of page.Parameters ?? []) {
        const version = entry.Version ?? 0;
        labelsByVersion[version] = entry.Labels ?? [];
        currentVersion = Math.max(currentVersion, version);
        if (entry.Labels?.includes(label)) labelledVersion = version;
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw explainSsmError(error, 'GetParameterHistory', name, NO_KMS, true);
  }
  return { name, currentVersion, labelledVersion, labelsByVersion };
}

/** Puts `label` on `version`; SSM moves it from whichever version had it. */
export async function labelParameterVersion(client: SSMClient, name: string, version: number, label: string): Promise<void> {
  try {
    const result = await client.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }));
    if (result.InvalidLabels?.length) {
      throw new Error(
        `SSM refused the label '${label}' on ${name} (invalid label). ` +
          `Fix: use a label SSM accepts (letters, digits, . - _; not starting with a digit, aws or ssm)`,
      );
    }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('SSM refused the label')) throw error;
    throw explainSsmError(error, 'LabelParameterVersion', name, NO_KMS, true);
  }
}

export async function unlabelParameterVersion(client: SSMClient, name: string, version: number, label: string): Promise<void> {
  try {
    await client.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }));
  } catch (error) {
    throw explainSsmError(error, 'UnlabelParameterVersion', name, NO_KMS, true);
  }
}

export async function tagParameter(client: SSMClient, name: string, tags: Array<{ Key: string; Value: string }>): Promise<void> {
  try {
    await client.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: tags }));
  } catch (error) {
    throw explainSsmError(error, 'AddTagsToResource', name, NO_KMS, true);
  }
}

export async function listParameterTags(client: SSMClient, name: string): Promise<Array<{ Key?: string; Value?: string }>> {
  try {
    return (await client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList ?? [];
  } catch (error) {
    throw explainSsmError(error, 'ListTagsForResource', name, NO_KMS, true);
  }
}
