/**
 * What the interop tests need from any real IMAP server that test support starts (Dovecot,
 * Cyrus, Courier): a loopback port, fresh users, and the server's folder naming. Each server's
 * module (dovecot.ts, cyrus.ts, courier.ts) returns one of these.
 */
export type ImapServerKind = 'dovecot' | 'cyrus' | 'courier';

export interface TestImapUser {
  user: string;
  password: string;
}

export interface TestImapServer {
  readonly kind: ImapServerKind;
  readonly host: '127.0.0.1';
  /** Plain-text IMAP port (tests log in with `security: none` on loopback). */
  readonly port: number;
  /** Hierarchy delimiter of the personal namespace. */
  readonly separator: string;
  /** Personal namespace prefix: '' (Dovecot, Cyrus with altnamespace) or 'INBOX.' (Courier). */
  readonly prefix: string;
  /** The instance's own directory: config, log, mail. */
  readonly dir: string;
  /** A fresh user with an empty mailbox. */
  addUser(): Promise<TestImapUser>;
  /** The server's log so far, for printing when a test fails. */
  log(): Promise<string>;
  stop(): Promise<void>;
}
