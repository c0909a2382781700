import {
  DEFAULT_LAST_KNOWN_GOOD_LABEL,
  isFailureOutcome,
  KeyParameterVersions,
  labelRefusal,
  masterRestartOrder,
  oldestRetainedVersion,
  planRotation,
  RotationState,
  rotationRecordFromTags,
  rotationRecordTags,
  validateLabelName,
  writesLeftBeforeLabelBlocks,
  rotationExecutionName,
} from '../../lib/core/rotation-plan';
import { renderSiteProperties, withCredentials } from '../../lib/core/site-properties';
import { expectInputError } from './expect-input-error';

function key(name: string, currentVersion: number, labelledVersion?: number): KeyParameterVersions {
  return { name, currentVersion, labelledVersion, labelsByVersion: labelledVersion ? { [labelledVersion]: [DEFAULT_LAST_KNOWN_GOOD_LABEL] } : {} };
}

function state(access: [number, number?], secret: [number, number?], extra: Partial<RotationState> = {}): RotationState {
  return {
    accessKey: key('/p/access-key', ...access),
    secretKey: key('/p/secret-key', ...secret),
    currentEqualsLastKnownGood: false,
    sitePropertiesInSync: true,
    ...extra,
  };
}

const waiting = { pairWaitOver: false, provisionedMinio: false };
const waited = { pairWaitOver: true, provisionedMinio: false };

describe('planRotation', () => {
  test('labelled pair current and rendered: nothing to do', () => {
    expect(planRotation(state([3, 3], [4, 4]), waiting).action).toBe('none');
  });

  test('labelled pair current but the site properties drifted: rotate (re-render through the same path)', () => {
    expect(planRotation(state([3, 3], [4, 4], { sitePropertiesInSync: false }), waiting).action).toBe('rotate');
  });

  test('no label yet: adopt the rendered pair, or rotate when it is not what is rendered', () => {
    expect(planRotation(state([1], [1]), waiting).action).toBe('adopt');
    expect(planRotation(state([1, 1], [1]), waiting).action).toBe('adopt');
    expect(planRotation(state([2], [2], { sitePropertiesInSync: false }), waiting).action).toBe('rotate');
  });

  test('both halves changed: rotate at once, restarting a provisioned MinIO first', () => {
    expect(planRotation(state([4, 3], [5, 4]), waiting)).toMatchObject({ action: 'rotate', restartMinio: false });
    expect(planRotation(state([4, 3], [5, 4]), { ...waiting, provisionedMinio: true })).toMatchObject({ action: 'rotate', restartMinio: true });
  });

  test('one half changed: wait for the other, then rotate what is there once the wait is over', () => {
    const secretOnly = state([3, 3], [5, 4]);
    expect(planRotation(secretOnly, waiting).action).toBe('wait-for-pair');
    expect(planRotation(secretOnly, waiting).reason).toContain('/p/secret-key');
    expect(planRotation(secretOnly, waited).action).toBe('rotate');
    expect(planRotation(state([4, 3], [4, 4]), waiting).action).toBe('wait-for-pair');
  });

  test('new versions holding the last-known-good values: move the label, restart nothing', () => {
    expect(planRotation(state([99, 1], [99, 1], { currentEqualsLastKnownGood: true }), waiting)).toMatchObject({ action: 'move-label', restartMinio: false });
    expect(planRotation(state([99, 1], [99, 1], { currentEqualsLastKnownGood: true, sitePropertiesInSync: false }), waiting).action).toBe('rotate');
  });
});

describe("SSM's 100-version window", () => {
  test('a label 99 versions behind the current one blocks the next write', () => {
    expect(writesLeftBeforeLabelBlocks({ currentVersion: 100, labelledVersion: 1 })).toBe(0);
    expect(writesLeftBeforeLabelBlocks({ currentVersion: 99, labelledVersion: 1 })).toBe(1);
    expect(writesLeftBeforeLabelBlocks({ currentVersion: 150, labelledVersion: 150 })).toBe(99);
    expect(writesLeftBeforeLabelBlocks({ currentVersion: 150, labelledVersion: undefined })).toBe(Number.POSITIVE_INFINITY);
  });

  test('the oldest retained version trails the current one by 99', () => {
    expect(oldestRetainedVersion(1)).toBe(1);
    expect(oldestRetainedVersion(100)).toBe(1);
    expect(oldestRetainedVersion(101)).toBe(2);
  });
});

