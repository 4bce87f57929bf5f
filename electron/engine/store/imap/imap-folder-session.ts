import type { Readable } from 'node:stream';
import type { ImapFlow, MailboxLockObject, MailboxObject } from 'imapflow';
// imapflow's own check (the imapflow version is pinned): it counts what IMAP4rev2 folds in.
import { hasCapability } from 'imapflow/lib/tools.js';
import type { MessageIdentity } from '../../../../shared/identity.js';
import { normalizeFlags } from '../../../../shared/flags.js';
import { durableStep } from '../../fault-hook.js';
import { identityFromHeader } from '../../identity-hasher.js';
import type {
  AppendRequest,
  AppendTicket,
  FlagChange,
  FolderSession,
  FolderStatus,
  ListedMessage,
  MessageContent,
  MessageHeaders,
  MoveResult,
  WholeMessage,
} from '../mail-store.js';
import { parseHeaderFields } from '../header-fields.js';
import { toWireForm } from '../line-ends.js';
import { commandError, step } from './command-error.js';
import { storableFlags } from './flag-atoms.js';
import { multiAppend } from './multi-append.js';
import { atom, runCommand, sequence } from './raw-command.js';
import { parseUid, uidSets } from './uid-set.js';

/** Large enough that a 5 MB message takes a handful of round trips, small enough to stream. */
const DOWNLOAD_CHUNK = 1024 * 1024;

export interface SessionContext {
  client: ImapFlow;
  /** Logical folder name. */
  folder: string;
  /** The server's (decoded) mailbox name. */
  serverPath: string;
  mailbox: MailboxObject;
  /** Held for the session so imapflow keeps a quiet connection alive with NOOP. */
  lock: MailboxLockObject;
  /** The server's name for another logical folder (for MOVE/COPY targets). */
  serverPathOf: (folder: string) => string;
  warn: (message: string) => void;
  onClose: () => void;
}

/** One SELECTed IMAP folder. Every message id is a UID in decimal. */
export class ImapFolderSession implements FolderSession {
  readonly folder: string;
  readonly status: FolderStatus;
  private readonly client: ImapFlow;
  private readonly serverPath: string;
  private readonly ctx: SessionContext;
  private closed = false;

  constructor(ctx: SessionContext) {
    this.ctx = ctx;
    this.client = ctx.client;
    this.folder = ctx.folder;
    this.serverPath = ctx.serverPath;
    const mb = ctx.mailbox;
    this.status = {
      uidValidity: mb.uidValidity.toString(),
      uidNext: mb.uidNext > 0 ? mb.uidNext : null,
      highestModseq: mb.highestModseq !== undefined && !mb.noModseq ? mb.highestModseq.toString() : null,
      messages: mb.exists,
      changeToken: null,
    };
  }

  async list(): Promise<ListedMessage[]> {
    this.assertOpen();
    if (this.selected().exists === 0) return [];
    // A message missing from the listing would look deleted, so the count must add up. New
    // mail arriving mid-FETCH can break it once; a reply that drops rows breaks it every time.
    for (let attempt = 1; ; attempt++) {
      const rows = await this.fetchAllFlags();
      const exists = this.selected().exists;
      if (rows.size === exists) {
        return [...rows].sort((a, b) => a[0] - b[0]).map(([uid, r]) => ({ id: String(uid), ...r }));
      }
      if (attempt === 2) {
        throw commandError(this.folder, 'UID FETCH (FLAGS RFC822.SIZE)', `the server listed ${rows.size} messages but says the folder holds ${exists}`);
      }
    }
  }

