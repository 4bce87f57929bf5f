import type { ImapFlow } from 'imapflow';

/**
 * Maps logical folder names (UTF-8, '/'-separated, `INBOX`) to the server's names and back.
 * Server names here are imapflow's decoded form (modified UTF-7 already undone), including
 * the personal namespace prefix (e.g. `INBOX.` on Courier-style servers), which logical names
 * leave out.
 */
export class FolderNames {
  /** The mapping for a logged-in connection, from its personal namespace. */
  static of(client: ImapFlow): FolderNames {
    const ns = client.namespace;
    const all = client.namespaces;
    const foreign = [...(all?.other || []), ...(all?.shared || [])].map((n) => n.prefix);
    return new FolderNames(ns?.delimiter || null, ns?.prefix ?? '', foreign);
  }

  constructor(
    /** The server's hierarchy delimiter, or null for a flat namespace. */
    private readonly delimiter: string | null,
    private readonly prefix: string,
    /** Prefixes of other users' and shared namespaces, whose folders are not this account's. */
    private readonly foreignPrefixes: string[] = [],
  ) {}

  isForeign(path: string): boolean {
    return this.foreignPrefixes.some((p) => p !== '' && (path.startsWith(p) || path === p.slice(0, -1)));
  }

  toServer(name: string): string {
    if (name.toUpperCase() === 'INBOX') return 'INBOX';
    const parts = name.split('/');
    if (parts.some((p) => p.length === 0)) throw new Error(`folder name "${name}" has an empty level`);
    if (this.delimiter === null && parts.length > 1) {
      throw new Error(`folder "${name}" cannot be created: the server has no folder hierarchy`);
    }
    const delimiter = this.delimiter ?? '/';
    if (delimiter !== '/' && parts.some((p) => p.includes(delimiter))) {
      throw new Error(`folder "${name}" cannot be created: the server uses "${delimiter}" to separate folder levels`);
    }
    return this.prefix + parts.join(delimiter);
  }

  /** The logical name, or null when the server name has no logical spelling (a level contains '/'). */
  toLogical(path: string, delimiter: string | null = this.delimiter): string | null {
    if (path.toUpperCase() === 'INBOX') return 'INBOX';
    const local = this.prefix && path.startsWith(this.prefix) && path.length > this.prefix.length ? path.slice(this.prefix.length) : path;
    const parts = delimiter ? local.split(delimiter) : [local];
    if (parts.some((p) => p.length === 0 || (delimiter !== '/' && p.includes('/')))) return null;
    return parts.join('/');
  }
}
