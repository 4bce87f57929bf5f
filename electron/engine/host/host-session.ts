import type { AccountConfig } from '../../../shared/config.js';
import {
  EngineCommandSchema,
  type Credentials,
  type EngineAccount,
  type EngineCommand,
  type EngineErrorKind,
  type EngineEvent,
  type FolderListing,
} from '../../../shared/api/engine-protocol.js';
import type { AccountSummary, FolderSummary } from '../../../shared/sync-summary.js';
import { registerSecret, redactSecrets } from '../secrets.js';
import type { Side } from '../state/folder-state.js';
import { ImapConnectError } from '../store/imap/imap-connect-error.js';
import type { MailStore } from '../store/mail-store.js';
import { openAccountStores, resolveImapEndpoint, type OAuthContext } from '../store/open-store.js';
import type { AccessTokenSource } from '../oauth2/access-tokens.js';
import { OAuth2Error } from '../oauth2/oauth2-error.js';
import { describeError } from '../sync/describe-error.js';
import { syncAccount, type SyncAccountOptions } from '../sync/sync-account.js';
import type { FolderProgress, SyncReporter } from '../sync/sync-reporter.js';
import { accountOverview } from './account-overview.js';
import type { HostTransport } from './host-transport.js';
import { PushWatches } from './push-watches.js';

/** What the session needs from the engine; tests may swap in slower or failing ones. */
export interface HostEngine {
  syncAccount(account: AccountConfig, opts: SyncAccountOptions): Promise<AccountSummary>;
  openStores(account: AccountConfig, oauth?: OAuthContext): Promise<Record<Side, MailStore>>;
  overview: typeof accountOverview;
}

export const realEngine: HostEngine = {
  syncAccount,
  openStores: (account, oauth) => openAccountStores(account, [], () => undefined, oauth),
  overview: accountOverview,
};

/** How long the host waits for the supervisor's answer to a tokenRequest. */
const TOKEN_WAIT_MS = 60_000;

type TokenAnswer = Extract<EngineCommand, { type: 'token' }>;

/**
 * An OAuth2 side's tokens in the host: each connection asks the supervisor, which keeps the
 * grant (refresh token) and its freshness; a refused token goes back with the next request.
 */
class SupervisorTokenSource implements AccessTokenSource {
  private refusedToken: string | null = null;
  signInRequired = false;

  constructor(private readonly ask: (refused: string | null) => Promise<TokenAnswer>) {}

  async get(): Promise<string> {
    const refused = this.refusedToken;
    this.refusedToken = null;
    const answer = await this.ask(refused);
    if (answer.accessToken !== null) {
      registerSecret(answer.accessToken);
      this.signInRequired = false;
      return answer.accessToken;
    }
    this.signInRequired = answer.signInRequired;
    throw new OAuth2Error(answer.signInRequired ? 'invalid-grant' : 'unreachable', null, answer.error ?? 'no access token was given');
  }

  refused(token: string): void {
    this.refusedToken = token;
  }
}

/** Progress goes out at most this often per folder (phase changes always go out). */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Runs the engine for a supervisor: one pass per account at a time, any number of accounts at
 * once. Every message that arrives is validated; every text that leaves is scrubbed of the
 * passwords this process has seen.
 */
export class HostSession {
  private stateDir: string | null = null;
  private accounts = new Map<string, EngineAccount>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly paused = new Set<string>();
  private allPaused = false;
  private shuttingDown = false;
  private nextTokenRequest = 1;
  private readonly tokenRequests = new Map<number, { resolve: (answer: TokenAnswer) => void; timer: NodeJS.Timeout }>();
  private readonly tokenSources = new Map<string, SupervisorTokenSource>();
  private readonly pushes = new PushWatches({
    changed: (account, folder) => this.send({ type: 'changed', account, folder }),
    note: (account, folder, message) => this.send({ type: 'note', runId: '', account, folder, message: redactSecrets(message) }),
  });

  constructor(
    private readonly transport: HostTransport,
    private readonly exit: (code: number) => void,
    private readonly engine: HostEngine = realEngine,
  ) {}

  listen(): void {
    this.transport.onMessage((message) => this.receive(message));
    this.send({ type: 'ready', pid: process.pid });
  }

  receive(message: unknown): void {
    const parsed = EngineCommandSchema.safeParse(message);
    if (!parsed.success) {
      this.send({ type: 'error', message: `invalid message ignored: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}` });
      return;
    }
    const cmd = parsed.data;
    if (cmd.type !== 'start' && cmd.type !== 'shutdown' && this.stateDir === null) {
      this.send({ type: 'error', message: `"${cmd.type}" before "start" ignored` });
      return;
    }
    this.handle(cmd);
  }

