import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { InputError } from '../../lib/core/input-error';
import { captureOutput, cfnEvent, failureOf, readParameter, uniquePrefix, useSandboxSsm } from './handler-harness';

// Against moto's SSM from the sandbox (npm run sandbox:up).
let ssm: SSMClient;
let handler: typeof import('../../lambda/credentials').handler;

beforeAll(async () => {
  ssm = useSandboxSsm();
  handler = (await import('../../lambda/credentials')).handler;
});

function generatedProps(prefix: string, removalPolicy: 'retain' | 'destroy', extra: Record<string, string> = {}) {
  return {
    Mode: 'generated',
    AccessKeyParameterName: `${prefix}/access-key`,
    SecretKeyParameterName: `${prefix}/secret-key`,
    RemovalPolicy: removalPolicy,
    ...extra,
  };
}

describe('generated credentials', () => {
  test('Create writes a MinIO-acceptable key pair as SecureStrings under the default key and returns names and versions', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'retain');
    const response = await handler(cfnEvent('Create', props));

    const access = await readParameter(ssm, props.AccessKeyParameterName);
    const secret = await readParameter(ssm, props.SecretKeyParameterName);
    expect(access).toMatchObject({ type: 'SecureString', version: 1, keyId: 'alias/aws/ssm' });
    expect(secret).toMatchObject({ type: 'SecureString', version: 1, keyId: 'alias/aws/ssm' });
    expect(access!.value).toMatch(/^[0-9A-Z]{20}$/);
    expect(secret!.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(response).toEqual({
      PhysicalResourceId: `ssm-credentials:${props.AccessKeyParameterName},${props.SecretKeyParameterName}`,
      Data: {
        AccessKeyParameterName: props.AccessKeyParameterName,
        AccessKeyParameterVersion: '1',
        SecretKeyParameterName: props.SecretKeyParameterName,
        SecretKeyParameterVersion: '1',
      },
    });
  });

  test('a customer KMS key is used for both parameters', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'retain', { KmsKeyId: 'alias/team-minio' });
    await handler(cfnEvent('Create', props));
    expect((await readParameter(ssm, props.AccessKeyParameterName))!.keyId).toBe('alias/team-minio');
    expect((await readParameter(ssm, props.SecretKeyParameterName))!.keyId).toBe('alias/team-minio');
  });

  test('the same Create delivered twice keeps the first keys and gives the same response', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'retain');
    const event = cfnEvent('Create', props);
    const first = await handler(event);
    const firstSecret = await readParameter(ssm, props.SecretKeyParameterName);
    const firstAccess = await readParameter(ssm, props.AccessKeyParameterName);
    const second = await handler(event);
    expect(second).toEqual(first);
    expect(await readParameter(ssm, props.SecretKeyParameterName)).toEqual(firstSecret);
    expect(await readParameter(ssm, props.AccessKeyParameterName)).toEqual(firstAccess);
  });

  test('a retry after a half-finished Create keeps the written key and adds the missing one', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'retain');
    await ssm.send(new PutParameterCommand({ Name: props.AccessKeyParameterName, Value: 'HALFWRITTENACCESSKEY', Type: 'SecureString' }));
    await handler(cfnEvent('Create', props));
    expect((await readParameter(ssm, props.AccessKeyParameterName))!.value).toBe('HALFWRITTENACCESSKEY');
    expect((await readParameter(ssm, props.SecretKeyParameterName))!.value).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test('an Update that changes only the removal policy keeps the keys and the physical id', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'retain');
    const created = await handler(cfnEvent('Create', props));
    const before = await readParameter(ssm, props.SecretKeyParameterName);
    const updated = await handler(
      cfnEvent('Update', { ...props, RemovalPolicy: 'destroy' }, { physicalResourceId: created.PhysicalResourceId, oldProperties: props }),
    );
    expect(updated).toEqual(created);
    expect(await readParameter(ssm, props.SecretKeyParameterName)).toEqual(before);
  });

  test.each(['retain', 'destroy'] as const)('Delete under %s', async (removalPolicy) => {
    const props = generatedProps(uniquePrefix('cred'), removalPolicy);
    const created = await handler(cfnEvent('Create', props));
    const deleted = await handler(cfnEvent('Delete', props, { physicalResourceId: created.PhysicalResourceId }));
    expect(deleted.PhysicalResourceId).toBe(created.PhysicalResourceId);
    const remaining = [await readParameter(ssm, props.AccessKeyParameterName), await readParameter(ssm, props.SecretKeyParameterName)];
    if (removalPolicy === 'destroy') {
      expect(remaining).toEqual([undefined, undefined]);
    } else {
      expect(remaining.map((p) => p?.version)).toEqual([1, 1]);
    }
  });

  test('Delete under destroy succeeds when the parameters are already gone (ParameterNotFound)', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'destroy');
    const created = await handler(cfnEvent('Create', props));
    const deleteEvent = cfnEvent('Delete', props, { physicalResourceId: created.PhysicalResourceId });
    await handler(deleteEvent);
    await expect(handler(deleteEvent)).resolves.toEqual({ PhysicalResourceId: created.PhysicalResourceId });
  });

  test('Delete for a physical id this resource did not issue deletes nothing', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'destroy');
    await handler(cfnEvent('Create', props));
    await handler(cfnEvent('Delete', props, { physicalResourceId: 'some-other-id' }));
    expect((await readParameter(ssm, props.AccessKeyParameterName))?.version).toBe(1);
  });

  test.each(['retain', 'destroy'] as const)(
    'renaming both parameters under %s writes new keys, and the old pair goes only under destroy',
    async (removalPolicy) => {
      const oldProps = generatedProps(uniquePrefix('cred'), removalPolicy);
      const newProps = generatedProps(uniquePrefix('cred'), removalPolicy);
      const created = await handler(cfnEvent('Create', oldProps));
      const oldSecret = await readParameter(ssm, oldProps.SecretKeyParameterName);

      const updated = await handler(cfnEvent('Update', newProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps }));
      expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
      expect(updated.Data!.SecretKeyParameterName).toBe(newProps.SecretKeyParameterName);
      const newSecret = await readParameter(ssm, newProps.SecretKeyParameterName);
      expect(newSecret!.value).not.toBe(oldSecret!.value);

      // CloudFormation then deletes the replaced resource, with its old properties.
      await handler(cfnEvent('Delete', oldProps, { physicalResourceId: created.PhysicalResourceId }));
      const old = await readParameter(ssm, oldProps.SecretKeyParameterName);
      expect(old).toEqual(removalPolicy === 'destroy' ? undefined : oldSecret);
      expect(await readParameter(ssm, newProps.SecretKeyParameterName)).toEqual(newSecret);
      expect(await readParameter(ssm, newProps.AccessKeyParameterName)).toBeDefined();
    },
  );

  test('renaming only one parameter under destroy is refused before anything is written, and the rollback Update then succeeds', async () => {
    const prefix = uniquePrefix('cred');
    const oldProps = generatedProps(prefix, 'destroy');
    const newProps = { ...oldProps, SecretKeyParameterName: `${prefix}/secret-key-2` };
    const created = await handler(cfnEvent('Create', oldProps));
    const before = [await readParameter(ssm, oldProps.AccessKeyParameterName), await readParameter(ssm, oldProps.SecretKeyParameterName)];
    const error = await failureOf(() => handler(cfnEvent('Update', newProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps })));
    expect(error.message).toMatch(/keep .*access-key.*removal policy destroy.*Fix: rename both parameters/);
    expect(await readParameter(ssm, newProps.SecretKeyParameterName)).toBeUndefined();

    // CloudFormation rolls back with the property sets swapped and the physical id unchanged.
    const rolledBack = await handler(cfnEvent('Update', oldProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: newProps }));
    expect(rolledBack).toEqual(created);
    expect([await readParameter(ssm, oldProps.AccessKeyParameterName), await readParameter(ssm, oldProps.SecretKeyParameterName)]).toEqual(before);
    expect(await readParameter(ssm, newProps.SecretKeyParameterName)).toBeUndefined();
  });

  test('swapping the two names under destroy is refused, and the rollback Update then succeeds', async () => {
    const oldProps = generatedProps(uniquePrefix('cred'), 'destroy');
    const swapped = { ...oldProps, AccessKeyParameterName: oldProps.SecretKeyParameterName, SecretKeyParameterName: oldProps.AccessKeyParameterName };
    const created = await handler(cfnEvent('Create', oldProps));
    const error = await failureOf(() => handler(cfnEvent('Update', swapped, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps })));
    expect((error as InputError).input).toBe('AccessKeyParameterName/SecretKeyParameterName');
    await expect(handler(cfnEvent('Update', oldProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: swapped }))).resolves.toEqual(created);
  });

  describe('a KMS key change for generated parameters that exist', () => {
    const oldKey = 'alias/team-minio';
    const newKey = 'alias/team-minio-2';

    async function createUnder(kmsKeyId: string | undefined) {
      const props = generatedProps(uniquePrefix('cred'), 'retain', kmsKeyId === undefined ? {} : { KmsKeyId: kmsKeyId });
      const created = await handler(cfnEvent('Create', props));
      const stored = async () => [await readParameter(ssm, props.AccessKeyParameterName), await readParameter(ssm, props.SecretKeyParameterName)];
      return { props, created, stored, before: await stored() };
    }

    test('is refused naming KmsKeyId and no value, and the swapped rollback Update then succeeds and changes nothing', async () => {
      const { props: oldProps, created, stored, before } = await createUnder(oldKey);
      const newProps = { ...oldProps, KmsKeyId: newKey };
      const error = await failureOf(() => handler(cfnEvent('Update', newProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps })));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe('KmsKeyId');
      expect(error.message).toMatch(
        new RegExp(
          `^KmsKeyId: the generated parameter ${oldProps.AccessKeyParameterName} already exists encrypted under ${oldKey}, not the requested ${newKey}, .*\\. Fix: keep the old key .*new parameterPrefix`,
        ),
      );
      expect(await stored()).toEqual(before);

      const rolledBack = await handler(cfnEvent('Update', oldProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: newProps }));
      expect(rolledBack).toEqual(created);
      expect(await stored()).toEqual(before);
    });

    test('from the default key (KmsKeyId omitted) is refused the same way', async () => {
      const { props: oldProps, created, stored, before } = await createUnder(undefined);
      const error = await failureOf(() =>
        handler(cfnEvent('Update', { ...oldProps, KmsKeyId: newKey }, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps })),
      );
      expect(error.message).toMatch(/^KmsKeyId: .* encrypted under alias\/aws\/ssm, not the requested alias\/team-minio-2/);
      expect(await stored()).toEqual(before);
    });

    test('succeeds after both parameters were re-encrypted under the new key by hand, keeping the values', async () => {
      const { props: oldProps, created, before } = await createUnder(oldKey);
      for (const [name, parameter] of [
        [oldProps.AccessKeyParameterName, before[0]],
        [oldProps.SecretKeyParameterName, before[1]],
      ] as const) {
        await ssm.send(new PutParameterCommand({ Name: name, Value: parameter!.value, Type: 'SecureString', KeyId: newKey, Overwrite: true }));
      }
      const newProps = { ...oldProps, KmsKeyId: newKey };
      const updated = await handler(cfnEvent('Update', newProps, { physicalResourceId: created.PhysicalResourceId, oldProperties: oldProps }));
      expect(updated).toEqual({
        PhysicalResourceId: created.PhysicalResourceId,
        Data: { ...created.Data, AccessKeyParameterVersion: '2', SecretKeyParameterVersion: '2' },
      });
      const access = await readParameter(ssm, oldProps.AccessKeyParameterName);
      const secret = await readParameter(ssm, oldProps.SecretKeyParameterName);
      expect(access).toMatchObject({ value: before[0]!.value, version: 2, keyId: newKey });
      expect(secret).toMatchObject({ value: before[1]!.value, version: 2, keyId: newKey });
    });

    test('a Create that finds a half-written parameter under another key refuses before writing the missing one', async () => {
      const props = generatedProps(uniquePrefix('cred'), 'retain', { KmsKeyId: newKey });
      await ssm.send(new PutParameterCommand({ Name: props.AccessKeyParameterName, Value: 'HALFWRITTENACCESSKEY', Type: 'SecureString', KeyId: oldKey }));
      const error = await failureOf(() => handler(cfnEvent('Create', props)));
      expect((error as InputError).input).toBe('KmsKeyId');
      expect(await readParameter(ssm, props.SecretKeyParameterName)).toBeUndefined();
    });
  });
});

