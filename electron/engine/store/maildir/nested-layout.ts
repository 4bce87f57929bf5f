import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentCodec } from './folder-segments.js';
import type { FolderLayout } from './maildir-layout.js';
import { MAILDIR_SUBDIRS, RESERVED } from './maildir-folders.js';

/**
 * Folders as nested directories, INBOX as `<root>/INBOX`.
 * - verbatim (mbsync `SubFolders Verbatim`, OfflineIMAP `sep = /`): `Archive/2024` is
 *   `<root>/Archive/2024`.
 * - legacy (mbsync `SubFolders Legacy`): levels below the first carry a dot, `Archive/2024` is
 *   `<root>/Archive/.2024`, so a folder's subfolders are hidden from tools that do not know them.
 */
export class NestedLayout implements FolderLayout {
  constructor(
    private readonly root: string,
    private readonly codec: SegmentCodec,
    private readonly style: 'verbatim' | 'legacy',
    private readonly warn: (msg: string) => void,
  ) {}

  dirOf(name: string): string {
    return join(this.root, ...name.split('/').map((segment, depth) => this.spell(segment, depth)));
  }

  dirsFor(name: string): string[] {
    const segments = name.split('/');
    return segments.map((_, i) => this.dirOf(segments.slice(0, i + 1).join('/')));
  }

  async renames(from: string, to: string): Promise<{ from: string; to: string }[]> {
    // Subfolders live inside the folder's directory and move with it.
    return [{ from: this.dirOf(from), to: this.dirOf(to) }];
  }

  async detachedSubfolders(): Promise<string[]> {
    return [];
  }

  fixed(): null {
    return null;
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    await this.walk(this.root, [], out);
    return out.sort();
  }

  private spell(segment: string, depth: number): string {
    const onDisk = this.codec.encode(segment);
    return this.style === 'legacy' && depth > 0 ? `.${onDisk}` : onDisk;
  }

  /** The part of a directory entry at this depth that spells a level, or null for entries that are none (hidden ones). */
  private levelPart(entry: string, depth: number): string | null {
    const dotted = entry.startsWith('.');
    if (this.style === 'legacy' && depth > 0) return dotted ? entry.slice(1) : null;
    return dotted ? null : entry;
  }

  private async walk(dir: string, segments: string[], out: string[]): Promise<void> {
    // Listed on every pass of a watching engine, a directory per folder: a sync readdir costs
    // a fraction of the async one's thread-pool round trip.
    const entries = readdirSync(dir, { withFileTypes: true });
    const realDirs = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    if (MAILDIR_SUBDIRS.every((s) => realDirs.has(s))) {
      if (segments.length > 0) out.push(segments.join('/'));
      else this.warn(rootHoldsMail(dir));
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const part = this.levelPart(e.name, segments.length);
      if (part === null) continue;
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) {
        this.warn(`skipping symlink ${path}: symlinks in a Maildir tree are never followed`);
        continue;
      }
      if (!e.isDirectory() || RESERVED.has(e.name)) continue;
      const segment = this.codec.decode(part);
      if (segment === null) {
        this.warn(`skipping directory ${path}: its name is not one this tool writes (invalid UTF-8 or modified UTF-7, or a stray '%')`);
        continue;
      }
      await this.walk(path, [...segments, segment], out);
    }
  }
}

function rootHoldsMail(root: string): string {
  return (
    `${root} itself holds cur/, new/ and tmp/: mail there is not synced, as INBOX is ${join(root, 'INBOX')} in this layout. ` +
    'If the root is the INBOX (Dovecot, Courier, mbsync "SubFolders Maildir++"), set "layout": "maildir++" for this Maildir'
  );
}
