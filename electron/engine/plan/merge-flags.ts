import { normalizeFlags } from '../../../shared/flags.js';

/**
 * Three-way merge of flag sets, decided per flag: a flag whose presence differs between the
 * two sides takes the value of the side that changed it since the base. Both sides changing
 * the same flag always agree (there are only two values), so this never conflicts:
 * local +\Seen and remote +\Answered give both; local -\Seen and remote +\Flagged give \Flagged.
 */
export function mergeFlags(base: readonly string[], remote: readonly string[], local: readonly string[]): string[] {
  const b = new Set(base);
  const r = new Set(remote);
  const l = new Set(local);
  const out: string[] = [];
  for (const f of new Set([...base, ...remote, ...local])) {
    const inR = r.has(f);
    const inL = l.has(f);
    if (inR === inL ? inR : inR !== b.has(f) ? inR : inL) out.push(f);
  }
  return normalizeFlags(out);
}

/** Applies only the changes `changed` made relative to `base` on top of `target` (one-way sync). */
export function applyFlagChanges(base: readonly string[], changed: readonly string[], target: readonly string[]): string[] {
  const b = new Set(base);
  const c = new Set(changed);
  const out = new Set(target);
  for (const f of c) if (!b.has(f)) out.add(f);
  for (const f of b) if (!c.has(f)) out.delete(f);
  return normalizeFlags(out);
}

/** Flags that count as "the user changed this message" when deciding delete-vs-change. */
export function meaningfulFlagChange(base: readonly string[], now: readonly string[]): boolean {
  // \Deleted is how a delete is carried out on IMAP (a crash can leave it set before the
  // expunge); it is not a reason to keep a message the other side deleted.
  const strip = (fs: readonly string[]) => fs.filter((f) => f !== '\\Deleted').join(' ');
  return strip(base) !== strip(now);
}

export function flagDelta(from: readonly string[], to: readonly string[]): { add: string[]; remove: string[] } {
  const f = new Set(from);
  const t = new Set(to);
  return { add: to.filter((x) => !f.has(x)), remove: from.filter((x) => !t.has(x)) };
}
