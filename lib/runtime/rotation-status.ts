import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { isSitePropertiesParameterOf } from '../core/custom-resource-props';
import { lastKnownGoodFromTags, RotationRecord, rotationRecordFromTags, writesLeftBeforeLabelBlocks } from '../core/rotation-plan';
import { listParameterTags, readParameterVersions } from './parameter-labels';
import { explainSsmError } from './ssm-parameters';

/** The three parameters a deployment's rotation works on. */
export interface RotationParameterNames {
  readonly accessKey: string;
  readonly secretKey: string;
  /** The base of the configuration parameters (`<base>/<generation>`). */
  readonly siteProperties: string;
}

export interface KeyStatus {
  readonly name: string;
  readonly currentVersion: number;
  readonly labelledVersion?: number;
  /** Versions that can still be written before the label would block writes (Infinity: no label). */
  readonly writesLeft: number;
}

/** Where things stand, without any value: versions, the label, the last recorded rotation. */
export interface RotationStatus {
  readonly accessKey: KeyStatus;
  readonly secretKey: KeyStatus;
  /** The newest configuration under the base (what the last deploy or rotation wrote). */
  readonly siteProperties?: { readonly name: string; readonly version: number };
  readonly lastRotation?: RotationRecord;
}

/**
 * The newest configuration parameter under `base` (a deploy writes a new one, and CloudFormation
 * deletes the one before once the update succeeded), or the base itself as an earlier version wrote it.
 */
export async function latestConfiguration(client: SSMClient, base: string): Promise<{ name: string; version: number } | undefined> {
  const found: Array<{ name: string; version: number; modified: number }> = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(new GetParametersByPathCommand({ Path: base, Recursive: false, WithDecryption: false, NextToken: nextToken }));
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name && isSitePropertiesParameterOf(base, parameter.Name)) {
          found.push({ name: parameter.Name, version: parameter.Version ?? 0, modified: parameter.LastModifiedDate?.getTime() ?? 0 });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw explainSsmError(error, 'GetParametersByPath', base, { kmsKeyInput: 'KmsKeyId' }, true);
  }
  const newest = found.sort((a, b) => b.modified - a.modified)[0];
  return newest ? { name: newest.name, version: newest.version } : undefined;
}

export async function readRotationStatus(client: SSMClient, names: RotationParameterNames, label: string): Promise<RotationStatus> {
  const key = async (name: string): Promise<KeyStatus> => {
    const versions = await readParameterVersions(client, name, label);
    if (versions.currentVersion === 0) throw new Error(`SSM parameter ${name} does not exist. Fix: check the names (or --prefix) and AWS_REGION`);
    return { name, currentVersion: versions.currentVersion, labelledVersion: versions.labelledVersion, writesLeft: writesLeftBeforeLabelBlocks(versions) };
  };
  let accessKey = await key(names.accessKey);
  let secretKey = await key(names.secretKey);
  const site = await latestConfiguration(client, names.siteProperties);
  const tags = site ? await listParameterTags(client, site.name) : [];
  // Key parameters the user owns carry no label: their last-known-good versions are on the configuration.
  const recorded = lastKnownGoodFromTags(tags);
  if (recorded && accessKey.labelledVersion === undefined && secretKey.labelledVersion === undefined) {
    accessKey = { ...accessKey, labelledVersion: recorded.accessKeyVersion };
    secretKey = { ...secretKey, labelledVersion: recorded.secretKeyVersion };
  }
  return { accessKey, secretKey, siteProperties: site, lastRotation: rotationRecordFromTags(tags) };
}
