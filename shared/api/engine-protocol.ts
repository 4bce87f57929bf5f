import { z } from 'zod';
import type { AccountSummary, FolderSummary, PendingWork } from '../sync-summary.js';
import { ConflictChoiceSchema, ConflictKindSchema, FolderOutcomeSchema } from './app-api.js';
import { ImportStateSchema, MAILDIR_LAYOUTS, MAILDIR_NAME_ENCODINGS, MAX_CONNECTIONS } from '../config.js';
import { ConflictSidesSchema } from '../conflict-sides.js';

/**
 * The contract between the supervisor (Electron main, or `mailferry serve`) and the engine host
 * process. Every message is validated on arrival with these schemas.
 *
 *  - The first message is `start`: where the state lives and the accounts, without any secret.
 *  - Secrets travel only inside `sync`, `listFolders` and `watch` messages, resolved by the supervisor
 *    just before they are needed; never in argv or the environment, which `ps` and crash
 *    reports show.
 *  - `shutdown`: the host finishes the durable step in progress, then exits with status 0.
 *    A crash at any point is safe too (the engine's crash protocol), only slower to resume.
 *  - One pass per account at a time; a `sync` for an account already syncing is answered
 *    `skipped: 'busy'`, and one for a paused account `skipped: 'paused'`.
 */

const securitySchema = z.enum(['tls', 'starttls', 'none']);

export const EngineImapEndpointSchema = z.strictObject({
  type: z.literal('imap'),
  host: z.string().min(1),
  port: z.int().min(1).max(65535),
  security: securitySchema,
  user: z.string().min(1),
  tls: z.strictObject({ ca: z.string().optional(), fingerprint: z.string().optional() }).optional(),
  timeoutSeconds: z.int().optional(),
  /** Logs in with OAuth2: the host asks the supervisor for each access token (tokenRequest). */
  oauth2: z.literal(true).optional(),
});

export const EngineMaildirEndpointSchema = z.strictObject({
  type: z.literal('maildir'),
  path: z.string().min(1),
  layout: z.enum(MAILDIR_LAYOUTS).optional(),
  nameEncoding: z.enum(MAILDIR_NAME_ENCODINGS).optional(),
  importState: ImportStateSchema.optional(),
});

/** An account as the engine needs it: the config entry without password sources. */
export const EngineAccountSchema = z.strictObject({
  name: z.string().min(1),
  remote: EngineImapEndpointSchema,
  local: z.discriminatedUnion('type', [EngineMaildirEndpointSchema, EngineImapEndpointSchema]),
  folders: z.strictObject({ include: z.array(z.string()), exclude: z.array(z.string()) }),
  direction: z.enum(['both', 'pull', 'push']),
  propagateDeletes: z.boolean(),
  connections: z.int().min(1).max(MAX_CONNECTIONS),
});

/**
 * An OAuth2 side carries no secret here: its access tokens are asked for one at a time
 * (tokenRequest / token), so the refresh token never leaves the supervisor.
 */
export const OAuth2CredentialSchema = z.strictObject({ oauth2: z.literal(true) });

/** Passwords of the account's IMAP sides (or their OAuth2 marker); null for a Maildir side. */
export const CredentialsSchema = z.strictObject({
  remote: z.union([z.string().min(1), OAuth2CredentialSchema]),
  local: z.union([z.string().min(1), OAuth2CredentialSchema]).nullable(),
});

const requestId = z.int().min(0);

export const EngineCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), stateDir: z.string().min(1), accounts: z.array(EngineAccountSchema) }),
  /** The account list changed (added, edited, removed). */
  z.strictObject({ type: z.literal('configure'), accounts: z.array(EngineAccountSchema) }),
  z.strictObject({
    type: z.literal('sync'),
    runId: z.string().min(1),
    account: z.string().min(1),
    credentials: CredentialsSchema,
    /** Only these folders; every selected folder when empty. */
    folders: z.array(z.string()),
  }),
  z.strictObject({ type: z.literal('listFolders'), requestId, account: z.string().min(1), credentials: CredentialsSchema }),
  /** Reads the account's state (folders, counts, conflicts) without touching either side. */
  z.strictObject({ type: z.literal('overview'), requestId, account: z.string().min(1) }),
  /**
   * Push: watch these folders of the account's remote side with IDLE (a connection each) and
   * report `changed`; replaces the account's previous watch. `unwatch` stops it.
   */
  z.strictObject({ type: z.literal('watch'), account: z.string().min(1), folders: z.array(z.string().min(1)).min(1), credentials: CredentialsSchema }),
  z.strictObject({ type: z.literal('unwatch'), account: z.string().min(1) }),
  /** Refuse new passes for the account (null: all); a running pass goes on to its end. */
  z.strictObject({ type: z.literal('pause'), account: z.string().min(1).nullable() }),
  z.strictObject({ type: z.literal('resume'), account: z.string().min(1).nullable() }),
  z.strictObject({ type: z.literal('shutdown') }),
  /**
   * Answer to tokenRequest: a fresh access token, or why there is none (signInRequired: the
   * grant was revoked or expired, only a new sign-in helps).
   */
  z.strictObject({
    type: z.literal('token'),
    requestId,
    accessToken: z.string().min(1).nullable(),
    error: z.string().nullable(),
    signInRequired: z.boolean(),
  }),
]);

const eachWay = z.strictObject({ toLocal: z.number(), toRemote: z.number() });