  async listChangedSince(since: FolderStatus, known: ReadonlySet<string>): Promise<{ changed: ListedMessage[]; vanished: string[] } | null> {
    this.assertOpen();
    const mb = this.selected();
    if (since.highestModseq === null || since.uidNext === null || mb.noModseq || mb.uidValidity.toString() !== since.uidValidity) return null;
    // A HIGHESTMODSEQ that went down means the server lost its change history: list everything.
    if (mb.highestModseq === undefined || mb.highestModseq < BigInt(since.highestModseq)) return null;
    const changed: ListedMessage[] = [];
    await step(this.folder, 'UID FETCH (FLAGS RFC822.SIZE) (CHANGEDSINCE)', async () => {
      const query = { uid: true, flags: true, size: true } as const;
      for await (const m of this.client.fetch('1:*', query, { uid: true, changedSince: BigInt(since.highestModseq!) })) {
        if (m.uid && m.flags) changed.push({ id: String(m.uid), flags: normalizeFlags(m.flags), ...(m.size === undefined ? {} : { size: m.size }) });
      }
    });
    // Every message is either known or new (UID >= the old UIDNEXT, so it has a newer modseq
    // and is in `changed`): when the count adds up, nothing known was expunged.
    const fresh = changed.filter((m) => Number(m.id) >= since.uidNext! && !known.has(m.id)).length;
    if (this.selected().exists === known.size + fresh) return { changed, vanished: [] };
    const all = new Set((await this.searchAll()).map(String));
    // A FETCH may still answer for messages another client expunged after our SELECT (the
    // server reports the expunge only at the end of it): gone is gone.
    return { changed: changed.filter((m) => all.has(m.id)), vanished: [...known].filter((id) => !all.has(id)) };
  }

  async identify(ids: string[]): Promise<Map<string, MessageIdentity>> {
    this.assertOpen();
    const wanted = new Set(ids.map(parseUid));
    const parts = new Map<number, { size?: number; header?: Buffer }>();
    await step(this.folder, 'UID FETCH (RFC822.SIZE BODY.PEEK[HEADER])', async () => {
      for (const set of uidSets(wanted)) {
        for await (const m of this.client.fetch(set, { uid: true, size: true, headers: true }, { uid: true })) {
          if (!m.uid || !wanted.has(m.uid)) continue;
          const p = parts.get(m.uid) ?? {};
          if (m.size !== undefined) p.size = m.size;
          if (m.headers) p.header = m.headers;
          parts.set(m.uid, p);
        }
      }
    });
    const out = new Map<string, MessageIdentity>();
    for (const [uid, p] of parts) {
      if (p.size === undefined && p.header === undefined) continue; // only a flag update
      if (p.size === undefined || p.header === undefined) {
        throw commandError(this.folder, 'UID FETCH (RFC822.SIZE BODY.PEEK[HEADER])', `no ${p.size === undefined ? 'size' : 'header'} for UID ${uid}`);
      }
      out.set(String(uid), identityFromHeader(p.header, p.size));
    }
    const unanswered = [...wanted].filter((uid) => !out.has(String(uid)));
    await this.assertGone(unanswered, 'UID FETCH (RFC822.SIZE BODY.PEEK[HEADER])');
    return out;
  }

  async headers(ids: string[]): Promise<Map<string, MessageHeaders>> {
    this.assertOpen();
    const wanted = new Set(ids.map(parseUid));
    const out = new Map<string, MessageHeaders>();
    await step(this.folder, 'UID FETCH (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM DATE)])', async () => {
      for (const set of uidSets(wanted)) {
        for await (const m of this.client.fetch(set, { uid: true, headers: ['subject', 'from', 'date'] }, { uid: true })) {
          if (m.uid && wanted.has(m.uid) && m.headers) out.set(String(m.uid), parseHeaderFields(m.headers));
        }
      }
    });
    return out;
  }