  private handle(cmd: EngineCommand): void {
    switch (cmd.type) {
      case 'start':
        this.stateDir = cmd.stateDir;
        this.configure(cmd.accounts);
        return;
      case 'configure':
        this.configure(cmd.accounts);
        return;
      case 'sync':
        this.startSync(cmd.runId, cmd.account, cmd.credentials, cmd.folders);
        return;
      case 'listFolders':
        void this.reply(cmd.requestId, () => this.listFolders(cmd.account, cmd.credentials));
        return;
      case 'overview':
        void this.reply(cmd.requestId, () => this.engine.overview(this.stateDir!, cmd.account));
        return;
      case 'watch':
        void this.watch(cmd.account, cmd.folders, cmd.credentials);
        return;
      case 'unwatch':
        void this.pushes.stop(cmd.account);
        return;
      case 'pause':
        if (cmd.account === null) this.allPaused = true;
        else this.paused.add(cmd.account);
        return;
      case 'resume':
        if (cmd.account === null) {
          this.allPaused = false;
          this.paused.clear();
        } else this.paused.delete(cmd.account);
        return;
      case 'token': {
        const waiting = this.tokenRequests.get(cmd.requestId);
        this.tokenRequests.delete(cmd.requestId);
        if (waiting) {
          clearTimeout(waiting.timer);
          waiting.resolve(cmd);
        }
        return;
      }
      case 'shutdown':
        this.shuttingDown = true;
        void this.pushes.stopAll();
        if (this.running.size === 0) this.exit(0);
        return;
    }
  }

  /** OAuth2 sides get their tokens from the supervisor, one source per side for all connections. */
  private oauth(): OAuthContext {
    return {
      stateDir: this.stateDir!,
      tokenSource: (account, side) => {
        const key = `${account}\u0000${side}`;
        let source = this.tokenSources.get(key);
        if (!source) this.tokenSources.set(key, (source = new SupervisorTokenSource((refused) => this.askToken(account, side, refused))));
        return source;
      },
    };
  }

