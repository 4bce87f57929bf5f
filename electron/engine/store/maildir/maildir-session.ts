import { lstatSync } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageIdentity } from '../../../../shared/identity.js';
import { fsyncDir } from '../../durable-fs.js';
import { durableStep } from '../../fault-hook.js';
import type {
  AppendRequest,
  AppendTicket,
  FlagChange,
  FolderSession,
  FolderStatus,
  ForeignUids,
  ListedMessage,
  MessageContent,
  MessageHeaders,
  MoveResult,
  WholeMessage,
} from '../mail-store.js';
import { FolderMissingError } from '../mail-store.js';
import { parseHeaderFields } from '../header-fields.js';
import { readHeaderBlock } from './header-block.js';
import { hasCode, isNotFound } from './fs-errors.js';
import { applyFlagChange, flagsFromInfo, keywordsIn } from './maildir-flags.js';
import { isFolderDir, MAILDIR_SUBDIRS } from './maildir-folders.js';
import { entryOf, type IndexEntry, type MaildirFolderDir, type MessageDir, type MessageIndex } from './maildir-index.js';
import { MaildirKeywords } from './maildir-keywords.js';
import { formatName, mbsyncUid, newUniqueName } from './maildir-names.js';
import { foreignUidsOf, type FolderRecords } from './foreign-records.js';
import { identifyFile, writeMessageFile } from './message-file.js';

/** Maildir ids are file names, which never renumber. */
const UID_VALIDITY = 'maildir';

/**
 * One folder of a Maildir tree for one sync pass. Message ids are unique parts of file names;
 * a mail client may rename a file (new/ -> cur/, flags) at any time, so every file operation
 * that misses re-scans the folder once and retries under the file's current name.
 */
export class MaildirSession implements FolderSession {
  /** Appends renamed into cur/ whose directory entry is not yet fsynced. */
  private unsyncedAppends = false;
  /**
   * Whether this session read the directory itself. The index may come from an earlier session
   * of the folder (MaildirStore shares it), and then predate files that arrived since.
   */
  private scannedHere = false;
  private constructor(
    readonly folder: string,
    readonly status: FolderStatus,
    private readonly dir: string,
    private readonly index: MessageIndex,
    private readonly keywords: MaildirKeywords,
    private readonly folderAt: (folder: string) => MaildirFolderDir,
    private readonly records: () => Promise<FolderRecords | null>,
  ) {}

  /** `index` is the folder's (shared) index, `folderAt` gives another folder's directory and index. */
  static async open(
    folder: string,
    { dir, index }: MaildirFolderDir,
    folderAt: (folder: string) => MaildirFolderDir,
    records: () => Promise<FolderRecords | null>,
  ): Promise<MaildirSession> {
    // The token is taken before anything is read: a change made after this moment moves it,
    // so the next run lists the folder; a change made before it is in whatever we read later.
    const status = maildirStatus(dir);
    if (!status) throw new FolderMissingError(folder);
    return new MaildirSession(folder, status, dir, index, new MaildirKeywords(dir), folderAt, records);
  }

  async list(): Promise<ListedMessage[]> {
    await this.rescan();
    await this.keywords.reload();
    return [...this.index.all()].map((e) => ({ id: e.parsed.unique, flags: flagsFromInfo(e.parsed.info ?? '', this.keywords) }));
  }

  /** A Maildir has no change log; listing cur/ and new/ is what tells. */
  async listChangedSince(): Promise<null> {
    return null;
  }

  async identify(ids: string[]): Promise<Map<string, MessageIdentity>> {
    const out = new Map<string, MessageIdentity>();
    for (const id of ids) {
      // A file we may not read cannot be matched; copying it reports why (read() throws).
      // A file mbsync downloaded is known by the bytes it downloaded, without its X-TUID line.
      const identity = await this.withFile(id, (entry) =>
        identifyFile(this.index.pathOf(entry), { withoutTuid: mbsyncUid(entry.parsed.unique) !== null }),
      ).catch((err: unknown) => {
        if (hasCode(err, 'EACCES') || hasCode(err, 'EPERM')) return null;
        throw err;
      });
      if (identity !== null) out.set(id, identity);
    }
    return out;
  }

  async headers(ids: string[]): Promise<Map<string, MessageHeaders>> {
    const out = new Map<string, MessageHeaders>();
    for (const id of ids) {
      const header = await this.withFile(id, (entry) => readHeaderBlock(this.index.pathOf(entry)));
      if (header !== null) out.set(id, parseHeaderFields(header));
    }
    return out;
  }

