import { z } from 'zod';
import { CONFLICT_CHOICES } from '../conflicts.js';
import { MAILDIR_LAYOUTS, MAILDIR_NAME_ENCODINGS } from '../config.js';
import { ConflictSidesSchema } from '../conflict-sides.js';
import { parseBridgeError, type ApiErrorCode } from './bridge-errors.js';

/**
 * The contract between the renderer and whatever hosts it: Electron main (over IPC, through
 * the preload's bridge) or `mailferry serve` (over a WebSocket, see ws-framing.ts). Both
 * transports carry exactly these requests and events, validated on both ends with these
 * schemas, so the renderer cannot tell which one it runs on.
 *
 * Secrets only ever travel towards the host (passwords typed into the wizard); nothing the
 * host sends back contains one.
 */

// ---------------------------------------------------------------------------------------------
// Building blocks

const isoTime = z.string().min(1);
const accountName = z.string().min(1).max(64);
const folderName = z.string().min(1);

export const SecuritySchema = z.enum(['tls', 'starttls', 'none']);
export const DirectionSchema = z.enum(['both', 'pull', 'push']);
export const SideSchema = z.enum(['remote', 'local']);

/** An IMAP server as the wizard and the account editor send it. */
export const ImapEndpointInputSchema = z.strictObject({
  type: z.literal('imap'),
  host: z.string().min(1),
  port: z.int().min(1).max(65535),
  security: SecuritySchema,
  user: z.string().min(1),
  /** Write-only. Omitted when editing: the stored password is kept; given, it replaces it (changing a password). */
  password: z.string().min(1).optional(),
  /** Trust exactly this certificate ("sha256:" + hex), as offered after a tls-untrusted test. */
  fingerprint: z.string().min(1).optional(),
});

export const MaildirLayoutSchema = z.enum(MAILDIR_LAYOUTS);
export const MaildirNameEncodingSchema = z.enum(MAILDIR_NAME_ENCODINGS);

/** Another tool's sync state to adopt on the first pairing (config.ts ImportStateSchema); paths absolute or ~/…. */
export const ImportStateInputSchema = z.discriminatedUnion('from', [
  z.strictObject({ from: z.literal('mbsync'), path: z.string().min(1) }),
  z.strictObject({ from: z.literal('offlineimap'), path: z.string().min(1), repository: z.string().min(1) }),
]);

export const MaildirEndpointInputSchema = z.strictObject({
  type: z.literal('maildir'),
  /** Absolute, or starting with ~/. */
  path: z.string().min(1),
  /**
   * How an existing Maildir (another tool's) lays out and spells its folders, and that tool's
   * state to adopt. Omitted: a new account gets the defaults, an edit keeps what was saved.
   */
  layout: MaildirLayoutSchema.optional(),
  nameEncoding: MaildirNameEncodingSchema.optional(),
  importState: ImportStateInputSchema.optional(),
});

export const LocalEndpointInputSchema = z.discriminatedUnion('type', [MaildirEndpointInputSchema, ImapEndpointInputSchema]);

export const FolderFilterSchema = z.strictObject({
  include: z.array(folderName),
  exclude: z.array(folderName),
});

/** What the wizard (and the account editor) submits. */
export const AccountInputSchema = z.strictObject({
  name: accountName,
  remote: ImapEndpointInputSchema,
  local: LocalEndpointInputSchema,
  direction: DirectionSchema,
  propagateDeletes: z.boolean(),
  folders: FolderFilterSchema,
});

/** Where a password comes from: kept by the app (OS keychain, or memory only), or the config file's own source. */
/** oauth2: no password; the side signs in with OAuth2 (its tokens kept by the app or the CLI). */
export const PasswordSourceSchema = z.enum(['app', 'memory', 'config-file', 'command', 'environment', 'oauth2', 'missing']);

export const ImapEndpointViewSchema = z.strictObject({
  type: z.literal('imap'),
  host: z.string(),
  port: z.int(),
  security: SecuritySchema,
  user: z.string(),
  fingerprint: z.string().nullable(),
  passwordSource: PasswordSourceSchema,
});

export const MaildirEndpointViewSchema = z.strictObject({
  type: z.literal('maildir'),
  path: z.string(),
  layout: MaildirLayoutSchema,
  nameEncoding: MaildirNameEncodingSchema,
  importState: ImportStateInputSchema.nullable(),
});

/**
 * never-synced: configured, no pass finished yet; up-to-date: the last pass succeeded;
 * syncing: a pass runs; paused: by the user; error: the last pass failed (see lastError);
 * needs-attention: synced, but conflicts wait for the user, or a folder failed or was stopped
 * by the safety check (see the account's folders).
 */
