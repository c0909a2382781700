import { chooseParameterTier } from '../../lib/runtime/ssm-parameters';

describe('chooseParameterTier', () => {
  test.each([
    [1, undefined, 'Standard'],
    [4096, undefined, 'Standard'],
    [4097, undefined, 'Advanced'],
    [8192, 'Standard', 'Advanced'],
    [100, 'Advanced', 'Advanced'],
  ])('%d bytes (currently %s) -> %s', (bytes, current, expected) => {
    expect(chooseParameterTier(bytes, current, 'ExtraProperties', '/p/site-properties')).toBe(expected);
  });

  test('above 8192 bytes is refused with the size, the overshoot and what to shrink', () => {
    expect(() => chooseParameterTier(8200, undefined, 'ExtraProperties', '/p/site-properties')).toThrow(
      "ExtraProperties: the value for SSM parameter /p/site-properties is 8200 bytes, above SSM's 8192-byte limit for an advanced parameter. " +
        'Fix: shrink it by at least 8 bytes: remove or shorten extra properties (keys and values)',
    );
  });
});
