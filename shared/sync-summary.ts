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

export interface FolderSummary {
  folder: string;
  /** 'synced', 'unchanged' (fast path: nothing to do), 'failed', 'stopped' (safety check or conflict needing the user), 'planned' (dry run). */
  outcome: 'synced' | 'unchanged' | 'failed' | 'stopped' | 'planned';
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
    notes: [],
    error: null,
  };
}
