import { runCli } from '../../lib/cli/run-cli';

/** What one in-process run of the `alluxio-minio` binary printed, and its exit code. */
export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `alluxio-minio <args>` in-process with `env` as its whole environment and captures what it prints. */
export async function runCommand(args: string[], env: NodeJS.ProcessEnv): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, env, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
