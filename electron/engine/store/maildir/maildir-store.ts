import { lstat, mkdir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fsyncDir } from '../../durable-fs.js';
import type { FolderEntry, FolderSession, FolderStatus, MailStore } from '../mail-store.js';
import { FolderMissingError } from '../mail-store.js';
import type { ImportStateConfig, MaildirLayoutName, MaildirNameEncoding } from '../../../../shared/config.js';
import { hasCode, isNotFound } from './fs-errors.js';
import { isFolderDir, MAILDIR_SUBDIRS } from './maildir-folders.js';
import { folderLayout, type FolderLayout } from './maildir-layout.js';
import { MessageIndex, type MaildirFolderDir } from './maildir-index.js';
import { maildirStatus, MaildirSession } from './maildir-session.js';
import { folderRecords } from './foreign-records.js';

export class MaildirRootMissingError extends Error {
  constructor(readonly root: string) {
    super(`Maildir path ${root} does not exist (create it with: mkdir -p ${root})`);
    this.name = 'MaildirRootMissingError';
  }
}

/**
 * Files a mail server or another sync tool keeps beside cur/new/tmp (Dovecot's uidlist,
 * indexes, keyword table, Maildir++ markers; mbsync's UIDVALIDITY, UID map and sync state).
 * They describe the folder only, so they go with it.
 */
function isFolderMetadata(name: string): boolean {
  return (
    name.startsWith('dovecot') ||
    name === 'maildirfolder' ||
    name === 'subscriptions' ||
    name === 'courierimapkeywords' ||
    name === '.uidvalidity' ||
    name === '.isyncuidmap.db' ||
    name.startsWith('.mbsyncstate')
  );
}

/** A file in tmp/ younger than this may be a delivery in progress (the Maildir spec's 36 hours). */
const TMP_STALE_MS = 36 * 3600 * 1000;

export interface MaildirOptions {
  onWarning?: (msg: string) => void;
  /** Where folders live (maildir-layout.ts); "verbatim" by default. */
  layout?: MaildirLayoutName;
  nameEncoding?: MaildirNameEncoding;
  /** Where mbsync or OfflineIMAP kept its state outside the Maildir (foreign-records.ts). */
  importState?: ImportStateConfig;
}

/** A Maildir tree whose folders are laid out as the account's `layout` says (maildir-layout.ts). */
export class MaildirStore implements MailStore {
  readonly kind = 'maildir' as const;
  private readonly layout: FolderLayout;
  private readonly nameEncoding: MaildirNameEncoding;
  private readonly importState: ImportStateConfig | undefined;
  /**
   * Each folder's message index, shared by its sessions, so that a pass (listing, moves,
   * carrying out the plan) reads a large folder once rather than three times. Dropped when a
   * pass lists the folders and whenever a folder is created, renamed or deleted.
   */
  private readonly indexes = new Map<string, MessageIndex>();

  private constructor(
    readonly root: string,
    private readonly warn: (msg: string) => void,
    opts: MaildirOptions,
  ) {
    this.nameEncoding = opts.nameEncoding ?? 'utf-8';
    this.importState = opts.importState;
    this.layout = folderLayout(root, opts.layout ?? 'verbatim', this.nameEncoding, warn);
  }

  static async open(root: string, opts: MaildirOptions = {}): Promise<MaildirStore> {
    const abs = resolve(root);
    try {
      if (!(await stat(abs)).isDirectory()) throw new MaildirRootMissingError(root);
    } catch (err) {
      if (isNotFound(err) || hasCode(err, 'ENOTDIR')) throw new MaildirRootMissingError(root);
      throw err;
    }
    return new MaildirStore(abs, opts.onWarning ?? (() => undefined), opts);
  }

  async listFolders(): Promise<FolderEntry[]> {
    this.indexes.clear();
    return (await this.layout.list()).map((name) => ({ name }));
  }

  /** Creates the folder and any missing parents, each made durable in its parent directory. */
  async createFolder(name: string): Promise<void> {
    this.indexes.clear();
    let dir = this.root;
    for (const d of this.layout.dirsFor(name)) dir = await this.mkdirDurably(d);
    for (const sub of MAILDIR_SUBDIRS) await this.mkdirDurably(join(dir, sub));
  }

