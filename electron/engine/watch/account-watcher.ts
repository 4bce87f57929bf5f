import type { AccountConfig } from '../../../shared/config.js';
import type { AccountSummary } from '../../../shared/sync-summary.js';
import type { Side } from '../state/folder-state.js';
import type { MailStore } from '../store/mail-store.js';
import { watchFolder, type FolderWatch } from '../store/imap/imap-idle.js';
import { ImapConnectError } from '../store/imap/imap-connect-error.js';
import { openAccountStores, resolveImapEndpoint, tokenSource } from '../store/open-store.js';
import { syncAccount } from '../sync/sync-account.js';
import type { SyncReporter } from '../sync/sync-reporter.js';
import { describeError } from '../sync/describe-error.js';

export interface WatchOptions {
  stateDir: string;
  /** Every folder is synced at this interval; pushed folders also when the server says so. */
  intervalMs: number;
  /** Folders the server pushes changes for (IDLE), e.g. INBOX. */
  pushFolders: string[];
  reporter: SyncReporter;
  secretEnvNames: string[];
  /** After each pass, with how long it took (the engine's own time, connections already open). */
  onPass?: (summary: AccountSummary, ms: number) => void;
}

/** Waits before re-opening a dropped push connection, doubling up to the cap. */
const PUSH_RETRY_MS = [2_000, 10_000, 60_000, 300_000];
/** Changes arriving together (a burst of new mail) make one pass. */
const DEBOUNCE_MS = 150;

/**
 * Keeps one account in step for as long as it runs: connections stay open between passes, a
 * pushed folder is synced moments after the server reports a change, and everything else on
 * the interval. Passes never overlap; requests that arrive during a pass make one more pass.
 */
export class AccountWatcher {
  private stores: Record<Side, MailStore> | null = null;
  private readonly watches = new Map<string, FolderWatch>();
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  /** Folders asked for since the last pass started; null entry means "all folders". */
  private wanted: Set<string> | null = null;
  private everything = false;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly account: AccountConfig,
    private readonly opts: WatchOptions,
  ) {}

  async start(): Promise<void> {
    const warn = (msg: string) => this.opts.reporter.note(this.account.name, null, msg);
    this.stores = await openAccountStores(this.account, this.opts.secretEnvNames, warn, { stateDir: this.opts.stateDir });
    this.everything = true;
    this.running = this.drain().finally(() => (this.running = null));
    await this.running;
    if (this.stopped) return;
    if (this.account.remote.type === 'imap') for (const f of this.opts.pushFolders) void this.push(f, 0);
    this.timer = setInterval(() => this.requestAll(), this.opts.intervalMs);
  }

  /** Syncs every folder soon. */
  requestAll(): void {
    this.everything = true;
    this.schedule();
  }

  request(folder: string): void {
    (this.wanted ??= new Set()).add(folder);
    this.schedule();
  }

  /** Finishes the pass under way (each step is durable), then closes every connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.running;
    await Promise.allSettled([...this.watches.values()].map((w) => w.stop()));
    if (this.stores) await Promise.allSettled([this.stores.remote.close(), this.stores.local.close()]);
  }

  private schedule(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.running ??= this.drain().finally(() => {
        this.running = null;
        if (!this.stopped && (this.everything || this.wanted)) this.schedule();
      });
    }, DEBOUNCE_MS);
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.everything || this.wanted)) {
      const folders = this.everything ? [] : [...this.wanted!];
      this.everything = false;
      this.wanted = null;
      const stores = this.stores!;
      const started = performance.now();
      const summary = await syncAccount(this.account, {
        stateDir: this.opts.stateDir,
        folders,
        dryRun: false,
        allowMassDelete: false,
        reporter: this.opts.reporter,
        secretEnvNames: this.opts.secretEnvNames,
        connect: async () => stores,
      });
      this.opts.onPass?.(summary, performance.now() - started);
      if (summary.error !== null && this.signInRequired()) {
        // Only a new sign-in helps: stop this account rather than failing every interval.
        this.opts.reporter.note(this.account.name, null, 'stopped watching this account until it is signed in again (then restart watch)');
        this.stopped = true;
        if (this.timer) clearInterval(this.timer);
        void Promise.allSettled([...this.watches.values()].map((w) => w.stop()));
      }
    }
  }

  /** Whether a side's OAuth2 grant was refused (the same token source the pass used). */
  private signInRequired(): boolean {
    return (['remote', 'local'] as const).some((side) => {
      const endpoint = this.account[side];
      if (endpoint.type !== 'imap' || endpoint.auth === undefined) return false;
      try {
        return tokenSource(endpoint, this.account.name, this.opts.secretEnvNames, { stateDir: this.opts.stateDir, side }).signInRequired === true;
      } catch {
        return false;
      }
    });
  }

  private async push(folder: string, attempt: number): Promise<void> {
    if (this.stopped || this.account.remote.type !== 'imap') return;
    let failed = false;
    const retry = (err: unknown) => {
      // A dying connection can report both its error and its close: reconnect once.
      if (failed) return;
      failed = true;
      this.watches.delete(folder);
      if (this.stopped) return;
      if (err instanceof ImapConnectError && err.kind === 'signin-required') {
        this.opts.reporter.note(this.account.name, folder, `push stopped: ${describeError(err)}`);
        return;
      }
      const delay = PUSH_RETRY_MS[Math.min(attempt, PUSH_RETRY_MS.length - 1)]!;
      this.opts.reporter.note(this.account.name, folder, `push stopped (${describeError(err)}); reconnecting in ${delay / 1000} s`);
      setTimeout(() => void this.push(folder, attempt + 1), delay).unref();
    };
    try {
      const endpoint = await resolveImapEndpoint(this.account.remote, this.account.name, this.opts.secretEnvNames, { stateDir: this.opts.stateDir, side: 'remote' });
      const watch = await watchFolder(endpoint, folder, () => this.request(folder), retry);
      if (this.stopped) return void (await watch.stop());
      this.watches.set(folder, watch);
      // Whatever arrived before IDLE began (since the last pass, or while push was down) is
      // not announced by the server: one pass of the folder picks it up.
      this.request(folder);
    } catch (err) {
      retry(err);
    }
  }
}
