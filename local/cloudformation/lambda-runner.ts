import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A Lambda invocation on this machine: the function's bundled code (the asset CDK staged from
 * lambda-dist, byte for byte what Lambda runs), in a fresh Node.js process, with the function's own
 * environment variables from the template and the AWS endpoints of the sandbox. The handler's console
 * output is the invocation's log; its return value or thrown error is the result.
 */

export interface LambdaFunction {
  /** The staged asset folder holding index.js. */
  readonly codeDir: string;
  /** `index.handler`, `index.onEvent`, ... */
  readonly handler: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
}

export type Invocation =
  { readonly ok: true; readonly result: any; readonly log: string } | { readonly ok: false; readonly error: string; readonly log: string };

/**
 * What Lambda's Invoke API answers for an invocation (RequestResponse): the function's result as the
 * JSON payload, or, when it threw, FunctionError with the error's message in the payload.
 */
export function invokeResponse(invocation: Invocation): { StatusCode: number; FunctionError?: string; Payload: string } {
  if (invocation.ok) return { StatusCode: 200, Payload: JSON.stringify(invocation.result) };
  return { StatusCode: 200, FunctionError: 'Unhandled', Payload: JSON.stringify({ errorType: 'Error', errorMessage: invocation.error }) };
}

// Runs in the child: loads the module, calls the export with the event and a Lambda-like context,
// and writes the outcome to the file named by the parent (stdout stays the function's log).
const RUNNER = `
const { writeFileSync, readFileSync } = require('node:fs');
const [codeFile, exportName, eventFile, resultFile, deadline] = process.argv.slice(1);
const context = { getRemainingTimeInMillis: () => Number(deadline) - Date.now(), functionName: 'local' };
Promise.resolve()
  .then(() => require(codeFile)[exportName](JSON.parse(readFileSync(eventFile, 'utf8')), context))
  .then(
    (result) => writeFileSync(resultFile, JSON.stringify({ ok: true, result: result === undefined ? null : result })),
    (error) => writeFileSync(resultFile, JSON.stringify({ ok: false, error: (error && error.message) || String(error) })),
  );
`;

/** Invokes `fn` with `event`; `baseEnvironment` (endpoints, region, credentials) under the function's own variables. */
/** The preload that resolves the local ECS's Cloud Map names (LOCAL_HOSTS_FILE) inside a function. */
const HOSTS_RESOLVER = join(__dirname, '..', 'network', 'hosts-resolver.js');

export async function invokeLambda(fn: LambdaFunction, event: unknown, baseEnvironment: Record<string, string>): Promise<Invocation> {
  const [file, exportName] = fn.handler.split('.');
  const work = mkdtempSync(join(tmpdir(), 'local-lambda-'));
  const eventFile = join(work, 'event.json');
  const resultFile = join(work, 'result.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  try {
    const log = await new Promise<string>((resolve) => {
      const preload = baseEnvironment.LOCAL_HOSTS_FILE ? ['-r', HOSTS_RESOLVER] : [];
      const child = spawn(process.execPath, [...preload, '-e', RUNNER, join(fn.codeDir, `${file}.js`), exportName, eventFile, resultFile, String(deadline)], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...baseEnvironment, ...fn.environment },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Lambda ends an invocation at its timeout.
        timeout: fn.timeoutSeconds * 1000,
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('close', () => resolve(output));
    });
    let outcome: { ok: boolean; result?: unknown; error?: string };
    try {
      outcome = JSON.parse(readFileSync(resultFile, 'utf8'));
    } catch {
      return { ok: false, error: `the function ended without a result (timed out after ${fn.timeoutSeconds} s, or crashed)`, log };
    }
    return outcome.ok ? { ok: true, result: outcome.result, log } : { ok: false, error: outcome.error ?? 'unknown error', log };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