describe('labels', () => {
  test("SSM's naming rules, each refusal naming the input and the fix", () => {
    expect(validateLabelName(DEFAULT_LAST_KNOWN_GOOD_LABEL)).toBe('last-known-good');
    expect(validateLabelName('a'.repeat(100))).toHaveLength(100);
    for (const bad of ['', 'a'.repeat(101), 'has space', 'slash/no', '1st', 'aws-good', 'SSM-good', 'AwsX']) {
      expectInputError(() => validateLabelName(bad), 'lastKnownGoodLabel');
    }
  });

  test('an eleventh label on one version is refused with a fix; moving a label already there is fine', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `user${i}`);
    const parameter: KeyParameterVersions = {
      name: '/p/access-key',
      currentVersion: 7,
      labelledVersion: 6,
      labelsByVersion: { 7: ten, 6: ['last-known-good'] },
    };
    expect(labelRefusal(parameter, 7, 'last-known-good')).toMatch(/already has 10 labels.*Fix: remove one/);
    expect(labelRefusal(parameter, 6, 'last-known-good')).toBeUndefined();
    expect(labelRefusal({ ...parameter, labelsByVersion: { 7: ten.slice(1) } }, 7, 'last-known-good')).toBeUndefined();
  });
});

describe('rotation record tags', () => {
  test('round-trip through tags, values limited to the tag alphabet', () => {
    const record = { outcome: 'rolled-back' as const, at: '2026-11-28T01:00:00.000Z', accessKeyVersion: 12, secretKeyVersion: 13, code: 'REQUEST_FORBIDDEN' };
    const tags = rotationRecordTags(record);
    for (const tag of tags) expect(tag.Value).toMatch(/^[A-Za-z0-9 +\-=._:/@]*$/);
    expect(rotationRecordFromTags(tags)).toEqual(record);
    expect(rotationRecordFromTags([])).toBeUndefined();
  });

  test('failure outcomes are the ones the alarm counts', () => {
    expect(['in-sync', 'adopted', 'label-moved', 'rotated', 'rolled-back', 'failed'].filter((o) => isFailureOutcome(o as never))).toEqual([
      'rolled-back',
      'failed',
    ]);
  });
});

describe('masterRestartOrder', () => {
  test('followers first in the given order, the leader last', () => {
    expect(masterRestartOrder([0, 1, 2], 0)).toEqual([1, 2, 0]);
    expect(masterRestartOrder([0, 1, 2], 1)).toEqual([0, 2, 1]);
    expect(masterRestartOrder([0, 1, 2], 2)).toEqual([0, 1, 2]);
  });

  test('no leader known: the given order', () => {
    expect(masterRestartOrder([0, 1, 2], undefined)).toEqual([0, 1, 2]);
    expect(masterRestartOrder([2, 0], undefined)).toEqual([2, 0]);
  });

  test('a rollback after a master that did not settle: that master first (it may be down), then the rule over the others', () => {
    // master-2 the leader; forward restarted 0 (settled) and 1 (did not): 1 before 0, so 0 and 1 are never down together.
    expect(masterRestartOrder([0, 1], 2, 1)).toEqual([1, 0]);
    expect(masterRestartOrder([0, 1, 2], 1, 1)).toEqual([1, 0, 2]);
    expect(masterRestartOrder([0, 1, 2], 0, 2)).toEqual([2, 1, 0]);
    expect(masterRestartOrder([0, 2], undefined, 1)).toEqual([0, 2]);
  });

  test('a rollback of only some masters: the same rule over those; a leader not among them changes nothing', () => {
    expect(masterRestartOrder([0, 2], 0)).toEqual([2, 0]);
    expect(masterRestartOrder([0, 2], 1)).toEqual([0, 2]);
    expect(masterRestartOrder([], 1)).toEqual([]);
    expect(masterRestartOrder([0], 0)).toEqual([0]);
  });
});

