/**
 * What the launch lifecycle hook's function does next to get the MinIO data volume attached to a new
 * host. Pure: the runtime feeds it what EC2 describes and carries out the step.
 */

/** The volume as DescribeVolumes shows it (undefined when there is no such volume). */
export interface DataVolumeView {
  /** creating | available | in-use | deleting | deleted | error */
  readonly state: string;
  readonly availabilityZone: string;
  readonly attachments: ReadonlyArray<{ readonly instanceId: string; readonly state: string }>;
}

/** The instance waiting in the lifecycle hook. */
export interface LaunchingInstanceView {
  readonly instanceId: string;
  readonly availabilityZone: string;
}

/** The host that still holds the volume, as EC2 describes it (DescribeInstanceStatus). */
export interface PreviousHostView {
  readonly instanceId: string;
  /** pending | running | shutting-down | terminated | stopping | stopped (`terminated` too when EC2 no longer knows it) */
  readonly state: string;
  /** Its instance or system status check is `impaired`. */
  readonly impaired: boolean;
}

/** How long this run has seen the previous host hold the volume, and how long it waits before forcing. */
export interface HoldTime {
  readonly heldForMs: number;
  readonly forceDetachAfterMs: number;
}

export type AttachmentStep =
  /** Call AttachVolume. */
  | { readonly kind: 'attach' }
  /**
   * Call DetachVolume with Force on the previous host. The EC2 API reference keeps Force as the last
   * resort for a failed instance: the instance cannot flush its caches first, so the file system must be
   * checked (XFS replays its log when the new host mounts it).
   */
  | { readonly kind: 'force-detach'; readonly instanceId: string; readonly reason: string }
  /** Attached to this instance: complete the lifecycle action with CONTINUE. */
  | { readonly kind: 'attached' }
  /** Ask again shortly (the previous host still holds it, an attachment is in progress, ...). */
  | { readonly kind: 'wait'; readonly reason: string }
  /** It can never attach to this instance: ABANDON, and say why. */
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The previous host is gone or broken: it will never release the volume cleanly. A running host with
 * passing status checks may be a MinIO still serving from the volume, and is never forced.
 */
function previousHostIsGone(host: PreviousHostView): boolean {
  return host.impaired || ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(host.state);
}

export function nextAttachmentStep(
  volumeId: string,
  volume: DataVolumeView | undefined,
  instance: LaunchingInstanceView,
  previousHost?: PreviousHostView,
  hold?: HoldTime,
): AttachmentStep {
  if (!volume) {
    return { kind: 'refuse', reason: `the data volume ${volumeId} does not exist (deleted? adopt a retained one with minio.dataVolumeId)` };
  }
  if (volume.availabilityZone !== instance.availabilityZone) {
    return {
      kind: 'refuse',
      reason:
        `the data volume ${volumeId} is in ${volume.availabilityZone} but ${instance.instanceId} launched in ${instance.availabilityZone}; ` +
        `an EBS volume attaches only within its AZ (pin minio.availabilityZone to the volume's AZ)`,
    };
  }
  if (['deleting', 'deleted', 'error'].includes(volume.state)) {
    return { kind: 'refuse', reason: `the data volume ${volumeId} is ${volume.state}` };
  }
  const own = volume.attachments.find((a) => a.instanceId === instance.instanceId);
  if (own) {
    return own.state === 'attached' ? { kind: 'attached' } : { kind: 'wait', reason: `the data volume ${volumeId} is ${own.state} to ${instance.instanceId}` };
  }
  const other = volume.attachments.find((a) => a.state !== 'detached');
  if (other) {
    const held = `the data volume ${volumeId} is still ${other.state} to ${other.instanceId} (the previous host)`;
    if (previousHost?.instanceId === other.instanceId && previousHostIsGone(previousHost)) {
      const condition = previousHost.impaired ? `${previousHost.state}, status checks impaired` : previousHost.state;
      if (hold && hold.heldForMs >= hold.forceDetachAfterMs) {
        return {
          kind: 'force-detach',
          instanceId: other.instanceId,
          reason: `${held}, which is ${condition} and has not released it in ${Math.round(hold.heldForMs / 1000)} s: forcing the detach`,
        };
      }
      return { kind: 'wait', reason: `${held}, which is ${condition}: waiting for a clean release before forcing the detach` };
    }
    return { kind: 'wait', reason: `${held}, waiting for it to be released` };
  }
  if (volume.state === 'available') return { kind: 'attach' };
  return { kind: 'wait', reason: `the data volume ${volumeId} is ${volume.state}` };
}

/** The lifecycle action of an "EC2 Instance-launch Lifecycle Action" event from EventBridge. */
export interface LaunchLifecycleAction {
  readonly autoScalingGroupName: string;
  readonly lifecycleHookName: string;
  readonly lifecycleActionToken: string;
  readonly instanceId: string;
}

/** Reads the lifecycle action from the event, or throws naming what is missing. */
export function parseLaunchLifecycleEvent(event: unknown): LaunchLifecycleAction {
  const detail = (event as { detail?: Record<string, unknown> } | undefined)?.detail ?? {};
  const field = (name: string): string => {
    const value = detail[name];
    if (typeof value !== 'string' || value === '') throw new Error(`not an EC2 instance-launch lifecycle action: detail.${name} is missing`);
    return value;
  };
  if (detail.LifecycleTransition !== 'autoscaling:EC2_INSTANCE_LAUNCHING') {
    throw new Error(`not an EC2 instance-launch lifecycle action: detail.LifecycleTransition is ${String(detail.LifecycleTransition)}`);
  }
  return {
    autoScalingGroupName: field('AutoScalingGroupName'),
    lifecycleHookName: field('LifecycleHookName'),
    lifecycleActionToken: field('LifecycleActionToken'),
    instanceId: field('EC2InstanceId'),
  };
}
