/**
 * Fails when any of `secrets` appears in `output`: a text, or a command's stdout and stderr (each
 * searched on its own).
 */
export function expectNoSecret(output: string | { readonly stdout: string; readonly stderr: string }, secrets: readonly string[]): void {
  const texts = typeof output === 'string' ? [output] : [output.stdout, output.stderr];
  for (const secret of secrets) {
    for (const text of texts) expect(text).not.toContain(secret);
  }
}