  /** Another tool's records for this folder's files (foreign-records.ts), one file per UID. */
  async foreignUids(): Promise<ForeignUids | null> {
    const records = await this.records();
    if (records === null) return null;
    if (!this.scannedHere) await this.rescan();
    return foreignUidsOf(records, [...this.index.all()].map((e) => e.parsed.unique));
  }

  async read(id: string): Promise<MessageContent | null> {
    return this.withFile(id, async (entry) => {
      // Stat the open handle, not the path: the file may be renamed again right after.
      const fh = await open(this.index.pathOf(entry), 'r');
      try {
        const st = await fh.stat();
        return { stream: fh.createReadStream(), internalDate: st.mtime, size: st.size };
      } catch (err) {
        await fh.close();
        throw err;
      }
    });
  }

  async *readMany(ids: string[], maxBytes: number): AsyncIterable<WholeMessage> {
    for (const id of ids) {
      // A file that cannot be read is left to read(), whose error the caller reports for it alone.
      const whole = await this.withFile(id, async (entry) => {
        const fh = await open(this.index.pathOf(entry), 'r');
        try {
          const st = await fh.stat();
          return st.size > maxBytes ? null : { id, bytes: await fh.readFile(), internalDate: st.mtime };
        } finally {
          await fh.close();
        }
      }).catch(() => null);
      if (whole) yield whole;
    }
  }

  async appendTicket(): Promise<AppendTicket> {
    return { kind: 'maildir', unique: newUniqueName() };
  }