export const AccountStateSchema = z.enum(['never-synced', 'up-to-date', 'syncing', 'paused', 'error', 'needs-attention']);

/** Why the last pass failed, for the right words and the right fix in the UI. */
export const ErrorKindSchema = z.enum(['auth', 'unreachable', 'tls-untrusted', 'tls-mismatch', 'protocol', 'locked', 'config', 'signin-required', 'folder', 'other']);

export const AccountErrorSchema = z.strictObject({
  kind: ErrorKindSchema,
  message: z.string(),
  at: isoTime,
});

export const AccountViewSchema = z.strictObject({
  name: z.string(),
  remote: ImapEndpointViewSchema,
  local: z.discriminatedUnion('type', [MaildirEndpointViewSchema, ImapEndpointViewSchema]),
  direction: DirectionSchema,
  propagateDeletes: z.boolean(),
  folders: FolderFilterSchema,
  state: AccountStateSchema,
  paused: z.boolean(),
  lastSync: isoTime.nullable(),
  nextSync: isoTime.nullable(),
  lastError: AccountErrorSchema.nullable(),
  totals: z.strictObject({
    folders: z.int(),
    messages: z.int(),
    conflicts: z.int(),
    /** Folders whose last pass failed or was stopped by the safety check. */
    failedFolders: z.int(),
  }),
});

export const FolderOutcomeSchema = z.enum(['synced', 'unchanged', 'incomplete', 'failed', 'stopped', 'planned']);

/** One folder as recorded in the account's state (what the last passes left). */
export const FolderViewSchema = z.strictObject({
  folder: z.string(),
  included: z.boolean(),
  /** Messages on each side at the last sync (pairs plus those deliberately kept on one side). */
  remoteMessages: z.int(),
  localMessages: z.int(),
  lastSync: isoTime.nullable(),
  /** Outcome of the folder in the latest pass, when there was one since the host started. */
  lastOutcome: FolderOutcomeSchema.nullable(),
  lastError: z.string().nullable(),
  /** Mail on one side only that the last pass could not carry across, in words (e.g. "2 messages only on this computer (…)"). */
  pending: z.string().nullable(),
  conflicts: z.int(),
  /** Set when the state could not be read; the next sync rebuilds it. */
  damaged: z.string().nullable(),
});

export const AccountDetailSchema = z.strictObject({
  account: AccountViewSchema,
  folders: z.array(FolderViewSchema),
});

/** A folder as the servers list it right now, for the include toggles. */
export const ServerFolderSchema = z.strictObject({
  folder: z.string(),
  onRemote: z.boolean(),
  onLocal: z.boolean(),
  included: z.boolean(),
});

export const ConflictKindSchema = z.enum(['delete-vs-change', 'moved-to-different-folders', 'folder-deleted-not-empty', 'mass-delete-stopped']);
export const ConflictChoiceSchema = z.enum(CONFLICT_CHOICES);

export const ConflictViewSchema = z.strictObject({
  id: z.string(),
  account: z.string(),
  folder: z.string(),
  kind: ConflictKindSchema,
  /** What happened on each side and what the engine did, in the engine's words. */
  detail: z.string(),
  /** The same per side (folder, message headers and flags, counts); null for conflicts recorded before it was kept. */
  sides: ConflictSidesSchema.nullable(),
  at: isoTime,
  /** Exactly the choices that settle this kind (shared/conflicts.ts CHOICES_BY_KIND). */
  choices: z.array(ConflictChoiceSchema),
  /** Chosen already; the account's next pass carries it out and the conflict disappears. */
  settled: ConflictChoiceSchema.nullable(),
});

export const ActivityLevelSchema = z.enum(['info', 'warning', 'error']);

/** One line of the activity log; secrets already stripped. */
export const ActivityEntrySchema = z.strictObject({
  id: z.int(),
  at: isoTime,
  level: ActivityLevelSchema,
  account: z.string().nullable(),
  folder: z.string().nullable(),
  message: z.string(),
});

export const SettingsSchema = z.strictObject({
  /** Minutes between automatic passes per account. */
  syncIntervalMinutes: z.int().min(1).max(1440),
  /** Watch INBOX with IDLE for near-instant pickup. */
  push: z.boolean(),
  startAtLogin: z.boolean(),
  notifications: z.strictObject({
    /** Errors a user must act on (login failed, unreachable for a while, TLS changed, safety stop). */
    errors: z.boolean(),
    conflicts: z.boolean(),
    newMail: z.boolean(),
  }),
  /** Keep passwords typed into the app (OS keychain); off: asked again after each restart. */
  rememberPasswords: z.boolean(),
});

