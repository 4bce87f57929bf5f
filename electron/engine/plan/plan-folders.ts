import type { Direction } from '../../../shared/config.js';
import type { Side } from '../state/folder-state.js';
import { flows } from './folder-plan.js';

/** What to do with one folder name, decided from where it exists now and whether state knows it. */
export type FolderDecision =
  | { folder: string; action: 'sync' }
  | { folder: string; action: 'create'; on: Side }
  /** Existed at the last sync, now gone from `deletedOn`: removed on the other side only if empty. */
  | { folder: string; action: 'deleted'; deletedOn: Side }
  | { folder: string; action: 'forget' }
  | { folder: string; action: 'skip'; reason: string };

/**
 * Folder-level planning: the union of both sides' selected folders and the folders state knows.
 * A folder new on one side is created on the other; one that disappeared from a side after a
 * sync is handled by the caller, which deletes the other copy only when it holds no messages.
 */
export function planFolders(remote: readonly string[], local: readonly string[], known: readonly string[], direction: Direction): FolderDecision[] {
  const onRemote = new Set(remote);
  const onLocal = new Set(local);
  const inState = new Set(known);
  const names = [...new Set([...remote, ...local, ...known])].sort(folderOrder);
  return names.map((folder): FolderDecision => {
    const r = onRemote.has(folder);
    const l = onLocal.has(folder);
    if (r && l) return { folder, action: 'sync' };
    if (!r && !l) return { folder, action: 'forget' };
    const present: Side = r ? 'remote' : 'local';
    const missing: Side = r ? 'local' : 'remote';
    if (inState.has(folder)) return { folder, action: 'deleted', deletedOn: missing };
    if (!flows(direction, present)) return { folder, action: 'skip', reason: `exists only on the ${present} side and direction is ${direction}` };
    return { folder, action: 'create', on: missing };
  });
}

/** INBOX first, then by name, so the folder people care most about is synced first. */
function folderOrder(a: string, b: string): number {
  if (a === 'INBOX') return b === 'INBOX' ? 0 : -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
