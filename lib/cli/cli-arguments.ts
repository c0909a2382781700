import { parseArgs, ParseArgsConfig } from 'node:util';
import { InputError } from '../core/input-error';
import { CliIo, EXIT_USAGE } from './cli-command';

/** A subcommand's flags; every subcommand has -h/--help. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']> & { readonly help: { readonly type: 'boolean'; readonly short: 'h' } };

export type CommandValues<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

export interface CommandSpec<O extends CommandOptions> {
  /** The subcommand's name: every message starts with `alluxio-minio <name>: `. */
  readonly name: string;
  readonly options: O;
  readonly usage: string;
  /** Say which kind of mistake made the arguments unparsable (and the unknown option's name), not only that they were. */
  readonly describeParseErrors?: boolean;
}

/** The parsed flags, or the exit code the command returns at once (after --help, or a parse error). */
export type ParsedCommandArguments<O extends CommandOptions> = { readonly values: CommandValues<O> } | { readonly exitCode: number };

/**
 * Parses a subcommand's arguments strictly (no positionals). --help prints the usage to stdout and
 * exits 0; an unparsable argument list prints what is wrong and the usage to stderr and exits
 * EXIT_USAGE.
 */
export function parseCommandArguments<O extends CommandOptions>(spec: CommandSpec<O>, args: string[], io: CliIo): ParsedCommandArguments<O> {
  let values: CommandValues<O>;
  try {
    ({ values } = parseArgs({ args, options: spec.options, strict: true, allowPositionals: false }));
  } catch (err) {
    // parseArgs messages quote the offending argument, which could be a mistyped secret: never repeat them.
    const problem = spec.describeParseErrors
      ? describeParseError((err as { code?: string }).code ?? 'ERR_PARSE_ARGS', args, spec.options)
      : 'invalid arguments (unknown option, missing value or stray argument)';
    io.stderr(`alluxio-minio ${spec.name}: ${problem}\n\n${spec.usage}`);
    return { exitCode: EXIT_USAGE };
  }
  if ((values as { help?: boolean }).help) {
    io.stdout(spec.usage);
    return { exitCode: 0 };
  }
  return { values };
}

function describeParseError(code: string, args: string[], options: CommandOptions): string {
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      // The option's name only: in '--name=value' the value is dropped.
      const unknown = args.find((arg) => arg.startsWith('-') && !isKnownOption(arg.replace(/^-+/, '').split('=')[0], options));
      return `unknown option ${unknown === undefined ? '' : `'${unknown.split('=')[0]}' `}(see the list below)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return 'an option is missing its value, or a flag was given a value';
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument: every input is given as --option value';
    default:
      return 'invalid arguments';
  }
}

function isKnownOption(name: string, options: CommandOptions): boolean {
  return name in options || Object.values(options).some((option) => option.short === name);
}

/** Flags the core's input names correspond to, so a CLI user reads the flag they typed. */
const FLAG_FOR_INPUT: Record<string, string> = {
  'minio.endpoint': '--endpoint',
  'minio.bucket': '--bucket',
  'minio.directory': '--directory',
  'minio.region': '--region',
  'alluxio.version': '--alluxio-version',
  'cluster.clientDefaults.writeType': '--write-type',
  'cluster.clientDefaults.metadataSyncInterval': '--metadata-sync-interval',
};

/** Prints an input error as a usage error (naming the flag when the core named its own input) and returns EXIT_USAGE. */
export function reportUsageError(command: string, error: InputError, io: CliIo): number {
  const flag = FLAG_FOR_INPUT[error.input] ?? (error.input.startsWith('extraProperties[') ? '--property' : undefined);
  io.stderr(`alluxio-minio ${command}: ${flag ? `${flag} (${error.message})` : error.message}\n`);
  return EXIT_USAGE;
}