export const SettingsPatchSchema = z.strictObject({
  syncIntervalMinutes: SettingsSchema.shape.syncIntervalMinutes.optional(),
  push: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  notifications: SettingsSchema.shape.notifications.partial().optional(),
  rememberPasswords: z.boolean().optional(),
});

/** Where the UI should go, e.g. when a notification is clicked. */
export const ScreenTargetSchema = z.strictObject({
  screen: z.enum(['accounts', 'account', 'conflicts', 'activity', 'settings']),
  account: z.string().nullable(),
});

/** What a notification is about: the renderer drops an in-page notice once all of it is fixed. */
export const AlertKindSchema = z.enum(['auth-failed', 'unreachable', 'tls-changed', 'tls-untrusted', 'safety-stop', 'not-in-step', 'new-conflicts', 'new-mail']);

export const NotificationSchema = z.strictObject({
  id: z.string(),
  at: isoTime,
  severity: z.enum(['info', 'warning', 'error']),
  title: z.string(),
  body: z.string(),
  target: ScreenTargetSchema,
  /** The problems (or news) it reports, one per alert it groups. */
  about: z.array(z.strictObject({ kind: AlertKindSchema, account: z.string() })),
});

export const ConnectionTestResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    /** Folders the server lists, for the wizard's folder step. */
    folders: z.array(z.string()),
  }),
  z.strictObject({
    ok: z.literal(false),
    kind: z.enum(['auth', 'unreachable', 'tls-untrusted', 'tls-mismatch', 'protocol', 'config']),
    message: z.string(),
    /** The server certificate's SHA-256 ("sha256:" + 64 hex) for TLS failures: what "trust this certificate" pins. */
    fingerprint: z.string().nullable(),
  }),
]);

export const ServerGuessSchema = z.strictObject({
  host: z.string(),
  port: z.int(),
  security: SecuritySchema,
  user: z.string(),
  /** provider: built-in table; srv: DNS SRV (RFC 6186); guess: imap.<domain> / mail.<domain>. */
  source: z.enum(['provider', 'srv', 'guess']),
});

export const MaildirCheckSchema = z.strictObject({
  path: z.string(),
  /** Absolute, expanded path, or null when the text is not a usable path. */
  resolved: z.string().nullable(),
  exists: z.boolean(),
  /** Holds no files: a fresh replica. */
  empty: z.boolean(),
  /** Looks like a Maildir already (cur/new/tmp). */
  isMaildir: z.boolean(),
  problem: z.string().nullable(),
});

export const AppInfoSchema = z.strictObject({
  version: z.string(),
  /** desktop: the Electron app; headless: `mailferry serve` in a browser. */
  mode: z.enum(['desktop', 'headless']),
  /**
   * How passwords typed into the app are kept: os-keychain (encrypted by the OS),
   * basic-text (Linux without a keyring: obfuscated only), config-file (serve: the config
   * file, mode 0600), memory (not remembered).
   */
  passwordStorage: z.enum(['os-keychain', 'basic-text', 'config-file', 'memory']),
  configPath: z.string(),
  stateDir: z.string(),
  /** Whether pickDirectory opens a native dialog (desktop) or the UI should ask for a typed path. */
  canPickDirectory: z.boolean(),
});

/** Progress of one folder while a pass runs. Rate and ETA are smoothed by the host. */
export const FolderProgressSchema = z.strictObject({
  account: z.string(),
  folder: z.string(),
  phase: z.enum(['listing', 'copying', 'updating', 'done']),
  messagesDone: z.int(),
  messagesTotal: z.int(),
  bytesDone: z.number(),
  /** Bytes of the folder's copies in all; null when the source does not report sizes (a Maildir). */
  bytesTotal: z.number().nullable(),
  /** Bytes per second over the last seconds; null until measurable. */
  bytesPerSecond: z.number().nullable(),
  /** Seconds until the folder's copies are done; null when unknown. */
  etaSeconds: z.number().nullable(),
  /** Set on a folder's last progress of the pass (phase done): how the folder ended, e.g. stopped by the safety check. */
  outcome: FolderOutcomeSchema.nullable(),
});

const empty = z.strictObject({});
const accountOnly = z.strictObject({ account: accountName });
/** An absent account means every account. */
const someAccounts = z.strictObject({ account: accountName.optional() });

// ---------------------------------------------------------------------------------------------
// Requests: method -> params and result schemas

