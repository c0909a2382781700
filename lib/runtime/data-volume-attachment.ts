import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import {
  AttachVolumeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DataVolumeView, LaunchLifecycleAction, nextAttachmentStep, PreviousHostView } from '../core/data-volume-attachment';

export interface AttachmentSettings {
  readonly volumeId: string;
  /** The device name to attach as (the host looks for it and for the NVMe serial name). */
  readonly device: string;
  /** Give up (ABANDON) when the volume is still not attached at this time (epoch ms). */
  readonly deadline: number;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
  /**
   * How long a previous host that is stopped, terminated or failing its status checks may keep the
   * volume before it is detached with Force. A host terminating cleanly releases it well within this.
   *
   * @default 300000 (5 minutes, of the hook's 15)
   */
  readonly forceDetachAfterMs?: number;
}

const FORCE_DETACH_AFTER_MS = 5 * 60_000;

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
export async function attachDataVolumeAtLaunch(
  action: LaunchLifecycleAction,
  settings: AttachmentSettings,
  clients: AttachmentClients,
): Promise<AttachmentOutcome> {
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
  // Since when this run has seen which host hold the volume: the bounded wait before a forced detach.
  let holding: { instanceId: string; since: number } | undefined;
  for (;;) {
    const volume = await describeVolume(clients.ec2, settings.volumeId);
    const holder = volume?.attachments.find((a) => a.state !== 'detached' && a.instanceId !== action.instanceId);
    if (holder && holding?.instanceId !== holder.instanceId) holding = { instanceId: holder.instanceId, since: now() };
    const previousHost = holder ? await describePreviousHost(clients.ec2, holder.instanceId) : undefined;
    const hold = holding ? { heldForMs: now() - holding.since, forceDetachAfterMs: settings.forceDetachAfterMs ?? FORCE_DETACH_AFTER_MS } : undefined;
    const step = nextAttachmentStep(settings.volumeId, volume, instance, previousHost, hold);
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
      case 'force-detach':
        log({ resource: 'attach-volume', instanceId: action.instanceId, volumeId: settings.volumeId, forceDetach: step.instanceId, reason: step.reason });
        try {
          await clients.ec2.send(new DetachVolumeCommand({ VolumeId: settings.volumeId, InstanceId: step.instanceId, Force: true }));
          lastReason = step.reason;
        } catch (error) {
          lastReason = `DetachVolume (Force) from ${step.instanceId}: ${(error as Error).name}: ${(error as Error).message}`;
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

/** The previous host's state and status checks; a host EC2 no longer knows counts as terminated. */
async function describePreviousHost(ec2: EC2Client, instanceId: string): Promise<PreviousHostView> {
  try {
    const result = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true }));
    const status = result.InstanceStatuses?.find((s) => s.InstanceId === instanceId);
    if (!status) return { instanceId, state: 'terminated', impaired: false };
    return {
      instanceId,
      state: status.InstanceState?.Name ?? 'unknown',
      impaired: status.InstanceStatus?.Status === 'impaired' || status.SystemStatus?.Status === 'impaired',
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidInstanceID.NotFound') return { instanceId, state: 'terminated', impaired: false };
    throw error;
  }
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
