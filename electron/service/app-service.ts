import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  appEvents,
  type AccountInput,
  type AccountView,
  type AppEvent,
  type AppEventPayload,
  type AppInfo,
  type ErrorKind,
  type ScreenTarget,
  type ServerFolder,
  type Settings,
} from '../../shared/api/app-api.js';
import { FolderListingSchema, AccountOverviewSchema, type AccountOverview, type Credentials, type EngineEvent } from '../../shared/api/engine-protocol.js';
import { folderSelected, type AccountConfig } from '../../shared/config.js';
import { settleConflict } from '../engine/conflicts/settle-conflict.js';
import { AccountLockedError } from '../engine/state/account-lock.js';
import { describeError } from '../engine/sync/describe-error.js';
import { ApiFailure } from './api/api-failure.js';
import type { AppHandlers } from './api/api-dispatch.js';
import { accountFromInput, engineAccount } from './accounts/account-config.js';
import { accountView, conflictViews, emptyRuntime, folderViews, type AccountRuntime } from './accounts/account-views.js';
import { AnnouncedViews } from './accounts/announced-views.js';
import { isAppKept, readAppConfig, validateAccounts, writeAppConfig, type AppConfig } from './accounts/config-file.js';
import { Passwords } from './accounts/passwords.js';
import { ActivityLog } from './activity/activity-log.js';
import { EngineSupervisor, type RestartPolicy } from './engine/engine-supervisor.js';
import type { EngineLauncher } from './engine/engine-process.js';
import { alertsFromPass } from './notifications/alerts-from-pass.js';
import { NotificationRules, type NotificationPolicy } from './notifications/notification-rules.js';
import { ProgressRates } from './progress/progress-rates.js';
import { SyncScheduler, type Clock, type PassOutcome } from './scheduling/sync-scheduler.js';
import type { SecretStore } from './secrets/secret-store.js';
import { applySettingsPatch, migrateSettings, SETTINGS_VERSION } from './settings/settings.js';
import type { SettingsStore } from './settings/settings-store.js';
import { trayModel, type TrayModel } from './tray/tray-model.js';
import { forTheApp, noteForTheApp, sideNames, type SideNames } from './wording/app-wording.js';
import { choiceText, CONFLICT_TITLE } from '../../shared/conflict-wording.js';
import { checkMaildir } from './wizard/check-maildir.js';
import { testConnection } from './wizard/connection-test.js';
import { guessServer, InvalidEmailAddressError } from '../engine/setup/guess-server.js';
import { grantBinding, oauthClient } from '../engine/oauth2/access-tokens.js';
import { FileGrantStore, grantFilePath, grantFromSignIn, type GrantStore } from '../engine/oauth2/grant-store.js';
import { OAuth2Error } from '../engine/oauth2/oauth2-error.js';
import { isProviderAuth, resolveEndpoints } from '../engine/oauth2/providers.js';
import { signInWithBrowser } from '../engine/oauth2/sign-in.js';
import { tokenSource } from '../engine/store/open-store.js';
import { grantKey, SecretGrantStore } from './accounts/oauth-grants.js';

/** How long a choice waits for a running pass of its account before it is refused as busy. */
const SETTLE_WAIT_MS = 60_000;

export interface AppServiceOptions {
  mode: AppInfo['mode'];
  version: string;
  /** The accounts file (config-file.ts). */
  configPath: string;
  /** The state directory when the accounts file names none; the CLI's default if not given. */
  defaultStateDir?: string;
  /** Where the app keeps its own files (the activity log). */
  appDataDir: string;
  settings: SettingsStore;
  /**
   * Where passwords typed into the UI are remembered: the OS-encrypted secret store (desktop),
   * the config file itself, mode 0600, as the CLI reads it (`serve`), or nowhere (desktop
   * without OS encryption: kept in memory until quit, never written in plain text).
   */
  passwordKeeping: { kind: 'secret-store'; store: SecretStore } | { kind: 'config-file' } | { kind: 'memory' };
  launcher: EngineLauncher;
  /** Desktop only: a native folder picker. */
  pickDirectory?: () => Promise<string | null>;
  /** Desktop only: hands an already validated https:/mailto: URL to the OS. */
  openExternal?: (url: string) => Promise<void>;
  restartPolicy?: RestartPolicy;
  shutdownTimeoutMs?: number;
  notificationPolicy?: NotificationPolicy;
  clock?: Clock;
  firstPassDelayMs?: number;
}

/** `payload` is the validated AppEventPayload of `event`. */
export type AppEventListener = (event: AppEvent, payload: AppEventPayload<AppEvent>) => void;

interface PendingRun {
  account: string;
  resolve: (outcome: PassOutcome) => void;
}

/**
 * Everything the app does, in plain Node: hosted by Electron main (electron/main) and by
 * `mailferry serve` alike, which only add transports and OS integration. Owns the accounts
 * file, the settings, passwords, the schedule, the engine host (through its supervisor), the
 * activity log and the notification rules; the renderer reaches it only through `handlers`
 * (via api-dispatch.ts) and the events it emits.
 */
