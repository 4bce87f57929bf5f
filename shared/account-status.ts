import type { PendingWork } from './sync-summary.js';

/** What `mailferry status` and the app's account screen show about a folder, from state alone. */
export interface FolderStatusReport {
  folder: string;
  /** ISO time of the last complete sync, or null if never. */
  lastSync: string | null;
  /** Messages paired on both sides at the last sync. */
  messages: number;
  /** Messages deleted on one side and deliberately kept on the other (tombstones). */
  keptOneSide: number;
  conflicts: { id: string; kind: string; detail: string; at: string }[];
  /** What the last pass could not carry across (mail on one side only); null when nothing. */
  pending: PendingWork | null;
  /** Set when the folder's state could not be read; the next sync re-pairs it by identity. */
  damaged: string | null;
}

export interface AccountStatusReport {
  account: string;
  folders: FolderStatusReport[];
}