export const appMethods = {
  getAppInfo: { params: empty, result: AppInfoSchema },
  listAccounts: { params: empty, result: z.array(AccountViewSchema) },
  getAccount: { params: accountOnly, result: AccountDetailSchema },
  /** Connects to both sides and lists their folders now. */
  listServerFolders: { params: accountOnly, result: z.array(ServerFolderSchema) },
  addAccount: { params: z.strictObject({ account: AccountInputSchema }), result: AccountViewSchema },
  /** `name` is the account's current name; `account.name` may rename it. */
  updateAccount: { params: z.strictObject({ name: accountName, account: AccountInputSchema }), result: AccountViewSchema },
  /** The local replica stays unless keepLocalMail is false (Maildir replicas only). */
  removeAccount: { params: z.strictObject({ account: accountName, keepLocalMail: z.boolean() }), result: z.strictObject({ localMailRemoved: z.boolean() }) },
  setFolderIncluded: { params: z.strictObject({ account: accountName, folder: folderName, included: z.boolean() }), result: AccountDetailSchema },
  /** Starts a pass now (queued behind a running one); a paused account is resumed. */
  syncNow: { params: someAccounts, result: empty },
  /** Stops new passes; a running one finishes its current step first. */
  pause: { params: someAccounts, result: empty },
  resume: { params: someAccounts, result: empty },
  listConflicts: { params: someAccounts, result: z.array(ConflictViewSchema) },
  settleConflict: {
    params: z.strictObject({ account: accountName, folder: folderName, conflictId: z.string().min(1), choice: ConflictChoiceSchema }),
    result: empty,
  },
  /** Newest first; `query` matches message, account or folder, ignoring case. */
  getActivity: { params: z.strictObject({ query: z.string().optional(), limit: z.int().min(1).max(5000).optional() }), result: z.array(ActivityEntrySchema) },
  getSettings: { params: empty, result: SettingsSchema },
  updateSettings: { params: z.strictObject({ patch: SettingsPatchSchema }), result: SettingsSchema },
  /** Wizard: candidate server settings for an address, best first. */
  guessServer: { params: z.strictObject({ email: z.string().min(3) }), result: z.array(ServerGuessSchema) },
  /**
   * Wizard: connects and logs in. Without a password, the stored one of `account`'s `side`
   * is used (editing an existing account).
   */
  testConnection: {
    params: z.strictObject({ endpoint: ImapEndpointInputSchema, account: accountName.optional(), side: SideSchema.optional() }),
    result: ConnectionTestResultSchema,
  },
  /** Wizard: what is at a local replica path. */
  checkMaildir: { params: z.strictObject({ path: z.string().min(1) }), result: MaildirCheckSchema },
  /** Desktop only (see AppInfo.canPickDirectory); null when cancelled or unsupported. */
  pickDirectory: { params: empty, result: z.strictObject({ path: z.string().nullable() }) },
  /**
   * Signs an account's OAuth2 side in (desktop only): the system browser opens the provider's
   * page, the service waits for the redirect to its loopback listener, keeps the grant in the
   * secret store and syncs. Resolves with who signed in; fails with the provider's reason.
   */
  signIn: {
    params: z.strictObject({ account: accountName, side: SideSchema.optional() }),
    result: z.strictObject({ identity: z.string() }),
  },
  /** Opens an https: or mailto: link in the user's browser or mail program (desktop only). */
  openExternal: { params: z.strictObject({ url: z.string().min(1).max(2048) }), result: z.strictObject({ opened: z.boolean() }) },
} as const;

export type AppMethod = keyof typeof appMethods;
export type AppParams<M extends AppMethod> = z.input<(typeof appMethods)[M]['params']>;
export type AppResult<M extends AppMethod> = z.output<(typeof appMethods)[M]['result']>;
export const APP_METHODS = Object.keys(appMethods) as AppMethod[];

// ---------------------------------------------------------------------------------------------
// Events: host -> renderer

export const appEvents = {
  progress: FolderProgressSchema,
  /** One account's view changed (state, last/next sync, error, totals): only when it differs from the last one sent. */
  accountChanged: AccountViewSchema,
  /** Accounts were added, removed or renamed: the full list. */
  accountsChanged: z.strictObject({ accounts: z.array(AccountViewSchema) }),
  /** Conflicts of this account appeared, were settled or disappeared: call listConflicts. */
  conflictsChanged: z.strictObject({ account: z.string() }),
  activity: ActivityEntrySchema,
  /** The sync engine process crashed and was started again. */
  engineRestarted: z.strictObject({ at: isoTime, restarts: z.int(), reason: z.string() }),
  notification: NotificationSchema,
  settingsChanged: SettingsSchema,
  /** Show this screen (a notification or the tray menu asked for it). */
  navigate: ScreenTargetSchema,
} as const;

