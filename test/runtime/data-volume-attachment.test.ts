import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeVolumesCommand,
  EC2Client,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DetachVolumeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { LaunchLifecycleAction } from '../../lib/core/data-volume-attachment';
import { attachDataVolumeAtLaunch } from '../../lib/runtime/data-volume-attachment';
import { sandboxAwsClientConfig } from '../support/sandbox';

/*
 * The launch hook's attachment against the sandbox's moto server, which answers EC2 for real
 * (instances, volumes, attachments; a terminated instance releases its volume). moto has no
 * CompleteLifecycleAction, so the Auto Scaling client only records the completion it is sent.
 */
const ec2 = new EC2Client(sandboxAwsClientConfig());
let imageId: string;

beforeAll(async () => {
  imageId = (await ec2.send(new DescribeImagesCommand({}))).Images![0].ImageId!;
});

afterAll(() => ec2.destroy());

async function instanceIn(availabilityZone: string): Promise<string> {
  const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: availabilityZone } }));
  return run.Instances![0].InstanceId!;
}

async function volumeIn(availabilityZone: string): Promise<string> {
  return (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: availabilityZone, Size: 10 }))).VolumeId!;
}

async function attachments(volumeId: string): Promise<string[]> {
  const [volume] = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes!;
  return (volume.Attachments ?? []).map((a) => `${a.InstanceId} ${a.State} ${a.Device}`);
}

function recordingAutoScaling(): { client: AutoScalingClient; completions: Array<Record<string, unknown>> } {
  const completions: Array<Record<string, unknown>> = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof CompleteLifecycleActionCommand)) throw new Error('unexpected Auto Scaling call');
      completions.push({ ...command.input });
      return {};
    },
  } as unknown as AutoScalingClient;
  return { client, completions };
}

const action = (instanceId: string): LaunchLifecycleAction => ({
  autoScalingGroupName: 'hosts',
  lifecycleHookName: 'attach-data',
  lifecycleActionToken: 'token-1',
  instanceId,
});

test('attaches an available volume to the new host and completes the action with CONTINUE', async () => {
  const volumeId = await volumeIn('us-east-1a');
  const host = await instanceIn('us-east-1a');
  const autoScaling = recordingAutoScaling();
  const outcome = await attachDataVolumeAtLaunch(
    action(host),
    { volumeId, device: '/dev/xvdf', deadline: Date.now() + 60_000, pollIntervalMs: 1 },
    { ec2, autoScaling: autoScaling.client, log: () => undefined },
  );
  expect(outcome.result).toBe('CONTINUE');
  expect(await attachments(volumeId)).toEqual([`${host} attached /dev/xvdf`]);
  expect(autoScaling.completions).toEqual([
    { AutoScalingGroupName: 'hosts', LifecycleHookName: 'attach-data', LifecycleActionToken: 'token-1', InstanceId: host, LifecycleActionResult: 'CONTINUE' },
  ]);
});

test('waits while the previous host still holds the volume, and attaches it once that host is gone', async () => {
  const volumeId = await volumeIn('us-east-1a');
  const previous = await instanceIn('us-east-1a');
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: previous, Device: '/dev/xvdf' }));
  const host = await instanceIn('us-east-1a');
  const autoScaling = recordingAutoScaling();
  let waits = 0;
  const outcome = await attachDataVolumeAtLaunch(
    action(host),
    { volumeId, device: '/dev/xvdf', deadline: Date.now() + 60_000, pollIntervalMs: 1 },
    {
      ec2,
      autoScaling: autoScaling.client,
      log: () => undefined,
      // The group terminates the previous host while the new one waits.
      sleep: async () => {
        waits += 1;
        if (waits === 2) await ec2.send(new TerminateInstancesCommand({ InstanceIds: [previous] }));
      },
    },
  );
  expect(outcome.result).toBe('CONTINUE');
  expect(waits).toBeGreaterThanOrEqual(2);
  expect(await attachments(volumeId)).toEqual([`${host} attached /dev/xvdf`]);
});

test('gives up at the deadline with ABANDON, naming the host that still holds the volume; never takes it from that host', async () => {
  const volumeId = await volumeIn('us-east-1a');
  const previous = await instanceIn('us-east-1a');
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: previous, Device: '/dev/xvdf' }));
  const host = await instanceIn('us-east-1a');
  const autoScaling = recordingAutoScaling();
  let clock = 0;
  const outcome = await attachDataVolumeAtLaunch(
    action(host),
    { volumeId, device: '/dev/xvdf', deadline: 3, pollIntervalMs: 1 },
    { ec2, autoScaling: autoScaling.client, log: () => undefined, now: () => clock, sleep: async () => void (clock += 1) },
  );
  expect(outcome).toEqual({ result: 'ABANDON', reason: expect.stringContaining(previous) });
  expect(await attachments(volumeId)).toEqual([`${previous} attached /dev/xvdf`]);
  expect(autoScaling.completions.map((c) => c.LifecycleActionResult)).toEqual(['ABANDON']);
});

test('a volume in another AZ is abandoned at once, without an attach', async () => {
  const volumeId = await volumeIn('us-east-1b');
  const host = await instanceIn('us-east-1a');
  const autoScaling = recordingAutoScaling();
  const outcome = await attachDataVolumeAtLaunch(
    action(host),
    { volumeId, device: '/dev/xvdf', deadline: Date.now() + 60_000, pollIntervalMs: 1 },
    { ec2, autoScaling: autoScaling.client, log: () => undefined },
  );
  expect(outcome).toEqual({ result: 'ABANDON', reason: expect.stringMatching(/us-east-1b.*us-east-1a/) });
  expect(await attachments(volumeId)).toEqual([]);
  expect(autoScaling.completions.map((c) => c.LifecycleActionResult)).toEqual(['ABANDON']);
});