  async append(req: AppendRequest): Promise<string> {
    const unique = this.uniqueOf(req.ticket);
    if (this.index.get(unique) !== undefined) throw new Error(`a message named ${unique} already exists in ${this.dir}`);
    // Only keywords need the folder's letter table (read from disk); most messages have none.
    const keywords = keywordsIn(req.flags);
    if (keywords.length > 0) await this.keywords.ensure(keywords, this.folder);
    const name = formatName(unique, null, applyFlagChange('', req.flags, [], this.keywords));
    const tmp = join(this.dir, 'tmp', unique);
    await writeMessageFile(tmp, req.content, req.internalDate);
    try {
      await rename(tmp, join(this.dir, 'cur', name));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    this.index.set(entryOf('cur', name));
    if (req.deferSync) this.unsyncedAppends = true;
    else await fsyncDir(join(this.dir, 'cur'));
    durableStep('maildir append');
    return unique;
  }

  async syncAppends(): Promise<void> {
    if (!this.unsyncedAppends) return;
    this.unsyncedAppends = false;
    await fsyncDir(join(this.dir, 'cur'));
  }

  async recoverAppend(ticket: AppendTicket, identity: MessageIdentity | null, exclude: ReadonlySet<string>): Promise<string[]> {
    const unique = this.uniqueOf(ticket);
    try {
      await unlink(join(this.dir, 'tmp', unique));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (exclude.has(unique)) return [];
    await this.rescan();
    // Without an identity the file is ours: it reached cur/ only after its fsync.
    const matches = await this.withFile(unique, async (entry) => {
      if (identity === null) return true;
      const got = await identifyFile(this.index.pathOf(entry));
      return got.size === identity.size && got.headerSha256 === identity.headerSha256;
    });
    if (matches !== true) return [];
    // The crashed append may have died before its directory fsync.
    await fsyncDir(join(this.dir, 'cur'));
    await fsyncDir(join(this.dir, 'new'));
    return [unique];
  }

  async setFlags(changes: FlagChange[]): Promise<string[]> {
    await this.keywords.ensure(keywordsIn(changes.flatMap((c) => c.add)), this.folder);
    const touched = new Set<MessageDir>();
    const vanished: string[] = [];
    for (const change of changes) {
      if (change.add.length === 0 && change.remove.length === 0) continue;
      const found = await this.withFile(change.id, async (entry) => {
        const { unique, separator, info } = entry.parsed;
        const name = formatName(unique, separator, applyFlagChange(info ?? '', change.add, change.remove, this.keywords));
        if (entry.dir === 'cur' && name === entry.name) return true;
        // A message whose flags are set has been seen by a client: it belongs in cur/.
        await rename(this.index.pathOf(entry), join(this.dir, 'cur', name));
        touched.add(entry.dir).add('cur');
        this.index.set(entryOf('cur', name));
        return true;
      });
      if (found === null) vanished.push(change.id);
    }
    await this.syncDirs(touched, 'maildir flags');
    return vanished;
  }

  /** Unlinks the files: a Maildir deletes each message on its own, so none is ever left. */
  async delete(ids: string[]): Promise<string[]> {
    const touched = new Set<MessageDir>();
    for (const id of ids) {
      await this.withFile(id, async (entry) => {
        await unlink(this.index.pathOf(entry));
        touched.add(entry.dir);
        this.index.delete(id);
      });
    }
    await this.syncDirs(touched, 'maildir delete');
    return [];
  }

  async moveTo(ids: string[], folder: string): Promise<MoveResult> {
    const { dir: targetDir, index: targetIndex } = this.folderAt(folder);
    if (!(await isFolderDir(targetDir))) throw new FolderMissingError(folder);
    const targetKeywords = new MaildirKeywords(targetDir);
    await this.keywords.reload();
    const moved = new Map<string, string | null>();
    const touched = new Set<MessageDir>();
    for (const id of ids) {
      await this.withFile(id, async (entry) => {
        // Keyword letters index each folder's own keyword file: re-spell them for the target.
        const flags = flagsFromInfo(entry.parsed.info ?? '', this.keywords);
        await targetKeywords.ensure(keywordsIn(flags), folder);
        const name = formatName(entry.parsed.unique, entry.parsed.separator, applyFlagChange('', flags, [], targetKeywords));
        // link() refuses to replace a file of the same name, which rename() would silently do.
        await link(this.index.pathOf(entry), join(targetDir, 'cur', name));
        await fsyncDir(join(targetDir, 'cur'));
        targetIndex.set(entryOf('cur', name));
        await unlink(this.index.pathOf(entry));
        touched.add(entry.dir);
        this.index.delete(id);
        moved.set(id, entry.parsed.unique);
      });
    }
    await this.syncDirs(touched, 'maildir move');
    return { moved, kept: [] };
  }

  async close(): Promise<void> {}

  private async syncDirs(dirs: Set<MessageDir>, step: string): Promise<void> {
    if (dirs.size === 0) return;
    for (const d of dirs) await fsyncDir(join(this.dir, d));
    durableStep(step);
  }

  private uniqueOf(ticket: AppendTicket): string {
    if (ticket.kind !== 'maildir') throw new Error(`Maildir folder ${this.folder} got an ${ticket.kind} append ticket`);
    return ticket.unique;
  }

  /**
   * Runs `op` on the file holding message `id`. When the file is not where the index says
   * (a client renamed it), re-scans once and retries; null when the message is gone.
   */
  private async withFile<T>(id: string, op: (entry: IndexEntry) => Promise<T>): Promise<T | null> {
    let entry = this.index.get(id);
    if (entry === undefined && !this.scannedHere) {
      await this.rescan();
      entry = this.index.get(id);
    }
    for (let attempt = 0; entry !== undefined; attempt++) {
      try {
        return await op(entry);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (attempt > 0) return null;
      }
      await this.rescan();
      entry = this.index.get(id);
    }
    return null;
  }

  private async rescan(): Promise<void> {
    await this.index.scan();
    this.scannedHere = true;
  }
}

/**
 * Directory mtimes come from a coarse kernel clock: two renames within one tick leave the same
 * mtime. A token is only given for directories untouched for a while, so a change in the same
 * tick as the one we saw can never hide behind an unchanged token.
 */
const SETTLED_NS = 2_000_000_000n;

/**
 * The status of the Maildir folder in `dir` now, or null when `dir` is not one (cur/, new/ and
 * tmp/ must be real directories). Synchronous on purpose: three lstats take microseconds, less
 * than three trips through the thread pool, and a watching engine asks for every folder on
 * every pass (MaildirStore.peekStatus).
 */
export function maildirStatus(dir: string): FolderStatus | null {
  const [cur, nw, tmp] = MAILDIR_SUBDIRS.map((sub) => {
    try {
      return lstatSync(join(dir, sub), { bigint: true, throwIfNoEntry: false });
    } catch (err) {
      if (hasCode(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  });
  if (!cur?.isDirectory() || !nw?.isDirectory() || !tmp?.isDirectory()) return null;
  return { uidValidity: UID_VALIDITY, uidNext: null, highestModseq: null, messages: null, changeToken: changeToken(cur.mtimeNs, nw.mtimeNs) };
}
function changeToken(cur: bigint, nw: bigint): string | null {
  const now = BigInt(Date.now()) * 1_000_000n;
  if (now - cur < SETTLED_NS || now - nw < SETTLED_NS) return null;
  return `cur:${cur};new:${nw}`;
}
