/**
 * What to tell someone who asked for a folder (`mailferry sync --folder NAME`) that is not
 * there: the names they most likely meant, or, when nothing comes close, what there is.
 */

/** At most this many suggestions, and this many names listed when none comes close. */
const MAX_SUGGESTIONS = 3;
const MAX_LISTED = 8;

/**
 * The existing names closest to `wanted`, best first: the same name in another case, then the
 * same last level (`2024` for `Archive/2024`), then names within a small edit distance (about
 * one typo per three characters, ignoring case). Empty when nothing is close.
 */
export function closestNames(wanted: string, names: readonly string[]): string[] {
  const lower = wanted.toLowerCase();
  const scored: { name: string; rank: number; distance: number }[] = [];
  for (const name of new Set(names)) {
    if (name === wanted) continue;
    const candidate = name.toLowerCase();
    const leaf = candidate.slice(candidate.lastIndexOf('/') + 1);
    const limit = Math.max(1, Math.floor(lower.length / 3));
    if (candidate === lower) scored.push({ name, rank: 0, distance: 0 });
    else if (leaf === lower) scored.push({ name, rank: 1, distance: 0 });
    else {
      const distance = Math.min(editDistance(lower, candidate), editDistance(lower, leaf));
      if (distance <= limit) scored.push({ name, rank: 2, distance });
    }
  }
  scored.sort((a, b) => a.rank - b.rank || a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_SUGGESTIONS).map((s) => s.name);
}

/**
 * The error for a requested folder that will not be synced, e.g.
 * `no folder "inbox" on either side; did you mean "INBOX"?`.
 * `existing` is every folder on either side, `excluded` those the account's filter leaves out.
 */
export function unknownFolderError(wanted: string, existing: readonly string[], excluded: ReadonlySet<string>): string {
  if (excluded.has(wanted)) {
    return `folder "${wanted}" is left out by the account's folder filter (folders.include / folders.exclude in the config); change the filter to sync it`;
  }
  const head = `no folder "${wanted}" on either side (names are case-sensitive)`;
  const close = closestNames(wanted, existing);
  if (close.length > 0) return `${head}; did you mean ${orList(close.map((n) => JSON.stringify(n)))}?`;
  const sorted = [...new Set(existing)].sort((a, b) => a.localeCompare(b));
  if (sorted.length === 0) return `${head}; the account has no folders yet`;
  const listed = sorted.slice(0, MAX_LISTED).map((n) => JSON.stringify(n)).join(', ');
  const more = sorted.length > MAX_LISTED ? ` and ${sorted.length - MAX_LISTED} more` : '';
  return `${head}; the folders are ${listed}${more}`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Levenshtein distance over UTF-16 code units. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