test('a volume that no longer exists is abandoned, naming the prop that adopts a retained one', async () => {
  const host = await instanceIn('us-east-1a');
  const autoScaling = recordingAutoScaling();
  const outcome = await attachDataVolumeAtLaunch(
    action(host),
    { volumeId: 'vol-0000000000000000f', device: '/dev/xvdf', deadline: Date.now() + 60_000 },
    { ec2, autoScaling: autoScaling.client, log: () => undefined },
  );
  expect(outcome).toEqual({ result: 'ABANDON', reason: expect.stringContaining('minio.dataVolumeId') });
});

describe('a previous host that does not release the volume', () => {
  async function heldBy(state: 'running' | 'stopped'): Promise<{ volumeId: string; previous: string; host: string }> {
    const volumeId = await volumeIn('us-east-1a');
    const previous = await instanceIn('us-east-1a');
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: previous, Device: '/dev/xvdf' }));
    if (state === 'stopped') await ec2.send(new StopInstancesCommand({ InstanceIds: [previous] }));
    return { volumeId, previous, host: await instanceIn('us-east-1a') };
  }

  /** A clock that advances one minute per poll; the wait before forcing is 3 minutes. */
  const minutePolls = () => {
    let clock = 0;
    return { now: () => clock, sleep: async () => void (clock += 60_000) };
  };

  test('a stopped previous host keeps the volume for the bounded wait, then it is detached with Force and attached to the new host', async () => {
    const { volumeId, previous, host } = await heldBy('stopped');
    expect(await attachments(volumeId)).toEqual([`${previous} attached /dev/xvdf`]);
    const autoScaling = recordingAutoScaling();
    const logged: Array<Record<string, unknown>> = [];
    const outcome = await attachDataVolumeAtLaunch(
      action(host),
      { volumeId, device: '/dev/xvdf', deadline: 10 * 60_000, forceDetachAfterMs: 3 * 60_000 },
      { ec2, autoScaling: autoScaling.client, log: (entry) => logged.push(entry), ...minutePolls() },
    );
    expect(outcome.result).toBe('CONTINUE');
    expect(await attachments(volumeId)).toEqual([`${host} attached /dev/xvdf`]);
    const forced = logged.filter((entry) => entry.forceDetach !== undefined);
    expect(forced).toEqual([expect.objectContaining({ forceDetach: previous, reason: expect.stringMatching(/stopped and has not released it in 180 s/) })]);
  });

  test('a running previous host with passing status checks keeps the volume: no detach, ABANDON at the deadline', async () => {
    const { volumeId, previous, host } = await heldBy('running');
    const autoScaling = recordingAutoScaling();
    const outcome = await attachDataVolumeAtLaunch(
      action(host),
      { volumeId, device: '/dev/xvdf', deadline: 10 * 60_000, forceDetachAfterMs: 3 * 60_000 },
      { ec2, autoScaling: autoScaling.client, log: () => undefined, ...minutePolls() },
    );
    expect(outcome).toEqual({ result: 'ABANDON', reason: expect.stringContaining(previous) });
    expect(await attachments(volumeId)).toEqual([`${previous} attached /dev/xvdf`]);
  });

  test('a running previous host whose status checks are impaired is detached with Force after the wait', async () => {
    const { volumeId, previous, host } = await heldBy('running');
    // moto reports every running instance's checks as ok: only DescribeInstanceStatus is faked (aws-sdk-client-mock),
    // every other call goes to moto, which attaches, detaches and describes for real.
    const impairedView = new EC2Client(sandboxAwsClientConfig());
    const fake = mockClient(impairedView);
    fake.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        { InstanceId: previous, InstanceState: { Name: 'running', Code: 16 }, InstanceStatus: { Status: 'impaired' }, SystemStatus: { Status: 'ok' } },
      ],
    });
    fake.on(DescribeVolumesCommand).callsFake((input) => ec2.send(new DescribeVolumesCommand(input)));
    fake.on(DescribeInstancesCommand).callsFake((input) => ec2.send(new DescribeInstancesCommand(input)));
    fake.on(DetachVolumeCommand).callsFake((input) => ec2.send(new DetachVolumeCommand(input)));
    fake.on(AttachVolumeCommand).callsFake((input) => ec2.send(new AttachVolumeCommand(input)));
    const autoScaling = recordingAutoScaling();
    const outcome = await attachDataVolumeAtLaunch(
      action(host),
      { volumeId, device: '/dev/xvdf', deadline: 10 * 60_000, forceDetachAfterMs: 3 * 60_000 },
      { ec2: impairedView, autoScaling: autoScaling.client, log: () => undefined, ...minutePolls() },
    );
    expect(outcome.result).toBe('CONTINUE');
    expect(fake.commandCalls(DetachVolumeCommand).map((call) => call.args[0].input)).toEqual([{ VolumeId: volumeId, InstanceId: previous, Force: true }]);
    expect(await attachments(volumeId)).toEqual([`${host} attached /dev/xvdf`]);
    fake.restore();
  });
});
