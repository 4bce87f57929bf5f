import { ImapFlow } from 'imapflow';
import type { TestImapServer, TestImapUser } from './imap-server.js';

/**
 * A second IMAP client for tests: it puts mail on the server and looks at what is there,
 * independently of the code under test. Folder names are logical ('/'-separated) and mapped
 * to the server's separator.
 */
export interface FixtureMessage {
  uid: number;
  flags: string[];
  bytes: Buffer;
  size: number;
  internalDate: Date;
}

export interface AppendOptions {
  flags?: string[];
  internalDate?: Date;
}

export async function connect(server: TestImapServer, user: TestImapUser): Promise<ImapFixture> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: user.user, pass: user.password },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return new ImapFixture(client, server.separator, server.prefix);
}

export class ImapFixture {
  constructor(
    readonly client: ImapFlow,
    private readonly separator: string,
    private readonly prefix = '',
  ) {}

  /** The logical name of a listed server path (prefix left out, levels joined with '/'). */
  logicalName(path: string, delimiter: string | null): string {
    if (path.toUpperCase() === 'INBOX') return 'INBOX';
    const local = this.prefix && path.startsWith(this.prefix) ? path.slice(this.prefix.length) : path;
    return delimiter ? local.split(delimiter).join('/') : local;
  }

  serverName(folder: string): string {
    if (folder.toUpperCase() === 'INBOX') return 'INBOX';
    return this.prefix + folder.split('/').join(this.separator);
  }

  async createFolder(folder: string): Promise<void> {
    await this.client.mailboxCreate(this.serverName(folder));
  }

  /** Appends raw bytes and returns the UID the server reported (APPENDUID). */
  async append(folder: string, bytes: Buffer, opts: AppendOptions = {}): Promise<number> {
    const res = await this.client.append(this.serverName(folder), bytes, opts.flags ?? [], opts.internalDate);
    if (!res || !res.uid) throw new Error(`APPEND to ${folder} gave no UID`);
    return res.uid;
  }

  async messages(folder: string): Promise<FixtureMessage[]> {
    return this.inFolder(folder, async () => {
      const out: FixtureMessage[] = [];
      // A lock on an already selected folder sends nothing; NOOP brings in other clients' changes.
      await this.client.noop();
      const mailbox = this.client.mailbox;
      if (!mailbox || mailbox.exists === 0) return out;
      for await (const m of this.client.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true, source: true }, { uid: true })) {
        if (!m.source || m.size === undefined || !m.internalDate) throw new Error(`incomplete FETCH for UID ${m.uid}`);
        out.push({
          uid: m.uid,
          flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
          bytes: m.source,
          size: m.size,
          internalDate: new Date(m.internalDate),
        });
      }
      return out.sort((a, b) => a.uid - b.uid);
    });
  }

  async addFlags(folder: string, uids: number[], flags: string[]): Promise<void> {
    await this.inFolder(folder, async () => {
      if (!(await this.client.messageFlagsAdd(uids.join(','), flags, { uid: true }))) throw new Error('STORE failed');
    });
  }

  async removeFlags(folder: string, uids: number[], flags: string[]): Promise<void> {
    await this.inFolder(folder, async () => {
      if (!(await this.client.messageFlagsRemove(uids.join(','), flags, { uid: true }))) throw new Error('STORE failed');
    });
  }

  /** Removes exactly these UIDs (UID EXPUNGE). */
  async expunge(folder: string, uids: number[]): Promise<void> {
    await this.inFolder(folder, async () => {
      if (!(await this.client.messageDelete(uids.join(','), { uid: true }))) throw new Error('EXPUNGE failed');
    });
  }

  async uidValidity(folder: string): Promise<string> {
    const status = await this.client.status(this.serverName(folder), { uidValidity: true });
    if (!status || status.uidValidity === undefined) throw new Error(`no UIDVALIDITY for ${folder}`);
    return status.uidValidity.toString();
  }

  async close(): Promise<void> {
    await this.client.logout().catch(() => this.client.close());
  }

  private async inFolder<T>(folder: string, fn: () => Promise<T>): Promise<T> {
    const lock = await this.client.getMailboxLock(this.serverName(folder));
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }
}
