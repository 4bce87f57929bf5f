/**
 * Every password the process has resolved, so that any text leaving the engine (log lines,
 * error messages, --json output) can be scrubbed of them as a last line of defence.
 */
const secrets = new Set<string>();

export function registerSecret(secret: string): void {
  // Very short secrets would redact ordinary words; they are still never printed on purpose.
  if (secret.length >= 4) secrets.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('********');
  return out;
}
