/**
 * An input that cannot work, named together with the fix.
 *
 * One error type for every validation rule so the construct (synth time), the handlers
 * (deploy time) and the CLI (exit 2) all print the same sentence for the same mistake.
 * The message never carries an input's value when that input is a secret: callers pass
 * the name of the input, never the value.
 */
export class InputError extends Error {
  /** The prop, flag or property that is wrong, e.g. `minio.bucket` or `alluxio.underfs.s3.endpoint`. */
  public readonly input: string;
  /** What to change so that it works. */
  public readonly fix: string;

  constructor(input: string, problem: string, fix: string) {
    super(`${input}: ${problem}. Fix: ${fix}`);
    this.name = 'InputError';
    this.input = input;
    this.fix = fix;
  }
}
