const MAX_UID = 0xffffffff;

/** A message id of an IMAP side is its UID in decimal; anything else is a caller bug. */
export function parseUid(id: string): number {
  const uid = /^[1-9][0-9]{0,9}$/.test(id) ? Number(id) : NaN;
  if (!(uid <= MAX_UID)) throw new Error(`"${id}" is not an IMAP UID`);
  return uid;
}

/**
 * UID sets (`3:7,9`) covering the given UIDs, each with at most `perSet` UIDs so command lines
 * stay short however scattered the UIDs are.
 */
export function uidSets(uids: Iterable<number>, perSet = 500): string[] {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const sets: string[] = [];
  for (let i = 0; i < sorted.length; i += perSet) sets.push(packRange(sorted.slice(i, i + perSet)));
  return sets;
}

function packRange(sorted: number[]): string {
  const parts: string[] = [];
  let start = sorted[0];
  let end = start;
  for (const uid of sorted.slice(1)) {
    if (start !== undefined && end !== undefined && uid === end + 1) {
      end = uid;
      continue;
    }
    parts.push(start === end ? `${start}` : `${start}:${end}`);
    start = uid;
    end = uid;
  }
  if (start !== undefined) parts.push(start === end ? `${start}` : `${start}:${end}`);
  return parts.join(',');
}
