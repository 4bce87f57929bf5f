import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What mbsync recorded for one Maildir folder with `SyncState *`: its sync state
 * `.mbsyncstate` pairs each server ("far") UID with the UID mbsync gave the file (the `,U=` in
 * its name), counted under the folder's own UIDVALIDITY in `.uidvalidity`.
 */
export interface MbsyncState {
  farUidValidity: string;
  nearUidValidity: string;
  /** Pairs with a message on both sides; placeholders, expired and skipped entries are left out. */
  pairs: { far: number; near: number }[];
}

const STATE_FILE = '.mbsyncstate';

/**
 * Parses a sync state file (mbsync 1.4+, the Master/Slave names before it, and the one-line
 * header before 1.1). Null when anything in it is not as mbsync writes it.
 */
export function parseMbsyncState(text: string): MbsyncState | null {
  const lines = text.split('\n');
  if (lines.pop() !== '') return null; // mbsync ends every line; a torn file proves nothing
  const header: Record<string, string> = {};
  let i = 0;
  const legacy = /^(\d+):\d+ (\d+):\d+:\d+$/.exec(lines[0] ?? '');
  if (legacy) {
    header.FarUidValidity = legacy[1]!;
    header.NearUidValidity = legacy[2]!;
    i = 1;
  } else {
    for (; i < lines.length && lines[i] !== ''; i++) {
      const m = /^([A-Za-z]+) (\d+)$/.exec(lines[i]!);
      if (!m || !HEADER_KEYS.has(m[1]!)) return null;
      header[m[1]!.replace(/^Master/, 'Far').replace(/^Slave/, 'Near')] = m[2]!;
    }
    if (i === lines.length) return null;
    i++;
  }
  const far = header.FarUidValidity;
  const near = header.NearUidValidity;
  if (far === undefined || near === undefined) return null;
  const pairs: MbsyncState['pairs'] = [];
  for (; i < lines.length; i++) {
    const m = /^(\d+) (\d+) ?(\S*)$/.exec(lines[i]!);
    if (!m) return null;
    // `<`/`>`: a placeholder on one side (MaxSize), `^`/`~`/`X`: skipped or expired.
    if (/^[<>^~X]/.test(m[3]!)) continue;
    const pair = { far: Number(m[1]), near: Number(m[2]) };
    if (pair.far > 0 && pair.near > 0) pairs.push(pair);
  }
  return { farUidValidity: canonical(far), nearUidValidity: canonical(near), pairs: oneToOne(pairs) };
}

/** A UID in two entries says nothing for sure about either: both are left out. */
function oneToOne(pairs: MbsyncState['pairs']): MbsyncState['pairs'] {
  const seen = new Map<string, number>();
  for (const p of pairs) for (const k of [`f${p.far}`, `n${p.near}`]) seen.set(k, (seen.get(k) ?? 0) + 1);
  return pairs.filter((p) => seen.get(`f${p.far}`) === 1 && seen.get(`n${p.near}`) === 1);
}

const HEADER_KEYS = new Set([
  'FarUidValidity',
  'NearUidValidity',
  'MasterUidValidity',
  'SlaveUidValidity',
  'MaxPulledUid',
  'MaxPushedUid',
  'MaxExpiredFarUid',
  'MaxExpiredMasterUid',
  'MaxExpiredSlaveUid',
]);

/** The UIDVALIDITY in mbsync's `.uidvalidity` (first line; the second is its next UID), or null. */
export function parseUidValidityFile(text: string): string | null {
  const m = /^(\d+)\n\d+\n$/.exec(text);
  return m ? canonical(m[1]!) : null;
}

/**
 * The folder's mbsync records, when they can be trusted: the state exists, no interrupted run
 * left a journal beside it, and it counts under the UIDVALIDITY the folder's names use now.
 * The state is `.mbsyncstate` in the folder (`SyncState *`) unless `stateFile` names another.
 */
export async function readMbsyncState(folderDir: string, stateFile: string = join(folderDir, STATE_FILE)): Promise<MbsyncState | null> {
  const state = await readOrNull(stateFile);
  if (state === null) return null;
  for (const pending of ['.journal', '.new']) {
    if (await stat(stateFile + pending).then(() => true, () => false)) return null;
  }
  const parsed = parseMbsyncState(state);
  const uidValidity = await readOrNull(join(folderDir, '.uidvalidity'));
  if (parsed === null || uidValidity === null || parseUidValidityFile(uidValidity) !== parsed.nearUidValidity) return null;
  return parsed;
}

/** Unreadable records (missing, a directory, no permission) are no records. */
export async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code === 'string') return null;
    throw err;
  }
}

function canonical(decimal: string): string {
  return BigInt(decimal).toString();
}
