import { access, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, renameDurably, unlinkDurably } from '../durable-fs.js';
import type { FolderState } from './folder-state.js';
import { decodeFolderBase, folderFiles, JOURNAL_SUFFIX, readHashedName, SNAPSHOT_SUFFIX, type FolderFiles } from './folder-files.js';
import { loadFolderFiles, type FolderLoad } from './folder-loader.js';
import { FolderJournal } from './journal.js';

/*
 * Crash-safe sync state of one account.
 *
 * Layout: `<accountDir>/folders/<encoded name>.snap` and `.journal` per folder (encoding in
 * folder-files.ts), `<accountDir>/lock` for the account lock (account-lock.ts).
 *
 * Invariants:
 * 1. The state of a folder is its snapshot (state as of seq S; no file means empty at S=0)
 *    with every journal record of seq > S applied in order. Journal seqs run without gaps
 *    from the snapshot's S+1 (from 1 with no snapshot); records at or below S are leftovers
 *    of an interrupted compaction and are skipped.
 * 2. A record counts only once the sync that wrote it returned: the whole batch is written,
 *    fdatasync'd, and only then reported done. So a crash can leave at most a torn last line,
 *    which never described anything that was acted on, and loading drops it.
 * 3. A snapshot replaces the previous one atomically (temp file, fsync, rename, fsync of the
 *    directory) and carries the seq of the last record it includes; the journal is reset only
 *    after that. A crash at any point leaves either the old snapshot with the full journal, or
 *    the new snapshot with a journal whose records it already includes (invariant 1 skips
 *    them).
 * 4. Every byte is checksummed (snapshot body: SHA-256 in its header; journal: per line).
 *    Anything wrong other than a torn last line fails the load with the file, line and
 *    defect. Damage is never read as "no messages": the engine would then delete mail.
 * 5. Removing a folder's files (delete, quarantine) takes the snapshot first: a crash in
 *    between leaves a journal alone, which loads only when it holds the whole history (it
 *    starts at seq 1), and fails the load otherwise. Never a snapshot missing its journal.
 * 6. Before appending, the writer checks the files are at the seq the state was loaded at and
 *    cuts off a torn tail, so a new record never continues a broken line or skips a seq.
 * 7. One journal per folder is open at a time, and one process per account (the lock).
 */
export class AccountStateStore {
  private readonly openJournals = new Set<string>();

  private constructor(
    readonly accountDir: string,
    private readonly foldersDir: string,
  ) {}

  /** Opens (creating, mode 0700) the state directory of one account. */
  static async open(accountDir: string): Promise<AccountStateStore> {
    const foldersDir = join(accountDir, 'folders');
    // Make new directories durable, or a crash could lose a whole fresh state tree. (mkdir
    // names the first directory it made; none made means an earlier open did this already.)
    if ((await mkdir(foldersDir, { recursive: true, mode: 0o700 })) !== undefined) {
      await fsyncDir(foldersDir);
      await fsyncDir(accountDir);
      await fsyncDir(dirname(accountDir));
    }
    return new AccountStateStore(accountDir, foldersDir);
  }

  /** Names of the folders that have state files, sorted. */
  async folders(): Promise<string[]> {
    const names = new Set<string>();
    for (const entry of await readdir(this.foldersDir)) {
      const suffix = [SNAPSHOT_SUFFIX, JOURNAL_SUFFIX].find((s) => entry.endsWith(s));
      if (!suffix) continue;
      const base = entry.slice(0, -suffix.length);
      const decoded = decodeFolderBase(base);
      if (decoded === 'hashed') names.add(await readHashedName(this.foldersDir, base));
      else if (decoded !== null) names.add(decoded);
    }
    return [...names].sort();
  }

  /** The files a folder's state lives in (for fingerprints: see quiet-folders.ts). */
  stateFiles(folder: string): string[] {
    const files = this.files(folder);
    return [files.snapshot, files.journal];
  }

  loadFolder(folder: string): Promise<FolderLoad> {
    return loadFolderFiles(this.files(folder));
  }

  /**
   * Starts writing a folder's state. `state` and `seq` come from `loadFolder` (or an empty
   * state at seq 0 after `quarantine`); the journal mutates `state` as records are appended.
   */
  openJournal(folder: string, state: FolderState, seq: number): FolderJournal {
    const files = this.files(folder);
    if (this.openJournals.has(files.base)) throw new Error(`the journal of folder "${folder}" is already open`);
    const journal = new FolderJournal(files, state, seq, () => this.openJournals.delete(files.base));
    this.openJournals.add(files.base);
    return journal;
  }

  /**
   * Moves a folder's damaged state files aside as `<file>.corrupt-<timestamp>` (kept for
   * diagnosis) so the folder starts from empty state. Returns the new paths.
   */
  async quarantine(folder: string): Promise<string[]> {
    const files = this.filesNotOpen(folder);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const moved: string[] = [];
    for (const path of [files.snapshot, files.journal]) {
      if (!(await exists(path))) continue;
      let target = `${path}.corrupt-${stamp}`;
      for (let n = 2; await exists(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
      await renameDurably(path, target);
      moved.push(target);
    }
    return moved;
  }

  /** Removes a folder's state durably (the folder no longer exists on either side). */
  async deleteFolderState(folder: string): Promise<void> {
    const files = this.filesNotOpen(folder);
    await unlinkDurably(files.snapshot);
    await unlinkDurably(files.journal);
    if (files.nameFile) await unlinkDurably(files.nameFile);
  }

  private files(folder: string): FolderFiles {
    return folderFiles(this.foldersDir, folder);
  }

  private filesNotOpen(folder: string): FolderFiles {
    const files = this.files(folder);
    if (this.openJournals.has(files.base)) throw new Error(`the journal of folder "${folder}" is open; close it first`);
    return files;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
