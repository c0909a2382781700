import { execFile } from 'node:child_process';
import { loadSandbox } from './sandbox';

/** One cfn-lint match, reduced to what a test reports. */
export interface CfnLintFinding {
  /** `Error`, `Warning` or `Informational`. */
  readonly level: string;
  /** Rule id such as E3002 or W2001. */
  readonly rule: string;
  readonly message: string;
  /** Where in the template: the JSON path, e.g. `Resources/Cluster/Properties`. */
  readonly path: string;
}

interface RawMatch {
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location?: { Path?: Array<string | number> | null };
}

/**
 * Lints one template with the sandbox's pinned cfn-lint and returns every finding. Runs with
 * `--format json` so the result is data, and never throws on findings (only when cfn-lint itself
 * cannot run or prints something that is not JSON).
 */
export function runCfnLint(templatePath: string, timeoutMs = 120_000): Promise<CfnLintFinding[]> {
  const cfnLint = loadSandbox().cfnLint;
  if (cfnLint === undefined) {
    throw new Error('cfn-lint is not installed: run npm run sandbox:up');
  }
  return new Promise((resolve, reject) => {
    execFile(
      cfnLint,
      ['--format', 'json', '--non-zero-exit-code', 'none', '--', templatePath],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`cfn-lint failed on ${templatePath}: ${error.message}\n${stderr}`));
          return;
        }
        let matches: RawMatch[];
        try {
          matches = JSON.parse(stdout) as RawMatch[];
        } catch {
          reject(new Error(`cfn-lint printed no JSON for ${templatePath}:\n${stdout}\n${stderr}`));
          return;
        }
        resolve(
          matches.map((m) => ({
            level: m.Level,
            rule: m.Rule.Id,
            message: m.Message,
            path: (m.Location?.Path ?? []).join('/'),
          })),
        );
      },
    );
  });
}

/** Findings as one line each, for an assertion message that shows what is wrong. */
export function formatCfnLintFindings(findings: readonly CfnLintFinding[]): string {
  return findings.map((f) => `${f.level} ${f.rule} at ${f.path}: ${f.message}`).join('\n');
}
