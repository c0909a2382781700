#!/usr/bin/env node
import { runCli } from '../lib/cli/run-cli';

// The SDK warns on every Node.js below 22 about support ending in 2027; on a diagnostic tool's stderr
// that warning would sit above every report. Users who want it can set the variable to 'false'.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