export type AppEvent = keyof typeof appEvents;
export type AppEventPayload<E extends AppEvent> = z.output<(typeof appEvents)[E]>;
export const APP_EVENTS = Object.keys(appEvents) as AppEvent[];

// ---------------------------------------------------------------------------------------------
// Errors and the bridge

export const ApiErrorSchema = z.strictObject({
  /** invalid-request: failed validation; not-found: no such account/conflict; busy: try later (e.g. a pass holds the account). */
  code: z.enum(['invalid-request', 'not-found', 'busy', 'failed', 'unsupported']) satisfies z.ZodType<ApiErrorCode>,
  message: z.string(),
});

/** How a request's outcome travels on every transport (IPC reply, WS response frame). */
export const ResponseEnvelopeSchema = z.union([
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ApiErrorSchema }),
]);

export type ApiError = z.output<typeof ApiErrorSchema>;
export type ResponseEnvelope = z.output<typeof ResponseEnvelopeSchema>;

/** A request the host refused or could not carry out, with the host's code and message. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    readonly code: ApiError['code'],
    message: string,
  ) {
    super(message);
  }

  /**
   * Whatever a bridge rejected with, as an ApiRequestError: Electron's contextBridge lets only
   * an Error's message through, so the preload rejects with "<code>: <text>" (bridge-errors.ts).
   */
  static from(err: unknown): ApiRequestError {
    if (err instanceof ApiRequestError) return err;
    const { code, message } = parseBridgeError(err);
    return new ApiRequestError(code, message);
  }
}

/**
 * What the renderer talks to. The preload exposes one on `window.mailferry` (BRIDGE_GLOBAL);
 * the headless client builds the same over a WebSocket (ws-framing.ts). `request` resolves
 * with the validated result, or rejects with an Error whose message is "<code>: <text>"
 * (bridge-errors.ts: bridgeErrorMessage / parseBridgeError) on both transports.
 */
export interface MailferryBridge {
  request<M extends AppMethod>(method: M, params: AppParams<M>): Promise<AppResult<M>>;
  /** Returns the function that unsubscribes. */
  subscribe<E extends AppEvent>(event: E, listener: (payload: AppEventPayload<E>) => void): () => void;
}

export { BRIDGE_GLOBAL, IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './ipc-channels.js';
export { bridgeErrorMessage, parseBridgeError, type ApiErrorCode } from './bridge-errors.js';

export type AccountInput = z.output<typeof AccountInputSchema>;
export type ImapEndpointInput = z.output<typeof ImapEndpointInputSchema>;
export type LocalEndpointInput = z.output<typeof LocalEndpointInputSchema>;
export type MaildirEndpointInput = z.output<typeof MaildirEndpointInputSchema>;
export type ImportStateInput = z.output<typeof ImportStateInputSchema>;
export type AccountView = z.output<typeof AccountViewSchema>;
export type AccountState = z.output<typeof AccountStateSchema>;
export type AccountErrorView = z.output<typeof AccountErrorSchema>;
export type ErrorKind = z.output<typeof ErrorKindSchema>;
export type EndpointView = AccountView['local'];
export type ImapEndpointView = z.output<typeof ImapEndpointViewSchema>;
export type PasswordSource = z.output<typeof PasswordSourceSchema>;
export type FolderView = z.output<typeof FolderViewSchema>;
export type AccountDetail = z.output<typeof AccountDetailSchema>;
export type ServerFolder = z.output<typeof ServerFolderSchema>;
export type ConflictView = z.output<typeof ConflictViewSchema>;
export type ActivityEntry = z.output<typeof ActivityEntrySchema>;
export type ActivityLevel = z.output<typeof ActivityLevelSchema>;
export type Settings = z.output<typeof SettingsSchema>;
export type SettingsPatch = z.output<typeof SettingsPatchSchema>;
export type ScreenTarget = z.output<typeof ScreenTargetSchema>;
export type AppNotification = z.output<typeof NotificationSchema>;
export type AlertKind = z.output<typeof AlertKindSchema>;
export type ConnectionTestResult = z.output<typeof ConnectionTestResultSchema>;
export type ServerGuess = z.output<typeof ServerGuessSchema>;
export type MaildirCheck = z.output<typeof MaildirCheckSchema>;
export type AppInfo = z.output<typeof AppInfoSchema>;
export type FolderProgressView = z.output<typeof FolderProgressSchema>;
