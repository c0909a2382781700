import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { parseLaunchLifecycleEvent } from '../../lib/core/data-volume-attachment';
import { ATTACH_VOLUME_ENV } from '../../lib/core/minio-data-volume';
import { attachDataVolumeAtLaunch, AttachmentOutcome } from '../../lib/runtime/data-volume-attachment';

// Created once per container; region and credentials come from the Lambda environment.
const ec2 = new EC2Client({});
const autoScaling = new AutoScalingClient({});

// Stop waiting this long before Lambda's own timeout, to still complete the lifecycle action.
const RESERVE_MS = 60_000;

/** EventBridge target for the MinIO hosts' "EC2 Instance-launch Lifecycle Action" events. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<AttachmentOutcome> {
  const action = parseLaunchLifecycleEvent(event);
  const remaining = context?.getRemainingTimeInMillis() ?? 14 * 60_000;
  return attachDataVolumeAtLaunch(
    action,
    {
      volumeId: required(ATTACH_VOLUME_ENV.volumeId),
      device: required(ATTACH_VOLUME_ENV.device),
      deadline: Date.now() + remaining - RESERVE_MS,
    },
    { ec2, autoScaling },
  );
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the environment variable ${name} is not set`);
  return value;
}