  /**
   * Renames the folder's directory, and in flat layouts each subfolder's (nested subfolders
   * move along); file names, hence ids, stay.
   */
  async renameFolder(from: string, to: string): Promise<void> {
    const fixed = this.layout.fixed(from) ?? this.layout.fixed(to);
    if (fixed !== null) throw new Error(`cannot rename Maildir folder "${from}" to "${to}": ${fixed}`);
    this.indexes.clear();
    if (!(await isFolderDir(this.layout.dirOf(from)))) throw new FolderMissingError(from);
    const moves = await this.layout.renames(from, to);
    // rename() would replace an empty directory of that name; refuse any existing target.
    for (const m of moves) {
      if (await stat(m.to).then(() => true, () => false)) throw new Error(`cannot rename Maildir folder "${from}" to "${to}": ${m.to} exists`);
    }
    for (const m of moves) {
      await mkdir(dirname(m.to), { recursive: true });
      await rename(m.from, m.to);
      await fsyncDir(dirname(m.to));
      await fsyncDir(dirname(m.from));
    }
  }

  /**
   * Removes an empty folder. Refuses when cur/ or new/ holds anything, when it has
   * subfolders or files we do not know, or when tmp/ holds a file that may be a delivery
   * in progress. rmdir refuses non-empty directories itself, so a message arriving
   * meanwhile makes this fail rather than vanish.
   */
  async deleteFolder(name: string): Promise<void> {
    this.indexes.clear();
    const dir = this.layout.dirOf(name);
    if (!(await isFolderDir(dir))) throw new FolderMissingError(name);
    const refuse = (why: string): Error => new Error(`cannot delete Maildir folder "${name}": ${why}`);
    const fixed = this.layout.fixed(name);
    if (fixed !== null) throw refuse(fixed);
    const [detached] = await this.layout.detachedSubfolders(name);
    if (detached !== undefined) throw refuse(`it has subfolders (${detached})`);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if ((MAILDIR_SUBDIRS as readonly string[]).includes(e.name)) continue;
      if (e.isDirectory()) throw refuse(`it has subfolders (${e.name})`);
      if (!e.isFile() || !isFolderMetadata(e.name)) throw refuse(`it holds ${e.name}, which is not a Maildir file`);
    }
    for (const sub of ['cur', 'new'] as const) {
      const held = await readdir(join(dir, sub));
      if (held.length > 0) throw refuse(`${sub}/ holds ${held.length} file(s)`);
    }
    const tmpDir = join(dir, 'tmp');
    const tmpFiles = await readdir(tmpDir, { withFileTypes: true });
    for (const e of tmpFiles) {
      if (!e.isFile()) throw refuse(`tmp/ holds ${e.name}, which is not a file`);
      if (Date.now() - (await lstat(join(tmpDir, e.name))).mtimeMs < TMP_STALE_MS) {
        throw refuse(`tmp/${e.name} may be a delivery in progress`);
      }
    }
    const removed: string[] = [];
    try {
      for (const sub of ['new', 'cur']) {
        await rmdir(join(dir, sub));
        removed.push(sub);
      }
    } catch (err) {
      // Put back what went, so a message that just arrived stays in a readable folder.
      for (const sub of removed) await mkdir(join(dir, sub), 0o700).catch(() => undefined);
      if (hasCode(err, 'ENOTEMPTY') || hasCode(err, 'EEXIST')) throw refuse('a message arrived while deleting it');
      throw err;
    }
    for (const e of tmpFiles) await unlink(join(tmpDir, e.name)).catch(ignoreNotFound);
    await rmdir(tmpDir);
    for (const e of entries) if (e.isFile()) await unlink(join(dir, e.name)).catch(ignoreNotFound);
    await rmdir(dir);
    await fsyncDir(dirname(dir));
  }

  async openFolder(name: string): Promise<FolderSession> {
    const at = this.folderAt(name);
    const folder = { name, dir: at.dir, relativeDir: relative(this.root, at.dir).split(sep).join('/'), nameEncoding: this.nameEncoding };
    return MaildirSession.open(name, at, (f) => this.folderAt(f), () => folderRecords(folder, this.importState));
  }

  private folderAt(name: string): MaildirFolderDir {
    const dir = this.layout.dirOf(name);
    let index = this.indexes.get(dir);
    if (!index) this.indexes.set(dir, (index = new MessageIndex(dir, this.warn)));
    return { dir, index };
  }

  /** What openFolder would report: a few stats, nothing read. */
  async peekStatus(name: string): Promise<FolderStatus | null> {
    return maildirStatus(this.layout.dirOf(name));
  }

  /**
   * Sessions of different folders share nothing, so one store serves any number at once. (The
   * sessions of one folder share its index: the engine opens them one after another.)
   */
  async openAnother(): Promise<MailStore> {
    return this;
  }

  async close(): Promise<void> {}

  /** mkdir that refuses to go through a symlink, and makes a new directory durable. */
  private async mkdirDurably(dir: string): Promise<string> {
    try {
      await mkdir(dir, 0o700);
      await fsyncDir(dirname(dir));
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err;
      if (!(await lstat(dir)).isDirectory()) throw new Error(`cannot create Maildir folder at ${dir}: something that is not a directory is in the way`);
    }
    return dir;
  }
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