describe('existing credentials', () => {
  async function putUserParameters(prefix: string, type: 'SecureString' | 'String' = 'SecureString') {
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/access-key`, Value: 'USERACCESSKEY0001', Type: type }));
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/secret-key`, Value: 'user-secret-value-0001', Type: type }));
  }

  function existingProps(prefix: string, removalPolicy: 'retain' | 'destroy' = 'destroy') {
    return { ...generatedProps(prefix, removalPolicy), Mode: 'existing' };
  }

  test('Create verifies the user parameters, writes nothing, and returns their versions', async () => {
    const prefix = uniquePrefix('cred');
    await putUserParameters(prefix);
    const response = await handler(cfnEvent('Create', existingProps(prefix)));
    expect(response.Data).toMatchObject({ AccessKeyParameterVersion: '1', SecretKeyParameterVersion: '1' });
    expect(await readParameter(ssm, `${prefix}/secret-key`)).toMatchObject({ value: 'user-secret-value-0001', version: 1 });
  });

  test('a missing parameter fails with an error naming it and the fix', async () => {
    const prefix = uniquePrefix('cred');
    await ssm.send(new PutParameterCommand({ Name: `${prefix}/access-key`, Value: 'USERACCESSKEY0001', Type: 'SecureString' }));
    const error = await failureOf(() => handler(cfnEvent('Create', existingProps(prefix))));
    expect(error.message).toBe(
      `SecretKeyParameterName: SSM parameter ${prefix}/secret-key does not exist. ` +
        `Fix: create ${prefix}/secret-key as a SecureString before deploying, or correct the name`,
    );
    expect(await readParameter(ssm, `${prefix}/secret-key`)).toBeUndefined();
  });

  test('a plain String parameter is refused without printing its value', async () => {
    const prefix = uniquePrefix('cred');
    await putUserParameters(prefix, 'String');
    const error = await failureOf(() => handler(cfnEvent('Create', existingProps(prefix))));
    expect(error.message).toMatch(new RegExp(`^AccessKeyParameterName: SSM parameter ${prefix}/access-key is a String, not a SecureString`));
    expect(error.message).not.toContain('USERACCESSKEY0001');
  });

  test('Delete never deletes user parameters, even with removal policy destroy', async () => {
    const prefix = uniquePrefix('cred');
    await putUserParameters(prefix);
    const created = await handler(cfnEvent('Create', existingProps(prefix, 'destroy')));
    await handler(cfnEvent('Delete', existingProps(prefix, 'destroy'), { physicalResourceId: created.PhysicalResourceId }));
    expect((await readParameter(ssm, `${prefix}/access-key`))?.value).toBe('USERACCESSKEY0001');
    expect((await readParameter(ssm, `${prefix}/secret-key`))?.value).toBe('user-secret-value-0001');
  });
});

describe('secrets stay out of logs, responses and errors', () => {
  test('the generated keys appear in no output and no response of a Create, a repeat, an Update and a Delete', async () => {
    const props = generatedProps(uniquePrefix('cred'), 'destroy');
    const output = captureOutput();
    const responses: unknown[] = [];
    try {
      const created = await handler(cfnEvent('Create', props));
      responses.push(created, await handler(cfnEvent('Create', props)));
      responses.push(await handler(cfnEvent('Update', props, { physicalResourceId: created.PhysicalResourceId, oldProperties: props })));
      const secret = (await readParameter(ssm, props.SecretKeyParameterName))!.value;
      const access = (await readParameter(ssm, props.AccessKeyParameterName))!.value;
      responses.push(await handler(cfnEvent('Delete', props, { physicalResourceId: created.PhysicalResourceId })));

      const everything = `${output.text()}\n${JSON.stringify(responses)}`;
      expect(output.text()).toContain(props.SecretKeyParameterName); // the capture did see the handler's log lines
      expect(secret).toHaveLength(40);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(access);
    } finally {
      output.restore();
    }
  });
});
