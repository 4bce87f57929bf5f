import { ImapConnectError } from '../store/imap/imap-connect-error.js';
import type { ImapEndpoint } from '../store/imap/imap-endpoint.js';
import { watchFolder, type FolderWatch } from '../store/imap/imap-idle.js';
import { describeError } from '../sync/describe-error.js';

/** Waits before re-opening a dropped push connection, growing to a cap. */
const RETRY_MS = [2_000, 10_000, 60_000, 300_000];

export interface PushEvents {
  changed(account: string, folder: string): void;
  note(account: string, folder: string, message: string): void;
}

/**
 * The engine host's push connections: per account, one IDLE connection per watched folder
 * (store/imap/imap-idle.ts). A dropped one is re-opened after a growing delay and, once back,
 * reported as changed, since mail may have arrived meanwhile. The passes themselves are the
 * supervisor's to schedule.
 */
export class PushWatches {
  private readonly byAccount = new Map<string, { generation: number; watches: Map<string, FolderWatch> }>();
  private generation = 0;

  constructor(private readonly events: PushEvents) {}

  accounts(): string[] {
    return [...this.byAccount.keys()];
  }

  /** Replaces the account's watches with these folders. */
  async watch(account: string, endpoint: ImapEndpoint, folders: string[]): Promise<void> {
    await this.stop(account);
    const entry = { generation: ++this.generation, watches: new Map<string, FolderWatch>() };
    this.byAccount.set(account, entry);
    for (const folder of folders) void this.open(account, entry, endpoint, folder, 0);
  }

  async stop(account: string): Promise<void> {
    const entry = this.byAccount.get(account);
    this.byAccount.delete(account);
    if (entry) await Promise.allSettled([...entry.watches.values()].map((w) => w.stop()));
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.byAccount.keys()].map((a) => this.stop(a)));
  }

  private async open(account: string, entry: { generation: number; watches: Map<string, FolderWatch> }, endpoint: ImapEndpoint, folder: string, attempt: number): Promise<void> {
    const current = () => this.byAccount.get(account) === entry;
    let failed = false;
    const retry = (err: unknown) => {
      // A dying connection can report its error and its close: reconnect once.
      if (failed || !current()) return;
      failed = true;
      entry.watches.delete(folder);
      // A refused OAuth2 grant does not come back by waiting: push stays off until the next watch.
      if (err instanceof ImapConnectError && err.kind === 'signin-required') {
        this.events.note(account, folder, `push stopped: ${describeError(err)}`);
        return;
      }
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      this.events.note(account, folder, `push stopped (${describeError(err)}); reconnecting in ${delay / 1000} s`);
      setTimeout(() => void this.open(account, entry, endpoint, folder, attempt + 1), delay).unref();
    };
    try {
      const watch = await watchFolder(endpoint, folder, () => this.events.changed(account, folder), retry);
      if (!current()) return void (await watch.stop());
      entry.watches.set(folder, watch);
      if (attempt > 0) this.events.changed(account, folder);
    } catch (err) {
      retry(err);
    }
  }
}