describe('the execution name of a rotation', () => {
  const rendered = renderSiteProperties({
    alluxioVersion: '2.9.6',
    minio: { endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' },
    accessKeyId: 'AKIAOLD',
    secretKey: 'old-secret',
  });
  const live = { parameterName: '/alluxio-minio/Cache/site-properties/5d0c41f2a9e3b877', text: rendered };
  const settings = { ownsKeys: false, services: { cluster: 'c', masterServices: ['m'], workerService: 'w' }, label: 'last-known-good' };

  test("is one of Step Functions' names (1-80 of letters, digits, - and _), also for long parameter names and huge versions", () => {
    const long = { parameterName: `/${'p'.repeat(900)}/${'g.x'.repeat(40)}`, text: rendered };
    for (const name of [
      rotationExecutionName(state([2, 1], [2, 1]), live, settings),
      rotationExecutionName(state([99999, undefined], [99999, undefined]), long, settings),
    ]) {
      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  test('the same versions, configuration and settings name the same rotation; any version, the label, the configuration or the settings changing names another', () => {
    const base = rotationExecutionName(state([2, 1], [2, 1]), live, settings);
    expect(rotationExecutionName(state([2, 1], [2, 1]), { ...live }, settings)).toBe(base);
    const others = [
      rotationExecutionName(state([3, 1], [2, 1]), live, settings),
      rotationExecutionName(state([2, 1], [3, 1]), live, settings),
      rotationExecutionName(state([2, 2], [2, 1]), live, settings),
      rotationExecutionName(state([2, undefined], [2, 1]), live, settings),
      rotationExecutionName(state([2, 1], [2, 1]), { ...live, text: `${rendered}alluxio.user.file.writetype.default=THROUGH\n` }, settings),
      rotationExecutionName(state([2, 1], [2, 1]), { ...live, parameterName: '/alluxio-minio/Cache/site-properties/0000000000000001' }, settings),
      // Other settings (e.g. the keys now the deployment's own) are another rotation.
      rotationExecutionName(state([2, 1], [2, 1]), live, { ...settings, ownsKeys: true }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  test('a rotation deferred after it was named is retried under the next name; any other recorded deferral changes nothing', () => {
    const base = rotationExecutionName(state([2, 3], [2, 3]), live, settings);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, base)).toBe(`${base}-r1`);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, `${base}-r1`)).toBe(`${base}-r2`);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, `${base}-r41`)).toBe(`${base}-r42`);
    // Another rotation's deferral (an older version), or a value that is no retry of this one.
    const older = rotationExecutionName(state([2, 2], [2, 2]), live, settings);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, older)).toBe(base);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, `${base}-rx`)).toBe(base);
    expect(rotationExecutionName(state([2, 3], [2, 3]), live, settings, `${base}-r1-r1`)).toBe(base);
    // A retry of a name cut to length is still one of Step Functions' names.
    const long = { parameterName: `/${'p'.repeat(900)}/${'g.x'.repeat(40)}`, text: rendered };
    const longest = rotationExecutionName(state([99999, undefined], [99999, undefined]), long, settings);
    const lastRetry = rotationExecutionName(state([99999, undefined], [99999, undefined]), long, settings, `${longest}-r99999`);
    expect(lastRetry).toBe(`${longest}-r100000`);
    expect(lastRetry).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  test("the keys a rotation renders in, and a rollback's write-back, name the same rotation: a failed pair is not tried again", () => {
    const base = rotationExecutionName(state([2, 3], [2, 3]), live, settings);
    expect(rotationExecutionName(state([2, 3], [2, 3]), { ...live, text: withCredentials(rendered, 'AKIANEW', 'new-secret') }, settings)).toBe(base);
  });
});
