/**
 * Message flags as the engine sees them: IMAP system flags spelled as in IMAP
 * (`\Seen`), keywords as the server spells them (`$Forwarded`, `NonJunk`).
 * `\Recent` is session state on the server and is never synced.
 */
export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export type SystemFlag = (typeof SYSTEM_FLAGS)[number];

const SYSTEM_BY_LOWER = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** Canonical spelling of one flag, or null for flags that are never synced. */
export function canonicalFlag(flag: string): string | null {
  if (flag.startsWith('\\')) {
    const lower = flag.toLowerCase();
    if (lower === '\\recent') return null;
    return SYSTEM_BY_LOWER.get(lower) ?? null;
  }
  return flag.length > 0 ? flag : null;
}

/** A sorted, de-duplicated, canonical flag list: the one form stored in state and compared. */
export function normalizeFlags(flags: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const f of flags) {
    const c = canonicalFlag(f);
    if (c !== null) out.add(c);
  }
  return [...out].sort();
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}
