import { parseCommandArguments, reportUsageError } from '../../lib/cli/cli-arguments';
import { EXIT_USAGE } from '../../lib/cli/cli-command';
import { InputError } from '../../lib/core/input-error';

/*
 * The argument parsing every subcommand shares, on a made-up command; the command suites pin an
 * unknown long option's name through render and doctor.
 */
const OPTIONS = {
  bucket: { type: 'string', short: 'b' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const USAGE = 'usage: alluxio-minio probe --bucket NAME';
const SECRET = 'hunter2-Secret';

function parse(args: string[], describeParseErrors = true) {
  const out = { stdout: '', stderr: '' };
  const result = parseCommandArguments({ name: 'probe', options: OPTIONS, usage: USAGE, describeParseErrors }, args, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
  });
  return { result, ...out };
}

describe('parseCommandArguments', () => {
  test('flags parse to values and nothing is printed', () => {
    expect(parse(['-b', 'datalake', '--verbose'])).toEqual({ result: { values: { bucket: 'datalake', verbose: true } }, stdout: '', stderr: '' });
  });

  test('-h prints the usage alone to stdout and exits 0', () => {
    expect(parse(['-b', 'datalake', '-h'])).toEqual({ result: { exitCode: 0 }, stdout: USAGE, stderr: '' });
  });

  test('a bad argument beside --help is still a usage error: the list is parsed before help is looked at', () => {
    const out = parse(['--help', 'stray']);
    expect(out.result).toEqual({ exitCode: EXIT_USAGE });
    expect(out.stdout).toBe('');
  });

  test.each([
    [['-x', SECRET], "unknown option '-x' (see the list below)"],
    // A known short flag before it is passed over: the unknown one is named.
    [['-b', 'datalake', '--nope'], "unknown option '--nope' (see the list below)"],
    [['--bucket'], 'an option is missing its value, or a flag was given a value'],
    [[`--verbose=${SECRET}`], 'an option is missing its value, or a flag was given a value'],
    // A value that starts with a dash reads as a missing one, and is not echoed either.
    [['--bucket', `-${SECRET}`], 'an option is missing its value, or a flag was given a value'],
    [[SECRET], 'unexpected argument: every input is given as --option value'],
  ])('%j: the kind of mistake, then the usage, on stderr and without the value', (args, problem) => {
    const out = parse(args);
    expect(out.result).toEqual({ exitCode: EXIT_USAGE });
    expect(out.stderr).toBe(`alluxio-minio probe: ${problem}\n\n${USAGE}`);
  });

  test('a command that does not describe its errors names neither the kind nor the option', () => {
    expect(parse(['--nope']).stderr).toContain("unknown option '--nope'");
    const out = parse(['--nope'], false);
    expect(out.stderr).toBe(`alluxio-minio probe: invalid arguments (unknown option, missing value or stray argument)\n\n${USAGE}`);
  });
});

describe('reportUsageError', () => {
  function report(error: InputError): { code: number; stderr: string } {
    let stderr = '';
    const code = reportUsageError('render', error, { stdout: () => undefined, stderr: (text) => (stderr += text) });
    return { code, stderr };
  }

  test.each([
    ['cluster.clientDefaults.writeType', '--write-type'],
    ['cluster.clientDefaults.metadataSyncInterval', '--metadata-sync-interval'],
    ['minio.region', '--region'],
    ['extraProperties["alluxio.user.block.size.bytes.default"]', '--property'],
  ])("the core's %s is reported as the flag %s, the core's sentence in brackets", (input, flag) => {
    const error = new InputError(input, 'is wrong', 'change it');
    expect(report(error)).toEqual({ code: EXIT_USAGE, stderr: `alluxio-minio render: ${flag} (${input}: is wrong. Fix: change it)\n` });
  });

  test('an input no flag stands for (an environment variable) is reported as the core wrote it', () => {
    const error = new InputError('s3a.secretKey', 'is empty', 'set MINIO_SECRET_KEY');
    expect(report(error).stderr).toBe('alluxio-minio render: s3a.secretKey: is empty. Fix: set MINIO_SECRET_KEY\n');
  });
});
