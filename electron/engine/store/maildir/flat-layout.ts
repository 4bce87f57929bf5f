import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SegmentCodec } from './folder-segments.js';
import type { FolderLayout } from './maildir-layout.js';
import { isFolderDir, RESERVED } from './maildir-folders.js';

/**
 * Every folder is one directory right under the root, its levels joined with `.`.
 * - flat (OfflineIMAP's default `sep = .`, mbsync `Flatten .`): `Archive/2024` is
 *   `<root>/Archive.2024`, INBOX is `<root>/INBOX`.
 * - maildir++ (Courier, Dovecot, mbsync `SubFolders Maildir++`): the root itself is INBOX and
 *   `Archive/2024` is `<root>/.Archive.2024`; INBOX's own subfolders are `.INBOX.<name>`.
 */
export class FlatLayout implements FolderLayout {
  private readonly prefix: string;

  constructor(
    private readonly root: string,
    private readonly codec: SegmentCodec,
    private readonly style: 'flat' | 'maildir++',
    private readonly warn: (msg: string) => void,
  ) {
    this.prefix = style === 'maildir++' ? '.' : '';
  }

  dirOf(name: string): string {
    if (this.rootIsInbox(name)) return this.root;
    return join(this.root, this.prefix + name.split('/').map((s) => this.codec.encode(s)).join('.'));
  }

  dirsFor(name: string): string[] {
    return [this.dirOf(name)];
  }

  fixed(name: string): string | null {
    return this.rootIsInbox(name) ? 'in the maildir++ layout INBOX is the Maildir root itself' : null;
  }

  async renames(from: string, to: string): Promise<{ from: string; to: string }[]> {
    const source = basename(this.dirOf(from));
    const target = basename(this.dirOf(to));
    const subfolders = await this.detachedSubfolders(from);
    // The folder first, then its subfolders: a crash in between leaves each one whole, under one name.
    return [this.dirOf(from), ...subfolders].map((dir) => ({ from: dir, to: join(this.root, target + basename(dir).slice(source.length)) }));
  }

  async detachedSubfolders(name: string): Promise<string[]> {
    const base = `${basename(this.dirOf(name))}.`;
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && e.name.startsWith(base) && e.name.length > base.length)
      .map((e) => join(this.root, e.name))
      .sort();
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    if (await isFolderDir(this.root)) {
      if (this.style === 'maildir++') out.push('INBOX');
      else this.warn(`${this.root} itself holds cur/, new/ and tmp/: mail there is not synced, as INBOX is ${join(this.root, 'INBOX')} in this layout`);
    }
    const entries = await readdir(this.root, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      // Hidden entries are no folders in the flat layout; in maildir++ only they are.
      if (e.name.startsWith('.') !== (this.prefix === '.') || RESERVED.has(e.name)) continue;
      const path = join(this.root, e.name);
      if (e.isSymbolicLink()) {
        this.warn(`skipping symlink ${path}: symlinks in a Maildir tree are never followed`);
        continue;
      }
      if (!e.isDirectory()) continue;
      const name = this.nameOf(e.name);
      if (name === null) {
        this.warn(`skipping directory ${path}: ${this.whyNotAName(e.name)}`);
        continue;
      }
      if (await isFolderDir(path)) out.push(name);
    }
    return out.sort();
  }

  /** The folder a directory name stands for, or null when dirOf would never give that directory. */
  private nameOf(entry: string): string | null {
    const segments = entry.slice(this.prefix.length).split('.').map((s) => this.codec.decode(s));
    if (segments.some((s) => s === null)) return null;
    const name = segments.join('/');
    return this.dirOf(name) === join(this.root, entry) ? name : null;
  }

  private whyNotAName(entry: string): string {
    if (this.style === 'maildir++' && entry.startsWith('..')) {
      return `this is how mbsync spells INBOX/${entry.slice(2).split('.').join('/')}; rename it to .INBOX${entry.slice(1)} to sync it`;
    }
    return 'its name is not one this tool writes (an empty level, invalid UTF-8 or modified UTF-7, or a stray \'%\')';
  }

  private rootIsInbox(name: string): boolean {
    return this.style === 'maildir++' && name === 'INBOX';
  }
}