export const PendingWorkSchema = z.strictObject({
  copies: eachWay,
  deletes: eachWay,
  reasons: z.array(z.string()),
}) satisfies z.ZodType<PendingWork>;

export const FolderSummarySchema = z.strictObject({
  folder: z.string(),
  outcome: FolderOutcomeSchema,
  copied: eachWay,
  bytes: eachWay,
  deleted: eachWay,
  moved: eachWay,
  flagUpdates: eachWay,
  paired: z.number(),
  duplicatesRemoved: z.number(),
  vanished: z.number(),
  conflicts: z.number(),
  pending: PendingWorkSchema,
  notes: z.array(z.string()),
  error: z.string().nullable(),
}) satisfies z.ZodType<FolderSummary>;

export const AccountSummarySchema = z.strictObject({
  account: z.string(),
  error: z.string().nullable(),
  folders: z.array(FolderSummarySchema),
}) satisfies z.ZodType<AccountSummary>;

export const EngineProgressSchema = z.strictObject({
  account: z.string(),
  folder: z.string(),
  phase: z.enum(['listing', 'copying', 'updating', 'done']),
  messagesDone: z.int(),
  messagesTotal: z.int(),
  bytesDone: z.number(),
  bytesTotal: z.number().nullable(),
});

export const FolderOverviewSchema = z.strictObject({
  folder: z.string(),
  lastSync: z.string().nullable(),
  remoteMessages: z.int(),
  localMessages: z.int(),
  conflicts: z.array(
    z.strictObject({
      id: z.string(),
      kind: ConflictKindSchema,
      detail: z.string(),
      sides: ConflictSidesSchema.nullable(),
      at: z.string(),
      settled: ConflictChoiceSchema.nullable(),
    }),
  ),
  /** What the last pass could not carry out (mail on one side only). */
  pending: PendingWorkSchema.nullable(),
  damaged: z.string().nullable(),
});

export const AccountOverviewSchema = z.strictObject({
  account: z.string(),
  folders: z.array(FolderOverviewSchema),
});

export const FolderListingSchema = z.strictObject({
  remote: z.array(z.string()),
  local: z.array(z.string()),
});

/** How an account-wide failure is classified (ImapConnectError kinds, plus the engine's own). */
/** signin-required: an OAuth2 sign-in was revoked or expired; the account waits for a new sign-in. */
export const EngineErrorKindSchema = z.enum(['auth', 'unreachable', 'tls-untrusted', 'tls-mismatch', 'protocol', 'locked', 'config', 'signin-required', 'other']);

export const EngineEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), pid: z.int() }),
  z.strictObject({ type: z.literal('syncStarted'), runId: z.string(), account: z.string() }),
  z.strictObject({ type: z.literal('progress'), runId: z.string(), progress: EngineProgressSchema }),
  z.strictObject({ type: z.literal('folderDone'), runId: z.string(), account: z.string(), summary: FolderSummarySchema }),
  z.strictObject({ type: z.literal('note'), runId: z.string(), account: z.string(), folder: z.string().nullable(), message: z.string() }),
  z.strictObject({
    type: z.literal('syncFinished'),
    runId: z.string(),
    account: z.string(),
    /** null when skipped. */
    summary: AccountSummarySchema.nullable(),
    /** For an account-wide error: what kind, so the UI can say what to fix. */
    errorKind: EngineErrorKindSchema.nullable(),
    /** The server certificate's fingerprint ("sha256:…") when a TLS check failed. */
    fingerprint: z.string().nullable(),
    skipped: z.enum(['paused', 'busy', 'unknown-account', 'shutting-down']).nullable(),
  }),
  /** The server reported new, removed or re-flagged mail in a watched folder. */
  z.strictObject({ type: z.literal('changed'), account: z.string(), folder: z.string() }),
  /** The account's state after a pass (conflicts may have appeared or gone). */
  z.strictObject({ type: z.literal('status'), account: z.string(), overview: AccountOverviewSchema }),
  /** Answer to listFolders (FolderListing) or overview (AccountOverview); `error` when it failed. */
  z.strictObject({ type: z.literal('reply'), requestId, result: z.unknown(), error: z.string().nullable() }),
  /**
   * The host needs an access token for an OAuth2 side (a connection is being opened);
   * `refused`: the server just refused this one, so another is wanted.
   */
  z.strictObject({ type: z.literal('tokenRequest'), requestId, account: z.string(), side: z.enum(['remote', 'local']), refused: z.string().nullable() }),
  /** Something the host could not act on (an invalid message); logged by the supervisor. */
  z.strictObject({ type: z.literal('error'), message: z.string() }),
]);

export type EngineAccount = z.output<typeof EngineAccountSchema>;
export type Credentials = z.output<typeof CredentialsSchema>;
export type OAuth2Credential = z.output<typeof OAuth2CredentialSchema>;
export type EngineCommand = z.output<typeof EngineCommandSchema>;
export type EngineEvent = z.output<typeof EngineEventSchema>;
export type EngineProgress = z.output<typeof EngineProgressSchema>;
export type AccountOverview = z.output<typeof AccountOverviewSchema>;
export type FolderOverview = z.output<typeof FolderOverviewSchema>;
export type FolderListing = z.output<typeof FolderListingSchema>;
export type EngineErrorKind = z.output<typeof EngineErrorKindSchema>;