  private askToken(account: string, side: Side, refused: string | null): Promise<TokenAnswer> {
    const requestId = this.nextTokenRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.tokenRequests.delete(requestId);
        resolve({ type: 'token', requestId, accessToken: null, error: 'the app did not answer the request for an access token', signInRequired: false });
      }, TOKEN_WAIT_MS);
      timer.unref?.();
      this.tokenRequests.set(requestId, { resolve, timer });
      this.send({ type: 'tokenRequest', requestId, account, side, refused });
    });
  }

  private configure(accounts: EngineAccount[]): void {
    this.accounts = new Map(accounts.map((a) => [a.name, a]));
    for (const name of this.pushes.accounts()) if (!this.accounts.has(name)) void this.pushes.stop(name);
  }

  private async watch(name: string, folders: string[], credentials: Credentials): Promise<void> {
    const account = this.accounts.get(name);
    if (!account || this.shuttingDown) return;
    try {
      const endpoint = await resolveImapEndpoint(withCredentials(account, credentials).remote, name, [], { ...this.oauth(), side: 'remote' });
      await this.pushes.watch(name, endpoint, folders);
    } catch (err) {
      this.send({ type: 'note', runId: '', account: name, folder: null, message: `push is off: ${describeError(err)}` });
    }
  }

  private startSync(runId: string, name: string, credentials: Credentials, folders: string[]): void {
    const account = this.accounts.get(name);
    const skipped = this.shuttingDown
      ? 'shutting-down'
      : !account
        ? 'unknown-account'
        : this.allPaused || this.paused.has(name)
          ? 'paused'
          : this.running.has(name)
            ? 'busy'
            : null;
    if (skipped !== null || !account) {
      this.send({ type: 'syncFinished', runId, account: name, summary: null, errorKind: null, fingerprint: null, skipped: skipped ?? 'unknown-account' });
      return;
    }
    const run = this.runSync(runId, withCredentials(account, credentials), folders).finally(() => {
      this.running.delete(name);
      if (this.shuttingDown && this.running.size === 0) this.exit(0);
    });
    this.running.set(name, run);
  }

  private async runSync(runId: string, account: AccountConfig, folders: string[]): Promise<void> {
    this.send({ type: 'syncStarted', runId, account: account.name });
    let connectFailure: ImapConnectError | null = null;
    // syncAccount leaves stores it is handed open (a watcher keeps them); these are this run's.
    const opened: MailStore[] = [];
    const summary = await this.engine.syncAccount(account, {
      stateDir: this.stateDir!,
      folders,
      dryRun: false,
      allowMassDelete: false,
      reporter: this.reporter(runId),
      secretEnvNames: [],
      connect: async (a) => {
        try {
          const stores = await this.engine.openStores(a, this.oauth());
          opened.push(stores.remote, stores.local);
          connectFailure = null;
          return stores;
        } catch (err) {
          if (err instanceof ImapConnectError) connectFailure = err;
          throw err;
        }
      },
    });
    await Promise.allSettled(opened.map((store) => store.close()));
    const failure = classify(summary.error, connectFailure);
    this.send({
      type: 'syncFinished',
      runId,
      account: account.name,
      summary: scrubSummary(summary),
      errorKind: failure.kind,
      fingerprint: failure.fingerprint,
      skipped: null,
    });
    try {
      this.send({ type: 'status', account: account.name, overview: await this.engine.overview(this.stateDir!, account.name) });
    } catch (err) {
      this.send({ type: 'error', message: `reading the state of "${account.name}" failed: ${describeError(err)}` });
    }
  }

  /**
   * Reporter callbacks come between the engine's steps, after whatever it made durable: the
   * place where a shutdown can stop the pass without leaving work half done.
   */
  private reporter(runId: string): SyncReporter {
    const lastSent = new Map<string, { at: number; phase: FolderProgress['phase'] }>();
    const stopIfShuttingDown = () => {
      if (this.shuttingDown) this.exit(0);
    };
    return {
      progress: (p) => {
        stopIfShuttingDown();
        const key = `${p.account}\u0000${p.folder}`;
        const last = lastSent.get(key);
        const now = Date.now();
        if (last && last.phase === p.phase && now - last.at < PROGRESS_INTERVAL_MS) return;
        lastSent.set(key, { at: now, phase: p.phase });
        this.send({ type: 'progress', runId, progress: { ...p } });
      },
      folderDone: (account, summary) => {
        this.send({ type: 'folderDone', runId, account, summary: scrubFolder(summary) });
        stopIfShuttingDown();
      },
      note: (account, folder, message) => {
        this.send({ type: 'note', runId, account, folder, message: redactSecrets(message) });
        stopIfShuttingDown();
      },
    };
  }

  private async listFolders(name: string, credentials: Credentials): Promise<FolderListing> {
    const account = this.accounts.get(name);
    if (!account) throw new Error(`no account "${name}"`);
    const stores = await this.engine.openStores(withCredentials(account, credentials), this.oauth());
    try {
      const [remote, local] = await Promise.all([stores.remote.listFolders(), stores.local.listFolders()]);
      return { remote: remote.map((f) => f.name), local: local.map((f) => f.name) };
    } finally {
      await Promise.allSettled([stores.remote.close(), stores.local.close()]);
    }
  }

  private async reply(requestId: number, work: () => Promise<unknown>): Promise<void> {
    try {
      this.send({ type: 'reply', requestId, result: await work(), error: null });
    } catch (err) {
      this.send({ type: 'reply', requestId, result: null, error: describeError(err) });
    }
  }

  private send(event: EngineEvent): void {
    this.transport.send(event);
  }
}

/** The config entry the engine expects, with passwords (or OAuth2) given in place of their sources. */
function withCredentials(account: EngineAccount, credentials: Credentials): AccountConfig {
  const side = <E extends EngineAccount['remote']>(endpoint: E, credential: Credentials['remote'] | null) => {
    const { oauth2: _flag, ...rest } = endpoint;
    if (credential !== null && typeof credential === 'object') return { ...rest, auth: { method: 'oauth2' as const } };
    if (credential) registerSecret(credential);
    return { ...rest, password: credential ?? '' };
  };
  const local = account.local.type === 'imap' ? side(account.local, credentials.local) : account.local;
  return { ...account, remote: side(account.remote, credentials.remote), local };
}

function classify(error: string | null, connectFailure: ImapConnectError | null): { kind: EngineErrorKind | null; fingerprint: string | null } {
  if (error === null) return { kind: null, fingerprint: null };
  if (connectFailure) {
    const hex = connectFailure.fingerprint;
    return { kind: connectFailure.kind, fingerprint: hex ? `sha256:${hex}` : null };
  }
  // AccountLockedError's message is all that survives syncAccount's catch.
  if (/is being synced by another mailferry process/.test(error)) return { kind: 'locked', fingerprint: null };
  return { kind: 'other', fingerprint: null };
}

function scrubFolder(s: FolderSummary): FolderSummary {
  return { ...s, notes: s.notes.map(redactSecrets), error: s.error === null ? null : redactSecrets(s.error) };
}

function scrubSummary(s: AccountSummary): AccountSummary {
  return { ...s, error: s.error === null ? null : redactSecrets(s.error), folders: s.folders.map(scrubFolder) };
}
