import type { ImapFlow } from 'imapflow';
// imapflow's own path normalizer (the imapflow version is pinned), as its RENAME compares paths.
import { normalizePath } from 'imapflow/lib/tools.js';
import { FolderMissingError, type FolderEntry, type FolderSession, type FolderStatus, type MailStore } from '../mail-store.js';
import { commandError, step } from './command-error.js';
import { FolderNames } from './folder-names.js';
import { openClient } from './imap-client.js';
import type { ImapEndpoint } from './imap-endpoint.js';
import { ImapFolderSession } from './imap-folder-session.js';
import { listWithStatus, type ListedMailbox } from './list-status.js';

export interface ImapStoreOptions {
  /** Things the user should hear about that do not fail anything (skipped folders, dropped flags). */
  onWarning?: (message: string) => void;
}

/** RFC 6154 attributes; imapflow's own specialUse also guesses from names, which we do not want. */
const SPECIAL_USE = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);

/** One IMAP account over one connection, one folder session at a time. */
export class ImapStore implements MailStore {
  readonly kind = 'imap' as const;
  private session: ImapFolderSession | null = null;
  private closed = false;
  /** Status per logical folder from the last LIST-STATUS; a folder's entry goes when it is opened. */
  private listed = new Map<string, FolderStatus>();

  private constructor(
    private readonly endpoint: ImapEndpoint,
    private client: ImapFlow,
    private readonly warn: (message: string) => void,
  ) {}

  /** Connects and logs in. Throws ImapConnectError. */
  static async connect(endpoint: ImapEndpoint, opts: ImapStoreOptions = {}): Promise<ImapStore> {
    return new ImapStore(endpoint, await openClient(endpoint), opts.onWarning ?? (() => undefined));
  }

  async listFolders(): Promise<FolderEntry[]> {
    const client = await this.live();
    const names = this.names(client);
    // Where the server can, every folder's status comes in the same round trip (RFC 5819):
    // what lets a pass skip unchanged folders without selecting them. Without it, no STATUS
    // per folder: selecting a folder tells the same.
    const entries: ListedMailbox[] = await step('', 'LIST', async () =>
      client.capabilities.has('LIST-STATUS')
        ? listWithStatus(client)
        : (await client.list({ listOnly: true })).map((e) => ({ path: e.path, delimiter: e.delimiter || null, flags: e.flags, status: null })),
    );
    const out: FolderEntry[] = [];
    const seen = new Set<string>();
    this.listed = new Map();
    for (const entry of entries) {
      const attrs = [...entry.flags].map((f) => f.toLowerCase());
      if (attrs.includes('\\noselect') || attrs.includes('\\nonexistent') || names.isForeign(entry.path)) continue;
      const name = names.toLogical(entry.path, entry.delimiter);
      if (name === null) {
        this.warn(`skipping IMAP folder "${entry.path}": a level of its name contains "/", which Mailferry uses as separator`);
        continue;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      if (entry.status) this.listed.set(name, entry.status);
      const specialUse = [...entry.flags].find((f) => SPECIAL_USE.has(f));
      out.push(specialUse ? { name, specialUse } : { name });
    }
    // INBOX always exists (RFC 9051), though a namespace prefix can keep it out of the listing.
    if (!seen.has('INBOX')) out.unshift({ name: 'INBOX' });
    return out;
  }

  async createFolder(name: string): Promise<void> {
    const client = await this.live();
    const path = this.names(client).toServer(name);
    this.listed.delete(name);
    // imapflow's mailboxCreate subscribes the new folder and treats ALREADYEXISTS as success.
    await step(name, 'CREATE', () => client.mailboxCreate(path));
  }

  async deleteFolder(name: string): Promise<void> {
    const client = await this.live();
    if (name.toUpperCase() === 'INBOX') throw new Error('refusing to delete INBOX');
    if (this.session?.folder === name) throw new Error(`refusing to delete folder "${name}" while it is open`);
    const path = this.names(client).toServer(name);
    let status;
    try {
      status = await client.status(path, { messages: true });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'NotFound') throw new FolderMissingError(name);
      throw commandError(name, 'STATUS', err);
    }
    if (!status || status.messages === undefined) throw commandError(name, 'STATUS', 'no message count');
    if (status.messages > 0) throw new Error(`refusing to delete folder "${name}": it holds ${status.messages} messages`);
    await this.deselect(client, name, path);
    await step(name, 'DELETE', () => client.mailboxDelete(path));
    if (!(await client.mailboxUnsubscribe(path).catch(() => false))) {
      this.warn(`folder "${name}" was deleted but could not be unsubscribed`);
    }
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const client = await this.live();
    if (from.toUpperCase() === 'INBOX') throw new Error('refusing to rename INBOX (IMAP would move its messages instead)');
    if (this.session) throw new Error(`cannot rename folder "${from}" while "${this.session.folder}" is open`);
    const names = this.names(client);
    // Subfolders move along: every listed status may now belong to another folder.
    this.listed.clear();
    await this.deselect(client, from, names.toServer(from));
    await step(from, 'RENAME', () => client.mailboxRename(names.toServer(from), names.toServer(to)));
    await client.mailboxSubscribe(names.toServer(to)).catch(() => false);
  }