export class AppService {
  private config!: AppConfig;
  private settings!: Settings;
  private activity!: ActivityLog;
  private readonly passwords: Passwords;
  private readonly runtimes = new Map<string, AccountRuntime>();
  private readonly pendingRuns = new Map<string, PendingRun>();
  private readonly interrupted = new Set<string>();
  /** Accounts whose state was read once: conflicts open before that are not news. */
  private readonly startupOverviewSeen = new Set<string>();
  private readonly listeners = new Set<AppEventListener>();
  private readonly announced = new AnnouncedViews();
  private readonly supervisor: EngineSupervisor;
  private readonly scheduler: SyncScheduler;
  private readonly notifications: NotificationRules;
  private readonly rates = new ProgressRates();
  private readonly clock: Clock;
  private notifyTimer: unknown = null;
  private runSeq = 0;
  private editing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly opts: AppServiceOptions) {
    this.clock = opts.clock ?? { now: Date.now, setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    this.passwords = new Passwords(opts.passwordKeeping.kind === 'secret-store' ? opts.passwordKeeping.store : null);
    this.notifications = new NotificationRules(opts.notificationPolicy);
    this.supervisor = new EngineSupervisor({
      launcher: opts.launcher,
      startCommand: () => ({ type: 'start', stateDir: this.config.stateDir, accounts: this.config.accounts.map(engineAccount) }),
      hiddenEnv: () => this.hiddenEnv(),
      onEvent: (e) => this.engineEvent(e),
      onCrash: (reason) => this.engineCrashed(reason),
      onRestart: ({ restarts, reason }) => this.engineRestarted(restarts, reason),
      onInvalidMessage: (problem) => this.log('error', null, null, `the sync engine sent an invalid message: ${problem}`),
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      ...(opts.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: opts.shutdownTimeoutMs } : {}),
    });
    this.scheduler = new SyncScheduler({
      intervalMs: () => this.settings.syncIntervalMinutes * 60_000,
      runPass: (account) => this.runPass(account),
      onChange: (account) => this.accountChanged(account),
      clock: this.clock,
      ...(opts.firstPassDelayMs !== undefined ? { firstPassDelayMs: opts.firstPassDelayMs } : {}),
    });
  }

  /** Reads the accounts file and settings, starts the engine host and the schedule. Throws ConfigError. */
  static async start(opts: AppServiceOptions): Promise<AppService> {
    const service = new AppService(opts);
    await service.load();
    return service;
  }

  private async load(): Promise<void> {
    this.config = await readAppConfig(this.opts.configPath, this.opts.defaultStateDir);
    await mkdir(this.opts.appDataDir, { recursive: true, mode: 0o700 });
    const { stored, writeBack } = migrateSettings(await this.opts.settings.read());
    this.settings = stored.settings;
    if (writeBack) await this.opts.settings.write(stored);
    this.activity = await ActivityLog.open(join(this.opts.appDataDir, 'activity.jsonl'));
    this.activity.onAppend((entry) => this.emit('activity', entry));
    await this.passwords.load(this.config.accounts);
    for (const a of this.config.accounts) this.runtimes.set(a.name, emptyRuntime());
    this.supervisor.start();
    this.scheduler.setAccounts(this.names());
    for (const name of this.names()) void this.refreshOverview(name);
    this.updatePushAll();
    this.log('info', null, null, `Mailferry ${this.opts.version} started with ${this.config.accounts.length} account(s)`);
  }

  onEvent(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  accountViews(): AccountView[] {
    return this.config.accounts.map((a) => this.view(a));
  }

  trayModel(): TrayModel {
    return trayModel(this.accountViews());
  }

  /** Asks the UI to show a screen (a clicked notification or tray line). */
  navigate(target: ScreenTarget): void {
    this.emit('navigate', target);
  }

  /** After resume from sleep or when the network is back: every account not paused, now. */
  syncAll(reason: string): void {
    if (this.config.accounts.length === 0) return;
    this.log('info', null, null, `syncing all accounts: ${reason}`);
    for (const name of this.names()) this.scheduler.syncNow(name);
  }

  pauseAll(): void {
    for (const name of this.names()) this.pause(name);
  }

  resumeAll(): void {
    for (const name of this.names()) this.resume(name);
  }

  /** Stops scheduling, lets the engine finish its step, and flushes the log. */
  async shutdown(): Promise<void> {
    this.scheduler.stop();
    if (this.notifyTimer !== null) this.clock.clearTimeout(this.notifyTimer);
    const { clean } = await this.supervisor.shutdown();
    for (const run of this.pendingRuns.values()) run.resolve('interrupted');
    this.pendingRuns.clear();
    this.log('info', null, null, clean ? 'Mailferry stopped' : 'Mailferry stopped (the sync engine had to be stopped forcibly)');
    await this.activity.flush();
  }

  readonly handlers: AppHandlers = {
    getAppInfo: async () => ({
      version: this.opts.version,
      mode: this.opts.mode,
      passwordStorage: this.passwordStorage(),
      configPath: this.opts.configPath,
      stateDir: this.config.stateDir,
      canPickDirectory: this.opts.pickDirectory !== undefined,
    }),
    listAccounts: async () => this.accountViews(),
    getAccount: async ({ account }) => {
      const config = this.account(account);
      await this.refreshOverview(account);
      return { account: this.view(config), folders: folderViews(config, this.runtime(account)) };
    },
    listServerFolders: async ({ account }) => {
      const config = this.account(account);
      const listing = FolderListingSchema.parse(await this.supervisor.request({ type: 'listFolders', account, credentials: await this.credentials(config) }));
      const names = [...new Set([...listing.remote, ...listing.local])].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b)));
      return names.map((folder): ServerFolder => ({
        folder,
        onRemote: listing.remote.includes(folder),
        onLocal: listing.local.includes(folder),
        included: folderSelected(config.folders, folder),
      }));
    },
    addAccount: ({ account }) => this.edit(() => this.saveAccount(account, undefined)),
    updateAccount: ({ name, account }) => this.edit(() => this.saveAccount(account, name)),
    removeAccount: ({ account, keepLocalMail }) => this.edit(() => this.removeAccount(account, keepLocalMail)),
    setFolderIncluded: ({ account, folder, included }) => this.edit(() => this.setFolderIncluded(account, folder, included)),
    syncNow: async ({ account }) => {
      // Resuming a paused account starts its pass already.
      for (const name of this.selected(account)) {
        if (this.scheduler.isPaused(name)) this.resume(name);
        else this.scheduler.syncNow(name);
      }
      return {};
    },
    pause: async ({ account }) => {
      for (const name of this.selected(account)) this.pause(name);
      return {};
    },
    resume: async ({ account }) => {
      for (const name of this.selected(account)) this.resume(name);
      return {};
    },
    listConflicts: async ({ account }) => {
      const names = this.selected(account);
      await Promise.all(names.map((n) => this.refreshOverview(n)));
      return names.flatMap((n) => conflictViews(n, this.runtime(n).overview, this.config.accounts.find((a) => a.name === n)));
    },
    settleConflict: async ({ account, folder, conflictId, choice }) => {
      this.account(account);
      // Its kind names the choice in the log; some choices drop the conflict at once.
      const kindOf = () => this.runtime(account).overview?.folders.find((f) => f.folder === folder)?.conflicts.find((c) => c.id === conflictId)?.kind;
      if (!kindOf()) await this.refreshOverview(account);
      const kind = kindOf();
      // A pass holds the account's state: the choice is recorded as soon as it ends.
      for (const deadline = Date.now() + SETTLE_WAIT_MS; ; ) {
        try {
          if (!this.scheduler.isRunning(account)) {
            await settleConflict(this.config.stateDir, account, folder, conflictId, choice);
            break;
          }
        } catch (err) {
          if (!(err instanceof AccountLockedError)) throw new ApiFailure('failed', describeError(err));
        }
        if (Date.now() > deadline) throw new ApiFailure('busy', `"${account}" is still syncing; choose again when the pass is done`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Reading the state announces the change; without an engine to read it, say so anyway.
      if (!(await this.refreshOverview(account))) this.emit('conflictsChanged', { account });
      const chosen = kind ? `“${choiceText(kind, choice).label}” (${CONFLICT_TITLE[kind].toLowerCase()})` : `to ${choice.replace('-', ' ')}`;
      this.log('info', account, folder, `conflict settled: you chose ${chosen}; the next sync carries it out`);
      this.scheduler.syncNow(account);
      return {};
    },
    getActivity: async ({ query, limit }) => this.activity.query({ ...(query !== undefined ? { query } : {}), ...(limit !== undefined ? { limit } : {}) }),
    getSettings: async () => this.settings,
    updateSettings: async ({ patch }) => this.updateSettings(patch),
    // Half-typed addresses are normal while the wizard is open: no guess, not an error.
    guessServer: async ({ email }) => guessServer(email).catch((err: unknown) => (err instanceof InvalidEmailAddressError ? [] : Promise.reject(err))),
    testConnection: async ({ endpoint, account, side }) => {
      const existing = account !== undefined ? this.config.accounts.find((a) => a.name === account) : undefined;
      const stored = existing && side ? existing[side] : undefined;
      let password = endpoint.password;
      if (password === undefined) {
        if (!existing || !side || stored?.type !== 'imap') throw new ApiFailure('invalid-request', 'a password is needed to test the connection');
        password = await this.passwords.resolve(existing, side, this.hiddenEnv());
      }
      const caFile = stored?.type === 'imap' && stored.host === endpoint.host ? stored.tls?.ca : undefined;
      return testConnection({
        host: endpoint.host,
        port: endpoint.port,
        security: endpoint.security,
        user: endpoint.user,
        password,
        ...(endpoint.fingerprint ? { fingerprint: endpoint.fingerprint } : {}),
        ...(caFile ? { caFile } : {}),
      });
    },
    checkMaildir: async ({ path }) => checkMaildir(path),
    pickDirectory: async () => ({ path: this.opts.pickDirectory ? await this.opts.pickDirectory() : null }),
    openExternal: async ({ url }) => {
      if (!this.opts.openExternal) return { opened: false };
      await this.opts.openExternal(url);
      return { opened: true };
    },
    signIn: async ({ account: name, side }) => this.signIn(name, side ?? 'remote'),
  };

  // ------------------------------------------------------------------------------------------
  // OAuth2

  private readonly grantMemory = new Map<string, string>();
  private readonly grantStores = new Map<string, GrantStore>();

  /**
   * Where an OAuth2 side's grant lives: the OS-encrypted secret store (desktop), memory (desktop
   * without OS encryption), or under `serve` the CLI's file in the state directory, so that
   * `mailferry login` and `serve` share one sign-in.
   */
  private grantStore(account: string, side: 'remote' | 'local'): GrantStore {
    const keeping = this.opts.passwordKeeping;
    if (keeping.kind === 'config-file') return new FileGrantStore(grantFilePath(this.config.stateDir, account, side));
    const key = grantKey(account, side);
    let store = this.grantStores.get(key);
    if (!store) this.grantStores.set(key, (store = new SecretGrantStore(keeping.kind === 'secret-store' ? keeping.store : null, key, this.grantMemory)));
    return store;
  }

  private signInAgain(account: string): string {
    return this.opts.mode === 'headless' ? `sign in again: mailferry login --account ${account}` : `sign in again (the account's "Sign in" in Mailferry)`;
  }

  private oauthContext(side: 'remote' | 'local') {
    return { stateDir: this.config.stateDir, side, grantStore: (a: string, s: 'remote' | 'local') => this.grantStore(a, s), signInAgain: (a: string) => this.signInAgain(a) };
  }

  /** The engine host opens a connection of an OAuth2 side: a fresh access token, or why there is none. */
  private async answerToken(e: Extract<EngineEvent, { type: 'tokenRequest' }>): Promise<void> {
    let answer: { accessToken: string | null; error: string | null; signInRequired: boolean };
    try {
      const account = this.config.accounts.find((a) => a.name === e.account);
      const endpoint = account?.[e.side];
      if (!account || !endpoint || endpoint.type !== 'imap' || endpoint.auth === undefined) throw new Error(`account "${e.account}" has no OAuth2 ${e.side} side`);
      const source = tokenSource(endpoint, account.name, this.hiddenEnv(), this.oauthContext(e.side));
      if (e.refused !== null) source.refused(e.refused);
      answer = { accessToken: await source.get(), error: null, signInRequired: false };
    } catch (err) {
      answer = { accessToken: null, error: describeError(err), signInRequired: err instanceof OAuth2Error && err.kind === 'invalid-grant' };
    }
    this.supervisor.send({ type: 'token', requestId: e.requestId, ...answer });
  }

  private async signIn(name: string, side: 'remote' | 'local'): Promise<{ identity: string }> {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) throw new ApiFailure('not-found', `no account "${name}"`);
    const endpoint = account[side];
    if (endpoint.type !== 'imap' || !isProviderAuth(endpoint.auth)) throw new ApiFailure('invalid-request', `the ${side} side of "${name}" does not sign in with an OAuth2 provider`);
    const open = this.opts.openExternal;
    if (!open) throw new ApiFailure('unsupported', `this host cannot open a browser; sign in with: mailferry login --account ${name}`);
    const auth = endpoint.auth;
    let result;
    try {
      result = await signInWithBrowser({ endpoints: await resolveEndpoints(auth), client: oauthClient(auth), loginHint: endpoint.user, onAuthorizationUrl: (url) => open(url) });
    } catch (err) {
      throw new ApiFailure('failed', describeError(err));
    }
    if (result.tokens.refreshToken === null) throw new ApiFailure('failed', 'the provider gave no refresh token, so Mailferry could not stay signed in; check the app registration and scopes');
    const store = this.grantStore(name, side);
    await store.exclusive(() => store.write(grantFromSignIn(grantBinding(auth), result.tokens, result.identity)));
    const identity = result.identity ?? endpoint.user;
    this.log('info', name, null, `signed in as ${identity}`);
    const runtime = this.runtimes.get(name);
    if (runtime?.lastError?.kind === 'signin-required') runtime.lastError = null;
    this.accountChanged(name);
    this.scheduler.syncNow(name);
    return { identity };
  }

  // ------------------------------------------------------------------------------------------
  // Accounts

  /** Account edits run one at a time, so two never write the file over each other. */
  private edit<T>(work: () => Promise<T>): Promise<T> {
    const next = this.editing.then(work, work);
    this.editing = next.catch(() => undefined);
    return next;
  }

  private async saveAccount(input: AccountInput, previousName: string | undefined): Promise<AccountView> {
    const previous = previousName === undefined ? undefined : this.account(previousName);
    const renamed = previous !== undefined && previous.name !== input.name;
    const clash = this.config.accounts.find((a) => a !== previous && a.name.toLowerCase() === input.name.toLowerCase());
    if (clash) throw new ApiFailure('invalid-request', `there is already an account named "${clash.name}" (names are compared ignoring case)`);
    if (renamed && this.scheduler.isRunning(previous.name)) throw new ApiFailure('busy', `"${previous.name}" is syncing right now; rename it when the pass is done`);

    const { account, typed } = accountFromInput(input, previous);
    // Typed passwords: kept by the app (keychain or memory), or under `serve` written into the file.
    const inline = this.opts.passwordKeeping.kind === 'config-file' && this.settings.rememberPasswords;
    for (const [side, password] of Object.entries(typed) as ['remote' | 'local', string][]) {
      const endpoint = account[side];
      if (inline && endpoint.type === 'imap') endpoint.password = password;
    }
    const accounts = this.config.accounts.map((a) => (a === previous ? account : a));
    if (!previous) accounts.push(account);
    const checked = validateAccounts({ ...(this.config.stateDirSetting ? { stateDir: this.config.stateDir } : {}), accounts }, 'account');
    const saved = checked.accounts.find((a) => a.name === account.name)!;
    if (saved.local.type === 'maildir') await mkdir(saved.local.path, { recursive: true, mode: 0o700 });

    if (renamed) await this.moveState(previous.name, saved.name);
    await writeAppConfig(this.opts.configPath, { stateDirSetting: this.config.stateDirSetting, accounts: checked.accounts });
    this.config = { ...this.config, accounts: checked.accounts };
    if (renamed) await this.passwords.rename(previous.name, saved.name);
    for (const [side, password] of Object.entries(typed) as ['remote' | 'local', string][]) {
      if (isAppKept(saved[side])) await this.passwords.keep(saved.name, side, password, this.settings.rememberPasswords);
    }
    if (renamed) {
      this.runtimes.set(saved.name, this.runtimes.get(previous.name) ?? emptyRuntime());
      this.runtimes.delete(previous.name);
    } else if (!previous) this.runtimes.set(saved.name, emptyRuntime());
    const runtime = this.runtime(saved.name);
    runtime.lastError = null;

    this.accountsEdited();
    this.log('info', saved.name, null, previous ? (renamed ? `account renamed from "${previous.name}"` : 'account settings changed') : 'account added');
    if (!previous || renamed) void this.refreshOverview(saved.name);
    // A new password is tried at once: after failed logins the next pass may be an hour away.
    if (!previous || Object.keys(typed).length > 0) this.scheduler.syncNow(saved.name);
    void this.updatePush(saved.name);
    return this.view(saved);
  }

  private async removeAccount(name: string, keepLocalMail: boolean): Promise<{ localMailRemoved: boolean }> {
    const account = this.account(name);
    if (this.scheduler.isRunning(name)) throw new ApiFailure('busy', `"${name}" is syncing right now; remove it when the pass is done`);
    let localMailRemoved = false;
    if (!keepLocalMail) {
      if (account.local.type !== 'maildir') throw new ApiFailure('invalid-request', 'only a local Maildir can be removed with the account; mail on an IMAP server stays');
      const check = await checkMaildir(account.local.path);
      if (check.exists && !check.isMaildir) throw new ApiFailure('failed', `${account.local.path} does not look like a Maildir (no cur, new and tmp folders); it was left alone`);
    }
    const accounts = this.config.accounts.filter((a) => a !== account);
    await writeAppConfig(this.opts.configPath, { stateDirSetting: this.config.stateDirSetting, accounts });
    this.config = { ...this.config, accounts };
    this.runtimes.delete(name);
    await this.passwords.forget(name);
    // The sync state belongs to the account; re-adding it later re-pairs messages by identity.
    await rm(join(this.config.stateDir, name), { recursive: true, force: true });
    if (!keepLocalMail && account.local.type === 'maildir') {
      await rm(account.local.path, { recursive: true, force: true });
      localMailRemoved = true;
    }
    this.accountsEdited();
    this.log('info', name, null, localMailRemoved ? `account removed with its local mail in ${account.local.type === 'maildir' ? account.local.path : ''}` : 'account removed; the local mail was kept');
    return { localMailRemoved };
  }

  private async setFolderIncluded(name: string, folder: string, included: boolean) {
    const account = this.account(name);
    if (/[*%]/.test(folder)) throw new ApiFailure('unsupported', `"${folder}" contains * or %, which are pattern characters; edit the account's folder patterns instead`);
    const same = (p: string) => p.toLowerCase() === folder.toLowerCase();
    let { include, exclude } = account.folders;
    if (included) {
      exclude = exclude.filter((p) => !same(p));
      if (!folderSelected({ include, exclude }, folder)) include = [...include, folder];
    } else {
      include = include.filter((p) => !same(p));
      if (folderSelected({ include, exclude }, folder)) exclude = [...exclude, folder];
    }
    const updated: AccountConfig = { ...account, folders: { include, exclude } };
    const accounts = this.config.accounts.map((a) => (a === account ? updated : a));
    await writeAppConfig(this.opts.configPath, { stateDirSetting: this.config.stateDirSetting, accounts });
    this.config = { ...this.config, accounts };
    this.accountsEdited();
    this.log('info', name, folder, included ? 'folder included in sync' : 'folder excluded from sync (its mail stays where it is)');
    return { account: this.view(updated), folders: folderViews(updated, this.runtime(name)) };
  }

  private async moveState(from: string, to: string): Promise<void> {
    const source = join(this.config.stateDir, from);
    if (!(await stat(source).catch(() => null))) return;
    await rename(source, join(this.config.stateDir, to));
  }

  /** The engine host, the schedule and the UI learn the new account list. */
  private accountsEdited(): void {
    this.supervisor.send({ type: 'configure', accounts: this.config.accounts.map(engineAccount) });
    this.scheduler.setAccounts(this.names());
    const views = this.accountViews();
    this.emit('accountsChanged', { accounts: views });
    this.announced.replaceAll(views);
  }

  // ------------------------------------------------------------------------------------------
  // Passes

  private async runPass(name: string): Promise<PassOutcome> {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) return 'skipped';
    let credentials: Credentials;
    try {
      credentials = await this.credentials(account);
    } catch (err) {
      this.passFailed(name, 'config', describeError(err), null);
      return 'failed';
    }
    const runId = `${name}#${++this.runSeq}`;
    return new Promise<PassOutcome>((resolve) => {
      this.pendingRuns.set(runId, { account: name, resolve });
      if (!this.supervisor.send({ type: 'sync', runId, account: name, credentials, folders: [] })) {
        this.pendingRuns.delete(runId);
        this.interrupted.add(name);
        resolve('interrupted');
      }
    });
  }

  private async credentials(account: AccountConfig): Promise<Credentials> {
    const hidden = this.hiddenEnv();
    // An OAuth2 side sends no secret: the host asks for each access token (answerToken).
    const side = async (s: 'remote' | 'local') => (account[s].type === 'imap' && account[s].auth !== undefined ? { oauth2: true as const } : this.passwords.resolve(account, s, hidden));
    return {
      remote: await side('remote'),
      local: account.local.type === 'imap' ? await side('local') : null,
    };
  }

  private engineEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'ready':
        return;
      case 'syncStarted':
        this.log('info', e.account, null, 'sync started');
        return;
      case 'progress':
        this.emit('progress', this.rates.view(e.progress));
        return;
      case 'folderDone': {
        const runtime = this.runtimes.get(e.account);
        runtime?.lastOutcomes.set(e.summary.folder, { outcome: e.summary.outcome, error: e.summary.error });
        const finished = this.rates.finished(e.account, e.summary);
        if (finished) this.emit('progress', finished);
        for (const note of e.summary.notes) {
          const { level, message } = noteForTheApp(note, this.sides(e.account));
          this.log(level, e.account, e.summary.folder, message);
        }
        if (e.summary.error !== null) this.log('error', e.account, e.summary.folder, forTheApp(e.summary.error, this.sides(e.account)));
        // A folder that failed or was stopped counts in the account's totals at once.
        this.accountChanged(e.account);
        return;
      }
      case 'note':
        this.log('info', e.account, e.folder, forTheApp(e.message, this.sides(e.account)));
        return;
      case 'syncFinished':
        this.passFinished(e);
        return;
      case 'status':
        this.statusArrived(e.account, e.overview);
        return;
      case 'changed':
        this.scheduler.syncNow(e.account);
        return;
      case 'error':
        this.log('error', null, null, `sync engine: ${e.message}`);
        return;
      case 'tokenRequest':
        void this.answerToken(e);
        return;
      case 'reply':
        return;
    }
  }

  private passFinished(e: Extract<EngineEvent, { type: 'syncFinished' }>): void {
    const run = this.pendingRuns.get(e.runId);
    this.pendingRuns.delete(e.runId);
    this.rates.clear(e.account);
    const runtime = this.runtimes.get(e.account);
    if (e.skipped !== null || !e.summary || !runtime) {
      run?.resolve('skipped');
      return;
    }
    const account = this.config.accounts.find((a) => a.name === e.account);
    if (e.summary.error !== null) {
      this.passFailed(e.account, (e.errorKind ?? 'other') as ErrorKind, e.summary.error, e.fingerprint);
      for (const alert of alertsFromPass(account, e.summary, e.errorKind, e.fingerprint)) this.alert(alert);
      run?.resolve('failed');
      return;
    }
    runtime.lastError = null;
    this.notifications.resolved(e.account, ['auth-failed', 'unreachable', 'tls-changed', 'tls-untrusted']);
    if (!e.summary.folders.some((s) => s.outcome === 'incomplete')) this.notifications.resolved(e.account, ['not-in-step']);
    for (const alert of alertsFromPass(account, e.summary, null, null)) this.alert(alert);
    const f = e.summary.folders;
    const copied = f.reduce((n, s) => n + s.copied.toLocal + s.copied.toRemote, 0);
    const failed = f.filter((s) => s.outcome === 'failed' || s.outcome === 'stopped').length;
    const incomplete = f.filter((s) => s.outcome === 'incomplete').length;
    const trouble = [failed > 0 ? `${failed} folder(s) not synced` : '', incomplete > 0 ? `${incomplete} folder(s) with mail on one side only` : ''].filter(Boolean);
    this.log(trouble.length > 0 ? 'warning' : 'info', e.account, null, `sync finished: ${f.length} folder(s), ${copied} message(s) copied${trouble.map((t) => `, ${t}`).join('')}`);
    run?.resolve('ok');
  }

  private passFailed(name: string, kind: ErrorKind, message: string, fingerprint: string | null): void {
    const runtime = this.runtimes.get(name);
    if (runtime) runtime.lastError = { kind, message, at: new Date(this.clock.now()).toISOString() };
    this.log('error', name, null, fingerprint ? `${message} (certificate ${fingerprint})` : message);
  }

  private statusArrived(name: string, overview: AccountOverview): void {
    const runtime = this.runtimes.get(name);
    if (!runtime) return;
    const open = (o: AccountOverview | null) => new Set((o?.folders ?? []).flatMap((f) => f.conflicts.filter((c) => c.settled === null).map((c) => c.id)));
    const before = open(runtime.overview);
    const added = [...open(overview)].filter((id) => !before.has(id));
    // Whatever listConflicts would now answer differently: a conflict appeared, was settled or is gone.
    const conflictsDiffer = !isDeepStrictEqual(conflictViews(name, runtime.overview), conflictViews(name, overview));
    runtime.overview = overview;
    if (conflictsDiffer) this.emit('conflictsChanged', { account: name });
    if (added.length > 0 && this.startupOverviewSeen.has(name)) {
      this.alert({ kind: 'new-conflicts', account: name, detail: `${added.length} new conflict(s) need your choice`, key: `new-conflicts:${name}:${added.sort().join(',')}` });
    }
    this.startupOverviewSeen.add(name);
    this.accountChanged(name);
  }

  /** False when the engine could not read the state. */
  private async refreshOverview(name: string): Promise<boolean> {
    try {
      const overview = AccountOverviewSchema.parse(await this.supervisor.request({ type: 'overview', account: name }));
      this.statusArrived(name, overview);
      return true;
    } catch {
      // Engine restarting: the cached overview stands until the next pass reports.
      return false;
    }
  }

  private engineCrashed(reason: string): void {
    this.log('error', null, null, `${reason}; restarting it`);
    for (const run of this.pendingRuns.values()) {
      this.interrupted.add(run.account);
      run.resolve('interrupted');
    }
    this.pendingRuns.clear();
  }

  private engineRestarted(restarts: number, reason: string): void {
    this.emit('engineRestarted', { at: new Date(this.clock.now()).toISOString(), restarts, reason });
    this.log('warning', null, null, `sync engine restarted (${restarts} time(s) so far)`);
    for (const name of this.names()) if (this.scheduler.isPaused(name)) this.supervisor.send({ type: 'pause', account: name });
    const again = [...this.interrupted];
    this.interrupted.clear();
    for (const name of again) this.scheduler.syncNow(name);
    this.updatePushAll();
  }

  /**
   * Push (IDLE on INBOX, settings.push): on while the account is not paused. A change the
   * server reports becomes an immediate pass through the scheduler, so passes never overlap.
   */
  private async updatePush(name: string): Promise<void> {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) return;
    if (!this.settings.push || this.scheduler.isPaused(name) || !folderSelected(account.folders, 'INBOX')) {
      this.supervisor.send({ type: 'unwatch', account: name });
      return;
    }
    let credentials: Credentials;
    try {
      credentials = await this.credentials(account);
    } catch {
      // Without a password there is no push; the next pass says what is missing.
      return;
    }
    this.supervisor.send({ type: 'watch', account: name, folders: ['INBOX'], credentials });
  }

  private updatePushAll(): void {
    for (const name of this.names()) void this.updatePush(name);
  }

  private pause(name: string): void {
    if (this.scheduler.isPaused(name)) return;
    this.scheduler.pause(name);
    this.supervisor.send({ type: 'pause', account: name });
    void this.updatePush(name);
    this.log('info', name, null, this.scheduler.isRunning(name) ? 'paused: the running pass finishes, no new ones start' : 'paused');
  }

  private resume(name: string): void {
    if (!this.scheduler.isPaused(name)) return;
    this.supervisor.send({ type: 'resume', account: name });
    this.scheduler.resume(name);
    void this.updatePush(name);
    this.log('info', name, null, 'resumed');
  }

  // ------------------------------------------------------------------------------------------
  // Settings, notifications, events

  private async updateSettings(patch: Parameters<AppHandlers['updateSettings']>[0]['patch']): Promise<Settings> {
    const before = this.settings;
    const next = applySettingsPatch(before, patch);
    await this.opts.settings.write({ schemaVersion: SETTINGS_VERSION, settings: next });
    this.settings = next;
    if (next.syncIntervalMinutes !== before.syncIntervalMinutes) this.scheduler.rescheduleAll();
    if (next.rememberPasswords !== before.rememberPasswords) await this.rememberPasswords(next.rememberPasswords);
    if (next.push !== before.push) this.updatePushAll();
    // The next sync times and where passwords are kept show in the account views.
    for (const name of this.names()) this.accountChanged(name);
    this.emit('settingsChanged', next);
    this.log('info', null, null, 'settings changed');
    return next;
  }

  /** Moves app-kept passwords into the secret store, or out of it (kept in memory until quit). */
  private async rememberPasswords(remember: boolean): Promise<void> {
    for (const account of this.config.accounts) {
      for (const side of ['remote', 'local'] as const) {
        if (!isAppKept(account[side])) continue;
        const password = await this.passwords.resolve(account, side, []).catch(() => null);
        if (password !== null) await this.passwords.keep(account.name, side, password, remember);
      }
    }
  }

  private alert(alert: Parameters<NotificationRules['report']>[0]): void {
    this.notifications.report(alert, this.settings.notifications, this.clock.now());
    this.scheduleNotifications();
  }

  private scheduleNotifications(): void {
    const due = this.notifications.dueAt();
    if (due === null || this.notifyTimer !== null) return;
    this.notifyTimer = this.clock.setTimeout(
      () => {
        this.notifyTimer = null;
        const notification = this.notifications.flush(this.clock.now());
        if (notification) this.emit('notification', notification);
        this.scheduleNotifications();
      },
      Math.max(0, due - this.clock.now()),
    );
  }

  private emit<E extends AppEvent>(event: E, payload: AppEventPayload<E>): void {
    // Validated like every message that leaves: strict schemas let nothing extra through.
    const checked = appEvents[event].safeParse(payload);
    if (!checked.success) {
      if (event !== 'activity') this.log('error', null, null, `internal: invalid ${event} event dropped`);
      return;
    }
    for (const listener of this.listeners) listener(event, checked.data as AppEventPayload<E>);
  }

  /** Called wherever an account's view may have changed; announced only when it did. */
  private accountChanged(name: string): void {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) return;
    const view = this.view(account);
    if (this.announced.changed(view)) this.emit('accountChanged', view);
  }

  private log(level: 'info' | 'warning' | 'error', account: string | null, folder: string | null, message: string): void {
    this.activity.add({ level, account, folder, message });
  }

  // ------------------------------------------------------------------------------------------
  // Lookups

  private view(account: AccountConfig): AccountView {
    return accountView(
      account,
      this.runtime(account.name),
      { running: this.scheduler.isRunning(account.name), paused: this.scheduler.isPaused(account.name), nextSync: this.scheduler.nextSync(account.name) },
      this.passwords,
    );
  }

  /** How the app names the account's two sides (wording/app-wording.ts). */
  private sides(name: string): SideNames {
    return sideNames(this.config.accounts.find((a) => a.name === name));
  }

  private account(name: string): AccountConfig {
    const account = this.config.accounts.find((a) => a.name === name);
    if (!account) throw new ApiFailure('not-found', `no account named "${name}"`);
    return account;
  }

  private runtime(name: string): AccountRuntime {
    let runtime = this.runtimes.get(name);
    if (!runtime) this.runtimes.set(name, (runtime = emptyRuntime()));
    return runtime;
  }

  private selected(account: string | undefined): string[] {
    return account === undefined ? this.names() : [this.account(account).name];
  }

  private names(): string[] {
    return this.config.accounts.map((a) => a.name);
  }

  private passwordStorage(): AppInfo['passwordStorage'] {
    const keeping = this.opts.passwordKeeping;
    if (!this.settings.rememberPasswords || keeping.kind === 'memory') return 'memory';
    return keeping.kind === 'config-file' ? 'config-file' : keeping.store.protection;
  }

  private hiddenEnv(): string[] {
    return [
      ...new Set(this.config.accounts.flatMap((a) => [a.remote, a.local]).flatMap((e) => (e.type === 'imap' && e.passwordEnv ? [e.passwordEnv] : []))),
    ];
  }
}
