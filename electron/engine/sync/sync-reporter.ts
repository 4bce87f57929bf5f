import type { FolderSummary } from '../../../shared/sync-summary.js';

/** Progress of one folder's copies, for the CLI's progress display and the app's progress bars. */
export interface FolderProgress {
  account: string;
  folder: string;
  phase: 'listing' | 'copying' | 'updating' | 'done';
  messagesDone: number;
  messagesTotal: number;
  bytesDone: number;
  /** Bytes of the folder's copies in all, where the source reported every size (IMAP); else null. */
  bytesTotal: number | null;
}

export interface SyncReporter {
  progress(p: FolderProgress): void;
  folderDone(account: string, summary: FolderSummary): void;
  /** A line for the log: something worth knowing that is not an error. */
  note(account: string, folder: string | null, message: string): void;
}

export const silentReporter: SyncReporter = {
  progress() {},
  folderDone() {},
  note() {},
};
