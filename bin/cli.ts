#!/usr/bin/env node
import { runCli } from '../lib/cli/run-cli';

runCli(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Only the message: a stack or an SDK error object could carry request details.
    process.stderr.write(`alluxio-minio: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
