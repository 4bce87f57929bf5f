import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileDurably } from '../durable-fs.js';
import { sameStatus, statusVouches } from '../store/folder-status.js';
import type { FolderStatus, MailStore } from '../store/mail-store.js';
import type { FolderState, Side } from './folder-state.js';
import { folderStatusSchema } from './state-schemas.js';

/*
 * The no-change fast path's memory: for each folder the last pass left with nothing pending
 * (no interrupted copy, no ghost watch, no stray copy, no settled conflict to apply, both sides able to vouch
 * for their status), the status state recorded for both sides and a fingerprint of the
 * folder's state files.
 *
 * When both sides report that same status now (without opening the folder: see
 * MailStore.peekStatus) and the state files are untouched, loading the state could only
 * conclude "unchanged" (sync-folder.ts, sideUnchanged), so the pass skips the folder without
 * reading its state or selecting it. Anything that writes the folder's state (a pass, settling
 * a conflict, a quarantine) changes the fingerprint; anything either side changes moves its
 * status. The file is a hint: missing, unreadable or damaged, it is ignored, and the folders
 * take the ordinary path.
 */

const FILE = 'quiet-folders.json';

const entrySchema = z.strictObject({
  remote: folderStatusSchema,
  local: folderStatusSchema,
  files: z.string(),
});
const fileSchema = z.strictObject({ version: z.literal(1), folders: z.record(z.string(), entrySchema) });
type Entry = z.infer<typeof entrySchema>;

export class QuietFolders {
  private changed = false;

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  static async load(accountDir: string): Promise<QuietFolders> {
    const path = join(accountDir, FILE);
    let entries = new Map<string, Entry>();
    try {
      // Read on every pass of a watching engine: sync, as for the lock (account-lock.ts).
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) entries = new Map(Object.entries(parsed.data.folders));
    } catch {
      // Missing or damaged: every folder takes the ordinary path and the file is written anew.
    }
    return new QuietFolders(path, entries);
  }

  /**
   * True when the folder can be skipped: both sides report what the last pass left and the
   * state files (`stateFiles`: snapshot and journal paths) were not written since.
   */
  async unchanged(folder: string, stores: Record<Side, MailStore>, stateFiles: string[]): Promise<boolean> {
    const entry = this.entries.get(folder);
    if (!entry) return false;
    if (fingerprint(stateFiles) !== entry.files) return false;
    const [remote, local] = await Promise.all([stores.remote.peekStatus(folder), stores.local.peekStatus(folder)]);
    return remote !== null && local !== null && sameStatus(remote, entry.remote) && sameStatus(local, entry.local);
  }

  /**
   * Records the folder as the pass leaves it. Call with the folder's journal closed: the
   * fingerprint must cover every record the pass wrote.
   */
  async remember(folder: string, state: FolderState, stateFiles: string[]): Promise<void> {
    const { remote, local } = state.status;
    const vouched = (s: FolderStatus | null): s is FolderStatus => s !== null && statusVouches(s);
    const pending = state.intents.size > 0 || state.ghosts.length > 0 || state.strays.length > 0 || state.conflicts.some((c) => c.settled);
    if (!vouched(remote) || !vouched(local) || pending) {
      this.forget(folder);
      return;
    }
    const entry: Entry = { remote, local, files: fingerprint(stateFiles) };
    const before = this.entries.get(folder);
    if (before && JSON.stringify(before) === JSON.stringify(entry)) return;
    this.entries.set(folder, entry);
    this.changed = true;
  }

  forget(folder: string): void {
    if (this.entries.delete(folder)) this.changed = true;
  }

  /** Writes the file when the pass changed anything in it. */
  async save(): Promise<void> {
    if (!this.changed) return;
    const body: z.infer<typeof fileSchema> = { version: 1, folders: Object.fromEntries(this.entries) };
    await writeFileDurably(this.path, `${JSON.stringify(body)}\n`);
    this.changed = false;
  }
}

/**
 * Inode, size and mtime of each file: any write, replace or removal changes it. Synchronous on
 * purpose: a stat of a local file takes microseconds, far less than a trip through the thread
 * pool, and a watching engine does this for every folder on every pass.
 */
function fingerprint(paths: string[]): string {
  return paths
    .map((p) => {
      const s = statSync(p, { bigint: true, throwIfNoEntry: false });
      return s ? `${s.ino}:${s.size}:${s.mtimeNs}` : '-';
    })
    .join('|');
}
