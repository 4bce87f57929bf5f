import type { Stats } from 'node:fs';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../durable-fs.js';
import { isNotFound } from './fs-errors.js';
import { newUniqueName, parseName, type MaildirName } from './maildir-names.js';

export type MessageDir = 'cur' | 'new';

export interface IndexEntry {
  dir: MessageDir;
  /** The file's current name in `dir`. */
  name: string;
  parsed: MaildirName;
}

/** The entry for a file name we just wrote. */
export function entryOf(dir: MessageDir, name: string): IndexEntry {
  const parsed = parseName(name);
  if (parsed === null) throw new Error(`not a message file name: ${name}`);
  return { dir, name, parsed };
}

/**
 * What one of cur/ or new/ holds, without a stat per file: the names of regular files that can
 * be messages, and the entries that cannot (symlinks are never followed: one could lead out of
 * the Maildir). Dotfiles are hidden by convention and not reported.
 */
export async function readMessageNames(dir: string): Promise<{ names: string[]; skipped: { name: string; why: string }[] }> {
  const names: string[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isSymbolicLink()) skipped.push({ name: e.name, why: 'a symlink, which is never followed' });
    else if (!e.isFile()) skipped.push({ name: e.name, why: 'not a regular file' });
    else if (parseName(e.name) === null) skipped.push({ name: e.name, why: 'not a Maildir message name (nothing before the ":")' });
    else names.push(e.name);
  }
  return { names, skipped };
}

/** A folder's directory with its message index. */
export interface MaildirFolderDir {
  dir: string;
  index: MessageIndex;
}

/**
 * Where each message of one folder is, by unique part. Rebuilt by scan(), kept up to date by
 * our own writes (including moves into the folder from another one).
 */
export class MessageIndex {
  private entries = new Map<string, IndexEntry>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly folderDir: string,
    private readonly warn: (msg: string) => void,
  ) {}

  /** Scans repeat (twice per listing, again after a miss); each oddity is reported once. */
  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }

  pathOf(entry: IndexEntry): string {
    return join(this.folderDir, entry.dir, entry.name);
  }

  get(unique: string): IndexEntry | undefined {
    return this.entries.get(unique);
  }

  set(entry: IndexEntry): void {
    this.entries.set(entry.parsed.unique, entry);
  }

  delete(unique: string): void {
    this.entries.delete(unique);
  }

  all(): IterableIterator<IndexEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Re-reads new/ and cur/. A client renaming files while we read a large directory can
   * hide a file from one readdir, and a hidden file would look deleted, so both are read
   * twice and the passes are merged: a file is missed only if both passes miss it. new/ is
   * read before cur/ so a file moved from new/ to cur/ meanwhile is seen in one of them.
   */
  async scan(): Promise<void> {
    const seen = new Map<string, { dir: MessageDir; name: string }>();
    for (let pass = 0; pass < 2; pass++) {
      for (const dir of ['new', 'cur'] as const) {
        const { names, skipped } = await readMessageNames(join(this.folderDir, dir));
        for (const name of names) seen.set(`${dir}/${name}`, { dir, name });
        for (const { name, why } of skipped) this.warnOnce(`skipping ${join(this.folderDir, dir, name)}: ${why}; it is left as it is`);
      }
    }
    const byUnique = new Map<string, IndexEntry[]>();
    for (const { dir, name } of [...seen.values()].sort(byDirThenName)) {
      const parsed = parseName(name);
      if (parsed === null) continue;
      const list = byUnique.get(parsed.unique);
      if (list) list.push({ dir, name, parsed });
      else byUnique.set(parsed.unique, [{ dir, name, parsed }]);
    }
    const entries = new Map<string, IndexEntry>();
    const renamedIn = new Set<MessageDir>();
    for (const [unique, candidates] of byUnique) {
      const [only] = candidates;
      if (only !== undefined && candidates.length === 1) {
        entries.set(unique, only);
        continue;
      }
      for (const entry of await this.resolveSameUnique(candidates)) {
        entries.set(entry.parsed.unique, entry);
        if (entry.parsed.unique !== unique) renamedIn.add(entry.dir);
      }
    }
    for (const dir of renamedIn) await fsyncDir(join(this.folderDir, dir));
    this.entries = entries;
  }

  /**
   * Several names with one unique part: a rename caught between passes (one name is gone),
   * a move by link + unlink caught half way (one inode), or distinct messages that would
   * share an id. Of the last, the first in sorted order keeps the unique part and each
   * other one is renamed to a fresh one.
   */
  private async resolveSameUnique(candidates: IndexEntry[]): Promise<IndexEntry[]> {
    const inodes = new Map<string, IndexEntry>();
    for (const entry of candidates) {
      const st = await statOrNull(this.pathOf(entry));
      const key = st && `${st.dev}:${st.ino}`;
      if (key !== null && !inodes.has(key)) inodes.set(key, entry);
    }
    const [keep, ...dups] = [...inodes.values()];
    // All gone by now: report the first name; operations on it re-scan when they miss.
    if (keep === undefined) return candidates.slice(0, 1);
    const out = [keep];
    for (const dup of dups) {
      const from = this.pathOf(dup);
      const unique = newUniqueName();
      const name = unique + dup.parsed.suffix;
      try {
        await rename(from, join(this.folderDir, dup.dir, name));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      this.warn(`${from} has the same unique name as ${this.pathOf(keep)}: renamed it to ${name}`);
      out.push({ dir: dup.dir, name, parsed: { ...dup.parsed, unique } });
    }
    return out;
  }
}

function byDirThenName(a: { dir: string; name: string }, b: { dir: string; name: string }): number {
  if (a.dir !== b.dir) return a.dir < b.dir ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
