/**
 * What one sync pass did, per account and folder. Printed by `mailferry sync --json`, and the
 * payload the desktop app shows; every side types against this file.
 */
export interface EachWay {
  /** Towards the local replica. */
  toLocal: number;
  /** Towards the remote server. */
  toRemote: number;
}

/**
 * Work a pass meant to do and could not (a message the server refused, a file that could not
 * be read, a deletion the server cannot carry out alone). It is retried by every pass until
 * done, and while any is left the folder is 'incomplete': mail is on one side only.
 */
export interface PendingWork {
  /** Messages not copied, by the way they were to go: toRemote counts messages only on the local side. */
  copies: EachWay;
  /** Deletions not carried out, by the side still holding the message. */
  deletes: EachWay;
  /** What the server or the file system said, one line per distinct reason (at most a few). */
  reasons: string[];
}

export function emptyPendingWork(): PendingWork {
  return { copies: { toLocal: 0, toRemote: 0 }, deletes: { toLocal: 0, toRemote: 0 }, reasons: [] };
}

export function hasPendingWork(p: PendingWork): boolean {
  return p.copies.toLocal + p.copies.toRemote + p.deletes.toLocal + p.deletes.toRemote > 0;
}

/** In words, for a summary line, `status` and the app: "2 messages only on this computer (…)". */
export function describePendingWork(p: PendingWork, names: { local: string; remote: string } = { local: 'this computer', remote: 'the server' }): string {
  const parts: string[] = [];
  const n = (count: number, what: string) => `${count} message${count === 1 ? '' : 's'} ${what}`;
  if (p.copies.toRemote > 0) parts.push(n(p.copies.toRemote, `only on ${names.local}`));
  if (p.copies.toLocal > 0) parts.push(n(p.copies.toLocal, `only on ${names.remote}`));
  if (p.deletes.toRemote > 0) parts.push(n(p.deletes.toRemote, `deleted on ${names.local} but still on ${names.remote}`));
  if (p.deletes.toLocal > 0) parts.push(n(p.deletes.toLocal, `deleted on ${names.remote} but still on ${names.local}`));
  const why = p.reasons.length > 0 ? ` (${p.reasons.join('; ')})` : '';
  return `${parts.join(', ')}${why}; tried again at every sync`;
}

export interface FolderSummary {
  folder: string;
  /**
   * 'synced', 'unchanged' (fast path: nothing to do), 'incomplete' (synced, but some work could
   * not be done: see `pending`), 'failed', 'stopped' (safety check or conflict needing the
   * user), 'planned' (dry run).
   */
  outcome: 'synced' | 'unchanged' | 'incomplete' | 'failed' | 'stopped' | 'planned';
  copied: EachWay;
  bytes: EachWay;
  /** Messages deleted on a side because they were deleted on the other. */
  deleted: EachWay;
  /** Messages moved into this folder on a side because they were moved on the other (no transfer). */
  moved: EachWay;
  flagUpdates: EachWay;
  /** Messages found on both sides and paired by identity instead of being copied. */
  paired: number;
  /** Our own duplicates (from an interrupted upload) found and removed. */
  duplicatesRemoved: number;
  /** Messages that vanished between listing and copying (picked up next run if they return). */
  vanished: number;
  conflicts: number;
  /** What this pass could not carry out; counts are zero unless the outcome is 'incomplete'. */
  pending: PendingWork;
  /** Things the user should know that did not fail the folder (e.g. state rebuilt). */
  notes: string[];
  error: string | null;
}

export interface AccountSummary {
  account: string;
  /** An error that stopped the whole account (cannot connect, locked, missing Maildir). */
  error: string | null;
  folders: FolderSummary[];
}

export interface SyncSummary {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  accounts: AccountSummary[];
}

export function emptyFolderSummary(folder: string): FolderSummary {
  return {
    folder,
    outcome: 'synced',
    copied: { toLocal: 0, toRemote: 0 },
    bytes: { toLocal: 0, toRemote: 0 },
    deleted: { toLocal: 0, toRemote: 0 },
    moved: { toLocal: 0, toRemote: 0 },
    flagUpdates: { toLocal: 0, toRemote: 0 },
    paired: 0,
    duplicatesRemoved: 0,
    vanished: 0,
    conflicts: 0,
    pending: emptyPendingWork(),
    notes: [],
    error: null,
  };
}
