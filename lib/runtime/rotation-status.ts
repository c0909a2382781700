import { SSMClient } from '@aws-sdk/client-ssm';
import { RotationRecord, rotationRecordFromTags, writesLeftBeforeLabelBlocks } from '../core/rotation-plan';
import { listParameterTags, readParameterVersions } from './parameter-labels';
import { SsmParameters } from './ssm-parameters';

/** The three parameters a deployment's rotation works on. */
export interface RotationParameterNames {
  readonly accessKey: string;
  readonly secretKey: string;
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
  readonly sitePropertiesVersion?: number;
  readonly lastRotation?: RotationRecord;
}

export async function readRotationStatus(client: SSMClient, names: RotationParameterNames, label: string): Promise<RotationStatus> {
  const key = async (name: string): Promise<KeyStatus> => {
    const versions = await readParameterVersions(client, name, label);
    if (versions.currentVersion === 0) throw new Error(`SSM parameter ${name} does not exist. Fix: check the names (or --prefix) and AWS_REGION`);
    return { name, currentVersion: versions.currentVersion, labelledVersion: versions.labelledVersion, writesLeft: writesLeftBeforeLabelBlocks(versions) };
  };
  const accessKey = await key(names.accessKey);
  const secretKey = await key(names.secretKey);
  const site = await new SsmParameters(client).getMetadata(names.siteProperties, { kmsKeyInput: 'KmsKeyId' });
  const lastRotation = site ? rotationRecordFromTags(await listParameterTags(client, names.siteProperties)) : undefined;
  return { accessKey, secretKey, sitePropertiesVersion: site?.version, lastRotation };
}
