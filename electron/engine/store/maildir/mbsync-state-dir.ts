import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readMbsyncState, type MbsyncState } from './mbsync-state.js';

/**
 * mbsync's state kept outside the Maildir (`SyncState ~/.mbsync/`, its default; isync 1.5
 * defaults to `$XDG_STATE_HOME/isync/`): one file per channel box, named
 * `:<far store>:<far box>_:<near store>:<near box>` with each `/` of a box written as `!`
 * (isync 1.4.4: `:r:Archive!2024_:l:Archive!2024`). Store names cannot hold `:`.
 */
export function mbsyncStateFileName(name: string, nearBox: string): boolean {
  const tail = `:${nearBox.replaceAll('/', '!')}`;
  return name.endsWith(tail) && /^:[^:]*:.*_:[^:]*$/s.test(name.slice(0, -tail.length));
}

/**
 * The state for the Maildir folder mbsync calls `nearBox` (the folder's name as mbsync spells
 * it), from the SyncState directory. Several channels may keep a box of that name (one per
 * account); only states that count under this folder's `.uidvalidity` are candidates, and
 * when more than one is, none is trusted.
 */
export async function readMbsyncStateDir(stateDir: string, nearBox: string, folderDir: string): Promise<MbsyncState | null> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const found: MbsyncState[] = [];
  for (const name of names.filter((n) => mbsyncStateFileName(n, nearBox))) {
    const state = await readMbsyncState(folderDir, join(stateDir, name));
    if (state !== null) found.push(state);
  }
  return found.length === 1 ? found[0]! : null;
}
