import { DataVolumeView, nextAttachmentStep, parseLaunchLifecycleEvent } from '../../lib/core/data-volume-attachment';

const VOLUME = 'vol-0123456789abcdef0';
const NEW_HOST = { instanceId: 'i-new', availabilityZone: 'eu-west-1a' };
const volume = (state: string, attachments: DataVolumeView['attachments'] = [], availabilityZone = 'eu-west-1a'): DataVolumeView => ({
  state,
  availabilityZone,
  attachments,
});

describe('nextAttachmentStep', () => {
  test.each<[string, DataVolumeView | undefined, string]>([
    ['an available volume in the instance AZ is attached', volume('available'), 'attach'],
    ['a volume attached to this instance is done', volume('in-use', [{ instanceId: 'i-new', state: 'attached' }]), 'attached'],
    ['an attachment to this instance in progress is waited for', volume('in-use', [{ instanceId: 'i-new', state: 'attaching' }]), 'wait'],
    ['a volume the previous host still holds is waited for, not taken', volume('in-use', [{ instanceId: 'i-old', state: 'attached' }]), 'wait'],
    ['a volume the previous host is releasing is waited for', volume('in-use', [{ instanceId: 'i-old', state: 'detaching' }]), 'wait'],
    ['a volume still being created is waited for', volume('creating'), 'wait'],
    ['a missing volume is refused', undefined, 'refuse'],
    ['a volume in another AZ is refused', volume('available', [], 'eu-west-1b'), 'refuse'],
    ['a volume in error is refused', volume('error'), 'refuse'],
  ])('%s', (_name, view, kind) => {
    expect(nextAttachmentStep(VOLUME, view, NEW_HOST).kind).toBe(kind);
  });

  test('a refusal for the AZ names both AZs and the prop that pins it', () => {
    const step = nextAttachmentStep(VOLUME, volume('available', [], 'eu-west-1b'), NEW_HOST);
    expect(step).toEqual({ kind: 'refuse', reason: expect.stringMatching(/eu-west-1b.*eu-west-1a.*minio\.availabilityZone/) });
  });

  test('a wait for the previous host names it', () => {
    expect(nextAttachmentStep(VOLUME, volume('in-use', [{ instanceId: 'i-old', state: 'attached' }]), NEW_HOST)).toEqual({
      kind: 'wait',
      reason: expect.stringContaining('i-old'),
    });
  });
});

describe('nextAttachmentStep with a previous host that does not let go', () => {
  const held = volume('in-use', [{ instanceId: 'i-old', state: 'attached' }]);
  const after = (heldForMs: number) => ({ heldForMs, forceDetachAfterMs: 300_000 });

  test.each<[string, { state: string; impaired: boolean }]>([
    ['terminated', { state: 'terminated', impaired: false }],
    ['shutting down', { state: 'shutting-down', impaired: false }],
    ['stopped', { state: 'stopped', impaired: false }],
    ['running with its status checks impaired', { state: 'running', impaired: true }],
  ])('a previous host %s is waited for, then detached with Force once the wait is over', (_name, host) => {
    const previous = { instanceId: 'i-old', ...host };
    expect(nextAttachmentStep(VOLUME, held, NEW_HOST, previous, after(299_000))).toEqual({
      kind: 'wait',
      reason: expect.stringContaining('before forcing the detach'),
    });
    expect(nextAttachmentStep(VOLUME, held, NEW_HOST, previous, after(300_000))).toEqual({
      kind: 'force-detach',
      instanceId: 'i-old',
      reason: expect.stringMatching(/i-old.*300 s: forcing the detach/),
    });
  });

  test('a running previous host with passing status checks is never forced, however long it holds the volume', () => {
    expect(nextAttachmentStep(VOLUME, held, NEW_HOST, { instanceId: 'i-old', state: 'running', impaired: false }, after(3_600_000)).kind).toBe('wait');
  });
});

describe('parseLaunchLifecycleEvent', () => {
  const event = {
    source: 'aws.autoscaling',
    'detail-type': 'EC2 Instance-launch Lifecycle Action',
    detail: {
      LifecycleActionToken: 'token-1',
      AutoScalingGroupName: 'hosts',
      LifecycleHookName: 'attach-data',
      EC2InstanceId: 'i-new',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    },
  };

  test('reads the action EventBridge delivers', () => {
    expect(parseLaunchLifecycleEvent(event)).toEqual({
      autoScalingGroupName: 'hosts',
      lifecycleHookName: 'attach-data',
      lifecycleActionToken: 'token-1',
      instanceId: 'i-new',
    });
  });

  test('refuses anything else, naming the field', () => {
    expect(() => parseLaunchLifecycleEvent({ detail: { ...event.detail, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' } })).toThrow(
      /LifecycleTransition/,
    );
    expect(() => parseLaunchLifecycleEvent({ detail: { ...event.detail, EC2InstanceId: undefined } })).toThrow(/detail\.EC2InstanceId/);
    expect(() => parseLaunchLifecycleEvent(undefined)).toThrow(/LifecycleTransition/);
  });
});
