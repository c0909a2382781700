import { invokeResponse } from '../../local/cloudformation/lambda-runner';
import { judge, snapshotExpectation } from '../support/integ-assertion';

/*
 * The integ apps' health-check assertion, judged by integ-tests-alpha's own handler on the answers the
 * poll function gives (as Lambda's Invoke returns them): it passes only for a completed, healthy check.
 * test/local/cluster.test.ts judges the real function's answer on a deployed cluster the same way.
 */

const TOPOLOGIES = ['provisioned', 'existing-minio', 'nvme-workers', 'ha-masters'];

describe.each(TOPOLOGIES)('integ.%s: the health check assertion', (topology) => {
  const expected = snapshotExpectation(topology, 'invoke');

  test('passes for a completed healthy check', async () => {
    const healthy = invokeResponse({ ok: true, result: { IsComplete: true, Data: { Healthy: 'true', ConfigHash: 'abc' } }, log: '' });
    expect(await judge(expected, healthy)).toEqual({ status: 'success' });
  });

  test('fails for a check still polling, and for a finding the function threw', async () => {
    const polling = invokeResponse({ ok: true, result: { IsComplete: false }, log: '' });
    expect(await judge(expected, polling)).toMatchObject({ status: 'fail' });
    const finding = invokeResponse({ ok: false, error: 'ALLUXIO_ROOT_MOUNT_MISMATCH: the master serves another root. Fix: ...', log: '' });
    expect(await judge(expected, finding)).toMatchObject({ status: 'fail' });
  });
});
