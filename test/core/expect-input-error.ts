import { InputError } from '../../lib/core/input-error';

/** Runs `action`, expects an InputError for `input`, and returns it so a test can check problem and fix. */
export function expectInputError(action: () => unknown, input: string): InputError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof InputError)) {
    throw new Error(`expected an InputError for ${input}, got ${caught === undefined ? 'no error' : String(caught)}`);
  }
  expect(caught.input).toBe(input);
  expect(caught.message.startsWith(`${input}: `)).toBe(true);
  expect(caught.fix.length).toBeGreaterThan(10);
  expect(caught.message).toContain(`. Fix: ${caught.fix}`);
  expect(caught.message).not.toMatch(/[\r\n]/);
  return caught;
}
