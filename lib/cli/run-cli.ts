import { CliCommand, CliIo, EXIT_USAGE } from './cli-command';

const USAGE = `usage: alluxio-minio <command> [options]

commands:
  render   print the alluxio-site.properties this library would deploy (secrets masked)
  doctor   check a MinIO endpoint (and optionally an Alluxio master) for the guide's failure modes
  rotate   write a new MinIO key pair to SSM and follow the rotation to its outcome
  status   show the key parameters' versions, the last-known-good label and the last rotation;
           with --cluster, the running cluster's workers, cache and hit ratio

Run 'alluxio-minio <command> --help' for a command's options.
`;

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

// Loaded on demand so `render` never pays for the S3 client that `doctor` needs.
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  render: async () => (await import('./render-command')).renderCommand,
  doctor: async () => (await import('./doctor-command')).doctorCommand,
  rotate: async () => (await import('./rotate-command')).rotateCommand,
  status: async () => (await import('./status-command')).statusCommand,
};

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`alluxio-minio: unknown command '${name}'\n${USAGE}`);
    return EXIT_USAGE;
  }
  return (await load())(rest, env, io);
}
