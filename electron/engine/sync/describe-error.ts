import { redactSecrets } from '../secrets.js';

/** One line a user can act on, never carrying a password. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redactSecrets(text.split('\n')[0] ?? text).trim() || 'unknown error';
}
