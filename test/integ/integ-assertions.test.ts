import { DeleteParametersCommand, DescribeParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { invokeResponse } from '../../local/cloudformation/lambda-runner';
import { judge, snapshotCall, snapshotExpectation } from '../support/integ-assertion';
import { loadSandbox } from '../support/sandbox';

/*
 * The integ apps' health-check assertion, judged by integ-tests-alpha's own handler on the answers the
 * poll function gives (as Lambda's Invoke returns them): it passes only for a completed, healthy check.
 * test/local/cluster.test.ts judges the real function's answer on a deployed cluster the same way.
 * The site-properties assertion's call is made, with the parameters its snapshot holds, against the
 * sandbox's SSM (moto), and judged on what that answers.
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

describe.each(TOPOLOGIES)('integ.%s: the site-properties assertion, against the sandbox SSM', (topology) => {
  const { parameters, expected } = snapshotCall(topology, 'describeParameters');
  const filters = parameters.ParameterFilters as Array<{ Key: string; Option: string; Values: string[] }>;
  const baseName = filters[0].Values[0];
  const ssm = ssmClient(loadSandbox().aws);
  const describe = async () => {
    const { $metadata: _metadata, ...response } = await ssm.send(new DescribeParametersCommand({ ParameterFilters: filters }));
    return response;
  };
  const names: string[] = [];
  const put = async (name: string, type: 'String' | 'SecureString') => {
    names.push(name);
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'not-a-key', Type: type, Overwrite: true }));
  };
  afterEach(async () => {
    if (names.length) await ssm.send(new DeleteParametersCommand({ Names: names.splice(0) }));
  });
  afterAll(() => ssm.destroy());

  test('passes once a SecureString generation sits under the base name', async () => {
    await put(`${baseName}0123456789abcdef`, 'SecureString');
    expect(await judge(expected, await describe())).toEqual({ status: 'success' });
  });

  test('fails with nothing under the base name, with a plain String there, or with a name that is no generation', async () => {
    expect(await judge(expected, await describe())).toMatchObject({ status: 'fail' });
    await put(`${baseName}0123456789abcdef`, 'String');
    expect(await judge(expected, await describe())).toMatchObject({ status: 'fail' });
    await put(`${baseName}not-a-generation`, 'SecureString');
    expect(await judge(expected, await describe())).toMatchObject({ status: 'fail' });
  });
});
