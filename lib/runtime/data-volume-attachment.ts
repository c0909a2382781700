import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { AttachVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DataVolumeView, LaunchLifecycleAction, nextAttachmentStep } from '../core/data-volume-attachment';

export interface AttachmentSettings {
  readonly volumeId: string;
  /** The device name to attach as (the host looks for it and for the NVMe serial name). */
  readonly device: string;
  /** Give up (ABANDON) when the volume is still not attached at this time (epoch ms). */
  readonly deadline: number;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
}

export interface AttachmentClients {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
}

export interface AttachmentOutcome {
  readonly result: 'CONTINUE' | 'ABANDON';
  readonly reason: string;
}

/**
 * Attaches the data volume to the instance waiting in the launch lifecycle hook, then completes the
 * action: CONTINUE once attached, ABANDON when it cannot be (the group then replaces the instance and
 * the next launch tries again). Waits while the previous host still holds the volume.
 */
export async function attachDataVolumeAtLaunch(action: LaunchLifecycleAction, settings: AttachmentSettings, clients: AttachmentClients): Promise<AttachmentOutcome> {
  const sleep = clients.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = clients.now ?? Date.now;
  const log = clients.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const outcome = await attachUntilDeadline(action, settings, clients, sleep, now, log);
  log({ resource: 'attach-volume', instanceId: action.instanceId, volumeId: settings.volumeId, ...outcome });
  await clients.autoScaling.send(
    new CompleteLifecycleActionCommand({
      AutoScalingGroupName: action.autoScalingGroupName,
      LifecycleHookName: action.lifecycleHookName,
      LifecycleActionToken: action.lifecycleActionToken,
      InstanceId: action.instanceId,
      LifecycleActionResult: outcome.result,
    }),
  );
  return outcome;
}

async function attachUntilDeadline(
  action: LaunchLifecycleAction,
  settings: AttachmentSettings,
  clients: AttachmentClients,
  sleep: (ms: number) => Promise<void>,
  now: () => number,
  log: (entry: Record<string, unknown>) => void,
): Promise<AttachmentOutcome> {
  const instance = await describeInstance(clients.ec2, action.instanceId);
  if (!instance) return { result: 'ABANDON', reason: `instance ${action.instanceId} is not found` };
  let lastReason = '';
  for (;;) {
    const step = nextAttachmentStep(settings.volumeId, await describeVolume(clients.ec2, settings.volumeId), instance);
    switch (step.kind) {
      case 'attached':
        return { result: 'CONTINUE', reason: `${settings.volumeId} is attached to ${action.instanceId}` };
      case 'refuse':
        return { result: 'ABANDON', reason: step.reason };
      case 'attach':
        try {
          await clients.ec2.send(new AttachVolumeCommand({ VolumeId: settings.volumeId, InstanceId: action.instanceId, Device: settings.device }));
          lastReason = `attaching ${settings.volumeId}`;
        } catch (error) {
          // Another attachment won the race, or EC2 has not caught up with a detach: describe again.
          lastReason = `AttachVolume: ${(error as Error).name}: ${(error as Error).message}`;
        }
        break;
      case 'wait':
        lastReason = step.reason;
        break;
    }
    if (now() >= settings.deadline) return { result: 'ABANDON', reason: `not attached in time: ${lastReason}` };
    log({ resource: 'attach-volume', instanceId: action.instanceId, volumeId: settings.volumeId, waiting: lastReason });
    await sleep(settings.pollIntervalMs ?? 5000);
  }
}

async function describeInstance(ec2: EC2Client, instanceId: string): Promise<{ instanceId: string; availabilityZone: string } | undefined> {
  const result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const found = result.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  const availabilityZone = found?.Placement?.AvailabilityZone;
  return found && availabilityZone ? { instanceId, availabilityZone } : undefined;
}

async function describeVolume(ec2: EC2Client, volumeId: string): Promise<DataVolumeView | undefined> {
  try {
    const result = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    const volume = result.Volumes?.[0];
    if (!volume) return undefined;
    return {
      state: volume.State ?? 'unknown',
      availabilityZone: volume.AvailabilityZone ?? '',
      attachments: (volume.Attachments ?? []).map((a) => ({ instanceId: a.InstanceId ?? '', state: a.State ?? 'unknown' })),
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidVolume.NotFound') return undefined;
    throw error;
  }
}
