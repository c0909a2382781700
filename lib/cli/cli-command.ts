/**
 * What every subcommand is, apart from the dispatcher (run-cli.ts) that loads them: the commands import
 * this, and run-cli imports the commands, so neither imports the other back.
 */

/** Writers the commands print to; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** One subcommand: its arguments after the name, the environment, and where to print. Returns the exit code. */
export type CliCommand = (args: string[], env: NodeJS.ProcessEnv, io: CliIo) => Promise<number>;

/** Exit code for a usage or input error (a secret is never part of its message). */
export const EXIT_USAGE = 2;
