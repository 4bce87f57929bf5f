import type { Readable } from 'node:stream';
import type { MessageIdentity } from '../../../shared/identity.js';

/**
 * One side of a folder pair: an IMAP account or a Maildir tree. The engine talks to both
 * through this interface only, so the planner and executor never know which kind a side is.
 *
 * Folder names are logical: UTF-8, hierarchy separated by '/', INBOX spelled `INBOX`.
 * Message ids are opaque strings: an IMAP UID in decimal, or a Maildir file's unique base
 * name (the part before the `:2,` info), which survives renames by mail clients.
 */
export interface MailStore {
  readonly kind: 'imap' | 'maildir';
  /** Every folder on this side (not filtered by the account's include/exclude). */
  listFolders(): Promise<FolderEntry[]>;
  createFolder(name: string): Promise<void>;
  /** Removes an empty folder. Callers check emptiness first; implementations refuse non-empty ones. */
  deleteFolder(name: string): Promise<void>;
  /** Renames a folder with its messages (ids stay valid) and its subfolders. */
  renameFolder(from: string, to: string): Promise<void>;
  /** Opens a folder for one sync pass. Throws FolderMissingError when it does not exist. */
  openFolder(name: string): Promise<FolderSession>;
  /**
   * The status openFolder would report, when the side can tell without opening the folder
   * (Maildir: a few stats; IMAP: the LIST-STATUS reply of the last listFolders, until the
   * folder is opened). Null when it cannot, or the folder is gone.
   */
  peekStatus(name: string): Promise<FolderStatus | null>;
  /**
   * A store for working on another folder at the same time (IMAP keeps one folder open per
   * connection): a new connection with the same credentials, or this store itself where
   * folders are independent (Maildir). The caller closes it.
   */
  openAnother(): Promise<MailStore>;
  close(): Promise<void>;
}

export interface FolderEntry {
  name: string;
  /** RFC 6154 special-use attribute such as `\Sent`, when the side knows one. */
  specialUse?: string;
}

/**
 * What a side says about a folder before listing messages. When all of it equals what state
 * recorded at the last sync, the folder did not change on that side (the fast path).
 */
export interface FolderStatus {
  /** IMAP UIDVALIDITY in decimal; Maildir sides use a constant, since their ids never renumber. */
  uidValidity: string;
  uidNext: number | null;
  /** CONDSTORE HIGHESTMODSEQ in decimal, or null when the server has none. */
  highestModseq: string | null;
  messages: number | null;
  /**
   * Opaque change token for sides without modseq (Maildir: mtimes and entry counts of cur/
   * and new/). Null when the side cannot tell cheaply.
   */
  changeToken: string | null;
}

export interface ListedMessage {
  id: string;
  /** Normalized flags (see shared/flags.ts). */
  flags: string[];
  /** Size as the identity counts it (IMAP RFC822.SIZE), when the side knows it without extra work. */
  size?: number;
}

/** A message's Subject, From and Date decoded for display; null when it has none. */
export interface MessageHeaders {
  subject: string | null;
  from: string | null;
  /** ISO time. */
  date: string | null;
}

/**
 * Which server UIDs another sync tool recorded for messages of this side (mbsync's sync state,
 * OfflineIMAP's `,U=` names with its FolderValidity), so that a first sync can pair what that tool already paired.
 */
export interface ForeignUids {
  /** The server's UIDVALIDITY the records were made under: they say nothing under another. */
  uidValidity: string;
  /** Message id on this side -> the server's UID, one to one. */
  uids: Map<string, string>;
}

export interface MessageContent {
  /** Raw bytes exactly as stored on this side. */
  stream: Readable;
  internalDate: Date;
  /** Size in bytes as stored on this side (before any normalization). */
  size: number;
}

export interface WholeMessage {
  id: string;
  bytes: Buffer;
  internalDate: Date;
}

/**
 * Where a message is about to be created, recorded in the journal before the create so that
 * after a crash the engine can find out whether the create happened. JSON-serializable.
 * IMAP: the folder's UIDVALIDITY and a UIDNEXT taken before the APPEND (every UID the server
 * assigns afterwards is at least this). Maildir: the exact unique name the file will get.
 */
export type AppendTicket =
  | { kind: 'imap'; uidValidity: string; uidNext: number }
  | { kind: 'maildir'; unique: string };

export interface AppendRequest {
  ticket: AppendTicket;
  /** The message bytes; a Buffer when the side needs the whole message (IMAP APPEND). */
  content: Readable | Buffer;
  flags: string[];
  internalDate: Date;
  /**
   * The caller makes the append durable later with one `syncAppends()` for a whole batch
   * (Maildir: one directory fsync instead of one per message). Until then the new id must not
   * be recorded as paired.
   */
  deferSync?: boolean;
}

export interface FlagChange {
  id: string;
  add: string[];
  remove: string[];
}