  async peekStatus(name: string): Promise<FolderStatus | null> {
    return this.listed.get(name) ?? null;
  }

  async openFolder(name: string): Promise<FolderSession> {
    // Whatever this pass does in the folder from now on makes the listed status stale.
    this.listed.delete(name);
    if (this.session) {
      throw new Error(`cannot open folder "${name}": folder "${this.session.folder}" is still open on this IMAP connection`);
    }
    const client = await this.live();
    const path = this.names(client).toServer(name);
    let mailbox;
    try {
      mailbox = await client.mailboxOpen(path);
    } catch (err) {
      const e = err as { mailboxMissing?: unknown; serverResponseCode?: unknown };
      if (e.mailboxMissing === true || e.serverResponseCode === 'NONEXISTENT') throw new FolderMissingError(name);
      throw commandError(name, 'SELECT', err);
    }
    // The folder is selected already, so the lock is granted without another SELECT.
    const lock = await step(name, 'SELECT', () => client.getMailboxLock(path));
    const session = new ImapFolderSession({
      client,
      folder: name,
      serverPath: path,
      mailbox,
      lock,
      serverPathOf: (folder) => this.names(client).toServer(folder),
      warn: this.warn,
      onClose: () => {
        if (this.session === session) this.session = null;
      },
    });
    this.session = session;
    return session;
  }

  /** Another login with the same (already resolved) credentials: nothing is asked for again. */
  async openAnother(): Promise<MailStore> {
    return new ImapStore(this.endpoint, await openClient(this.endpoint), this.warn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.session?.close();
    this.closed = true;
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }

  /**
   * The connection, reconnected if it died while no folder was open (imapflow drops a
   * connection that was silent for its socket timeout outside a mailbox lock).
   */
  private async live(): Promise<ImapFlow> {
    if (this.closed) throw new Error(`the IMAP connection to ${this.endpoint.host} is closed`);
    if (this.client.usable) return this.client;
    if (this.session) throw new Error(`lost the IMAP connection to ${this.endpoint.host} while folder "${this.session.folder}" was open`);
    this.client.close();
    this.client = await openClient(this.endpoint);
    return this.client;
  }

  /**
   * A closed session leaves its folder selected (see ImapFolderSession.close). imapflow deselects
   * a folder it is to rename or delete with UNSELECT where the server has it, else with CLOSE,
   * which expunges every message marked \Deleted there, another client's too. EXAMINE of
   * another folder deselects it without expunging anything (RFC 3501, 6.4.2).
   */
  private async deselect(client: ImapFlow, name: string, path: string): Promise<void> {
    if (client.mailbox && client.mailbox.path === normalizePath(client, path)) {
      await step(name, 'EXAMINE INBOX', () => client.mailboxOpen('INBOX', { readOnly: true }));
    }
  }

  private names(client: ImapFlow): FolderNames {
    return FolderNames.of(client);
  }
}