  async read(id: string): Promise<MessageContent | null> {
    this.assertOpen();
    const uid = parseUid(id);
    const meta = await step(this.folder, 'UID FETCH (INTERNALDATE RFC822.SIZE)', () =>
      this.client.fetchOne(String(uid), { uid: true, internalDate: true, size: true }, { uid: true }),
    );
    if (!meta || meta.uid !== uid) {
      await this.assertGone([uid], 'UID FETCH (INTERNALDATE RFC822.SIZE)');
      return null;
    }
    const internalDate = meta.internalDate === undefined ? null : new Date(meta.internalDate);
    if (meta.size === undefined || internalDate === null || Number.isNaN(internalDate.getTime())) {
      throw commandError(this.folder, 'UID FETCH (INTERNALDATE RFC822.SIZE)', `incomplete answer for UID ${uid}`);
    }
    const download = await step(this.folder, 'UID FETCH (BODY.PEEK[])', () =>
      this.client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK }),
    );
    if (!download.content) {
      // imapflow also answers "no content" for a reply it could not use (a garbled literal):
      // the message counts as vanished only when the server agrees it is gone.
      await this.assertGone([uid], 'UID FETCH (BODY.PEEK[])');
      return null;
    }
    return { stream: download.content, internalDate, size: meta.size };
  }

  async *readMany(ids: string[], maxBytes: number): AsyncIterable<WholeMessage> {
    this.assertOpen();
    const query = { uid: true, internalDate: true, size: true, source: { maxLength: maxBytes } } as const;
    for (const set of uidSets(ids.map(parseUid), 64)) {
      const batch: WholeMessage[] = [];
      // Collected per set and yielded after it: no other command may run inside a FETCH loop.
      await step(this.folder, 'UID FETCH (INTERNALDATE RFC822.SIZE BODY.PEEK[])', async () => {
        for await (const m of this.client.fetch(set, query, { uid: true })) {
          const date = m.internalDate === undefined ? null : new Date(m.internalDate);
          if (!m.uid || !m.source || m.size === undefined || m.size > maxBytes || m.source.length !== m.size) continue;
          if (date === null || Number.isNaN(date.getTime())) continue;
          batch.push({ id: String(m.uid), bytes: m.source, internalDate: date });
        }
      });
      yield* batch;
    }
  }

  /** The server made each APPEND durable before its OK. */
  async syncAppends(): Promise<void> {}

  async appendTicket(): Promise<AppendTicket> {
    this.assertOpen();
    // The UIDNEXT seen at SELECT bounds every UID assigned later, so no round trip is needed.
    const uidNext = this.status.uidNext ?? (await this.uidNextFromSearch());
    return { kind: 'imap', uidValidity: this.status.uidValidity, uidNext };
  }

  async append(req: AppendRequest): Promise<string | null> {
    this.assertOpen();
    if (req.ticket.kind !== 'imap') throw new Error(`an IMAP folder cannot take a ${req.ticket.kind} append ticket`);
    const content = toWireForm(Buffer.isBuffer(req.content) ? req.content : await collect(req.content));
    const flags = this.flagsToStore(req.flags, 'APPEND');
    const res = await step(this.folder, 'APPEND', async () => {
      const r = await this.client.append(this.serverPath, content, flags, req.internalDate);
      if (!r) throw new Error('the connection is not logged in');
      return r;
    });
    durableStep('imap append');
    // Without APPENDUID imapflow guesses a UID from the sequence number; a guess is not an id.
    // A server that does not announce UIDPLUS promises nothing about what it sends as one.
    if (!this.uidPlus() || res.uid === undefined || res.uidValidity === undefined) return null;
    if (res.uidValidity.toString() !== this.status.uidValidity) return null;
    return String(res.uid);
  }

  async appendMany(reqs: AppendRequest[]): Promise<(string | null)[] | null> {
    this.assertOpen();
    if (!this.client.capabilities.has('MULTIAPPEND') || !this.uidPlus()) return null;
    const items = reqs.map((req) => {
      if (req.ticket.kind !== 'imap') throw new Error(`an IMAP folder cannot take a ${req.ticket.kind} append ticket`);
      if (!Buffer.isBuffer(req.content)) throw new Error('appendMany takes whole messages');
      return { content: toWireForm(req.content), flags: this.flagsToStore(req.flags, 'APPEND'), internalDate: req.internalDate };
    });
    const res = await step(this.folder, 'APPEND', () => multiAppend(this.client, this.serverPath, items));
    durableStep('imap multiappend');
    if (!res || res.uidValidity !== this.status.uidValidity) return reqs.map(() => null);
    return res.uids.map(String);
  }

  async recoverAppend(ticket: AppendTicket, identity: MessageIdentity | null, exclude: ReadonlySet<string>): Promise<string[]> {
    this.assertOpen();
    if (ticket.kind !== 'imap') throw new Error(`an IMAP folder cannot recover a ${ticket.kind} append ticket`);
    if (identity === null) throw new Error(`recovering an IMAP append in folder "${this.folder}" needs the message's identity`);
    if (ticket.uidValidity !== this.status.uidValidity) return [];
    const found = await step(this.folder, 'UID SEARCH', async () => {
      // NOOP first: a server need not show this session messages others added since SELECT.
      await this.client.noop();
      const r = await this.client.search({ uid: `${ticket.uidNext}:*` }, { uid: true });
      if (!Array.isArray(r)) throw new Error('the server refused the search');
      return r;
    });
    // `n:*` also matches the highest UID when that is below n.
    const candidates = found.filter((uid) => uid >= ticket.uidNext).map(String).filter((id) => !exclude.has(id));
    if (candidates.length === 0) return [];
    const identities = await this.identify(candidates);
    return [...identities]
      .filter(([, got]) => got.size === identity.size && got.headerSha256 === identity.headerSha256)
      .map(([id]) => id)
      .sort((a, b) => Number(a) - Number(b));
  }

  async setFlags(changes: FlagChange[]): Promise<string[]> {
    this.assertOpen();
    if (changes.length === 0) return [];
    // One STORE per distinct (add, remove) pair, over all UIDs that share it.
    const groups = new Map<string, { add: string[]; remove: string[]; uids: number[] }>();
    for (const change of changes) {
      const add = this.flagsToStore(change.add, 'STORE');
      const remove = storableFlags(change.remove).storable;
      if (add.length === 0 && remove.length === 0) continue;
      const key = JSON.stringify([add, remove]);
      const group = groups.get(key) ?? { add, remove, uids: [] };
      group.uids.push(parseUid(change.id));
      groups.set(key, group);
    }
    for (const { add, remove, uids } of groups.values()) {
      for (const set of uidSets(uids)) {
        if (add.length > 0) await this.store(set, '+FLAGS.SILENT', add);
        if (remove.length > 0) await this.store(set, '-FLAGS.SILENT', remove);
      }
    }
    durableStep('imap flags');
    // A STORE on a UID another client expunged or moved succeeds without effect; only a search
    // after it tells which ones it reached.
    const stored = [...groups.values()].flatMap((g) => g.uids);
    const present = new Set(await this.searchUids(stored));
    return stored.filter((uid) => !present.has(uid)).map(String);
  }

  async delete(ids: string[]): Promise<string[]> {
    this.assertOpen();
    if (ids.length === 0) return [];
    const uids = ids.map(parseUid);
    if (this.uidPlus()) {
      for (const set of uidSets(uids)) {
        await this.store(set, '+FLAGS.SILENT', ['\\Deleted']);
        await step(this.folder, 'UID EXPUNGE', () => runCommand(this.client, 'UID EXPUNGE', [sequence(set)]));
      }
      durableStep('imap delete');
      return [];
    }
    // Without UID EXPUNGE only EXPUNGE removes messages, and it removes every one marked
    // \Deleted: another client's, which that client may still mean to keep, would go too. It is
    // sent only when no other message carries the mark (asked after our own STORE, one round
    // trip before it: a mark another client sets in between is lost to it).
    for (const set of uidSets(uids)) await this.store(set, '+FLAGS.SILENT', ['\\Deleted']);
    durableStep('imap delete marked');
    const mine = new Set(uids);
    const marked = await this.searchDeleted();
    if (marked.some((uid) => !mine.has(uid))) return marked.filter((uid) => mine.has(uid)).map(String);
    await step(this.folder, 'EXPUNGE', () => runCommand(this.client, 'EXPUNGE', []));
    durableStep('imap delete');
    return [];
  }

  async moveTo(ids: string[], folder: string): Promise<MoveResult> {
    this.assertOpen();
    const moved = new Map<string, string | null>();
    if (ids.length === 0) return { moved, kept: [] };
    const destination = this.ctx.serverPathOf(folder);
    const canMove = hasCapability(this.client, 'MOVE');
    for (const set of uidSets(ids.map(parseUid))) {
      const result = await step(this.folder, canMove ? 'UID MOVE' : 'UID COPY', async () => {
        const r = canMove
          ? await this.client.messageMove(set, destination, { uid: true })
          : await this.client.messageCopy(set, destination, { uid: true });
        if (!r) throw new Error(`the server refused to ${canMove ? 'move' : 'copy'} messages to "${folder}"`);
        return r;
      });
      // COPYUID, like APPENDUID, only from a server that announces UIDPLUS.
      const map = this.uidPlus() ? result.uidMap : undefined;
      for (const uid of set.split(',').flatMap(expandRange)) {
        const target = map?.get(uid);
        moved.set(String(uid), target === undefined ? null : String(target));
      }
    }
    if (canMove) {
      durableStep('imap move');
      return { moved, kept: [] };
    }
    durableStep('imap copy (move)');
    // Without MOVE: the source copies are deleted (never imapflow's plain-EXPUNGE fallback), all
    // in one go, so that our own marks never count as another client's.
    const kept = await this.delete([...moved.keys()]);
    return { moved, kept };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The folder stays selected: CLOSE would expunge other clients' \Deleted messages, and the
    // next SELECT (or LOGOUT) deselects it without expunging.
    this.ctx.lock.release();
    this.ctx.onClose();
  }

  /** UID EXPUNGE, APPENDUID and COPYUID (RFC 4315; part of IMAP4rev2). */
  private uidPlus(): boolean {
    return hasCapability(this.client, 'UIDPLUS');
  }

  /** Flags and sizes of every message; the size lets the engine notice a UID reused for another message. */
  private async fetchAllFlags(): Promise<Map<number, { flags: string[]; size?: number }>> {
    const rows = new Map<number, { flags: string[]; size?: number }>();
    await step(this.folder, 'UID FETCH (FLAGS RFC822.SIZE)', async () => {
      for await (const m of this.client.fetch('1:*', { uid: true, flags: true, size: true }, { uid: true })) {
        // Later rows for a UID (unsolicited updates) carry its newer flags.
        if (!m.uid || !m.flags) continue;
        const size = m.size ?? rows.get(m.uid)?.size;
        rows.set(m.uid, size === undefined ? { flags: normalizeFlags(m.flags) } : { flags: normalizeFlags(m.flags), size });
      }
    });
    return rows;
  }

  private async store(set: string, operation: string, flags: string[]): Promise<void> {
    await step(this.folder, `UID STORE ${operation}`, () =>
      runCommand(this.client, 'UID STORE', [sequence(set), atom(operation), flags.map(atom)]),
    );
  }

  /** Flags that can be stored here; the rest are reported, not silently lost. */
  private flagsToStore(flags: string[], command: string): string[] {
    const { storable, refused } = storableFlags(flags);
    const permanent = this.selected().permanentFlags;
    const accepted = storable.filter((f) => !permanent || permanent.has('\\*') || permanent.has(f));
    const dropped = [...refused, ...storable.filter((f) => !accepted.includes(f))];
    if (dropped.length > 0) {
      this.ctx.warn(`folder "${this.folder}": ${command} without flags the server cannot store: ${dropped.join(' ')}`);
    }
    return accepted;
  }

  /**
   * A UID the server did not answer for is reported as vanished only when the server agrees
   * it is gone: a dropped or garbled reply must not make a message look deleted.
   */
  private async assertGone(uids: number[], command: string): Promise<void> {
    const still = await this.searchUids(uids);
    if (still.length > 0) {
      throw commandError(this.folder, command, `no answer for UID ${still.join(',')}, which the server says still exists`);
    }
  }

  /** Which of these UIDs the folder still holds. */
  private async searchUids(uids: number[]): Promise<number[]> {
    const wanted = new Set(uids);
    const found: number[] = [];
    for (const set of uidSets(uids)) {
      const r = await step(this.folder, 'UID SEARCH', async () => {
        const res = await this.client.search({ uid: set }, { uid: true });
        if (!Array.isArray(res)) throw new Error('the server refused the search');
        return res;
      });
      found.push(...r.filter((uid) => wanted.has(uid)));
    }
    return found;
  }

  /** UIDs of every message marked \Deleted, by us or anyone. */
  private async searchDeleted(): Promise<number[]> {
    return step(this.folder, 'UID SEARCH DELETED', async () => {
      const r = await this.client.search({ deleted: true }, { uid: true });
      if (!Array.isArray(r)) throw new Error('the server refused the search');
      return r;
    });
  }

  private async uidNextFromSearch(): Promise<number> {
    return (await this.searchAll()).reduce((max, uid) => Math.max(max, uid), 0) + 1;
  }

  private async searchAll(): Promise<number[]> {
    return step(this.folder, 'UID SEARCH ALL', async () => {
      const r = await this.client.search({ all: true }, { uid: true });
      if (!Array.isArray(r)) throw new Error('the server refused the search');
      return r;
    });
  }

  private selected(): MailboxObject {
    const mb = this.client.mailbox;
    if (!mb || mb.path !== this.ctx.mailbox.path) {
      throw new Error(`folder "${this.folder}" is no longer selected (the connection was lost or reset)`);
    }
    return mb;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`folder session for "${this.folder}" is closed`);
  }
}

function expandRange(part: string): number[] {
  const [a, b] = part.split(':').map(Number) as [number, number | undefined];
  if (b === undefined) return [a];
  const out: number[] = [];
  for (let u = Math.min(a, b); u <= Math.max(a, b); u++) out.push(u);
  return out;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