export interface FolderSession {
  readonly folder: string;
  readonly status: FolderStatus;
  /** Every message currently in the folder with its flags. */
  list(): Promise<ListedMessage[]>;
  /**
   * Only what changed since `since` (a status this side reported before, under the same
   * UIDVALIDITY): messages whose flags changed or that are new, and which of `known` (the ids
   * state holds for this side) are gone. Null when the side cannot tell (no CONDSTORE, Maildir):
   * the caller then lists everything.
   */
  listChangedSince(since: FolderStatus, known: ReadonlySet<string>): Promise<{ changed: ListedMessage[]; vanished: string[] } | null>;
  /**
   * Cheap identity of the given messages (header block and size, not the whole body).
   * Messages that vanished are absent from the result, not errors.
   */
  identify(ids: string[]): Promise<Map<string, MessageIdentity>>;
  /**
   * Subject, From and Date of the given messages, for describing a conflict: only those header
   * fields are read (IMAP: BODY.PEEK[HEADER.FIELDS]; Maildir: the file up to its blank line).
   * Messages that vanished are absent from the result.
   */
  headers(ids: string[]): Promise<Map<string, MessageHeaders>>;
  /** Server UIDs another sync tool recorded for this side's messages; Maildir sides only, null when none can be trusted. */
  foreignUids?(): Promise<ForeignUids | null>;
  /** Opens one message for reading, or null when it has vanished since listing. */
  read(id: string): Promise<MessageContent | null>;
  /**
   * Several messages read in one go where the side can (one IMAP FETCH for all of them), each
   * whole, for messages up to `maxBytes`. Messages that are larger or vanished are not yielded:
   * the caller reads those one by one with read(). The caller must not use this side again
   * until the iteration ended.
   */
  readMany(ids: string[], maxBytes: number): AsyncIterable<WholeMessage>;
  /** A ticket to journal before calling append. */
  appendTicket(): Promise<AppendTicket>;
  /**
   * Creates the message durably. Returns its id, or null when an IMAP server did not report
   * APPENDUID or does not announce UIDPLUS (the engine then finds it by identity).
   */
  append(req: AppendRequest): Promise<string | null>;
  /**
   * Creates several whole messages durably in one go, all or none, where the side can (IMAP
   * MULTIAPPEND with UIDPLUS). Returns their ids in order (null for one the server did not
   * report), or null without doing anything when the side cannot: then append one by one.
   */
  appendMany?(reqs: AppendRequest[]): Promise<(string | null)[] | null>;
  /**
   * After a crash: ids of messages created under this ticket whose identity matches, among
   * those not in `exclude` (ids already paired). Leftover partial files are cleaned up here.
   * `identity` is null for Maildir tickets: a file under the ticket's unique name that reached
   * cur/ or new/ is complete (it is renamed there only after fsync) and ours.
   */
  recoverAppend(ticket: AppendTicket, identity: MessageIdentity | null, exclude: ReadonlySet<string>): Promise<string[]>;
  /** Makes every append made with `deferSync` durable. */
  syncAppends(): Promise<void>;
  /**
   * Adds and removes flags. Returns the ids that had vanished (another client moved or deleted
   * them): their flags were not set, so the caller must not record the change as done.
   */
  setFlags(changes: FlagChange[]): Promise<string[]>;
  /**
   * Deletes exactly these messages, and returns the ids it could not remove: their deletion
   * was not carried out, so the caller must not record it as done (it is tried again next
   * pass). Ids that vanished are skipped silently (gone is gone, they are not returned).
   * IMAP: UID STORE +FLAGS \Deleted, then UID EXPUNGE of these UIDs only, so other clients'
   * \Deleted marks survive. A server without UIDPLUS has only EXPUNGE, which removes every
   * message marked \Deleted: it is sent only when UID SEARCH DELETED (after the STORE) finds
   * no other; otherwise our marks are left in place and the ids returned (KEPT_DELETES_REASON).
   * Maildir: the files are unlinked; nothing is ever returned.
   */
  delete(ids: string[]): Promise<string[]>;
  /**
   * Moves messages to another folder of this side without transferring them again (IMAP UID
   * MOVE, or UID COPY + delete() as above; Maildir: the file is linked into the other folder,
   * then unlinked here). `moved` has each moved id's id in the destination, or null when the
   * server did not say (no COPYUID, or no UIDPLUS announced: the engine finds it there by
   * identity); ids that vanished are absent. `kept` are moved ids whose source copy could not
   * be removed (see delete): it is still here, marked \Deleted.
   */
  moveTo(ids: string[], folder: string): Promise<MoveResult>;
  close(): Promise<void>;
}

export interface MoveResult {
  moved: Map<string, string | null>;
  kept: string[];
}

/** Why delete() returned ids, in the words a folder's summary gives. */
export const KEPT_DELETES_REASON =
  'the server lacks UIDPLUS and other messages in this folder are marked \\Deleted, by another client: an EXPUNGE would remove those too';

export class FolderMissingError extends Error {
  constructor(readonly folder: string) {
    super(`folder "${folder}" does not exist`);
    this.name = 'FolderMissingError';
  }
}
