import { z } from 'zod';

/**
 * The config file's contract. Every message is written for the person editing the file:
 * `formatConfigIssues` prefixes it with the exact field path and, where safe, the value found.
 * Paths must already have `~/` expanded (the loader does that) when they are checked here.
 */

/** "is required" when the field is absent, otherwise what it must be. */
function must(text: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : text) };
}

/** A strict object: unknown keys are refused by name, with the keys that are allowed. */
function section<S extends Record<string, z.ZodType>>(shape: S, what = 'must be an object') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `unknown key (allowed: ${allowed})` : iss.input === undefined ? 'is required' : what,
  });
}

// POSIX `/…`, Windows `C:\…` or `C:/…`, or a UNC path `\\server\…`.
const ABSOLUTE_PATH = /^(?:\/|[A-Za-z]:[\\/]|\\\\)/;
const PATH_RULE = 'must be an absolute path or start with ~/';
const absolutePath = z.string(must(PATH_RULE)).regex(ABSOLUTE_PATH, must(PATH_RULE));

// Not `.` or `..`: the name becomes a directory under the state directory.
const ACCOUNT_NAME = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/;
const NAME_RULE = 'must be 1 to 64 of the characters A-Z a-z 0-9 . _ - and not only dots, as it becomes a directory name';

const HOST_RULE = 'must be a host name or IP address such as "imap.example.org", without scheme, path or spaces';
const PORT_RULE = 'must be an integer from 1 to 65535';
const ENV_RULE = 'must be an environment variable name (letters, digits and _, not starting with a digit)';
const TIMEOUT_RULE = 'must be a whole number of seconds from 1 to 3600';
/**
 * Dovecot allows 10 connections per user and address by default; push (IDLE) needs a few of
 * its own, so a sync takes at most 8. The default is what the benchmark found fastest.
 */
export const MAX_CONNECTIONS = 8;
export const DEFAULT_CONNECTIONS = 3;
const CONNECTIONS_RULE = `must be a whole number from 1 to ${MAX_CONNECTIONS}`;

const FINGERPRINT = /^sha256:(?:[0-9a-f]{64}|[0-9a-f]{2}(?::[0-9a-f]{2}){31})$/i;
const FINGERPRINT_RULE =
  'must be "sha256:" followed by 64 hex digits, colons between byte pairs allowed (`openssl x509 -noout -fingerprint -sha256` prints them)';

/** The ways to log in: three of giving a password, or OAuth2 (`auth`); exactly one per IMAP endpoint. */
const PASSWORD_SOURCES = ['password', 'passwordCommand', 'passwordEnv', 'auth'] as const;

/** Hosts where a plain-text connection never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}

const TlsSchema = section({
  /** PEM file with extra CA certificates to trust. */
  ca: absolutePath.optional(),
  /** Pins the server certificate; normalized to `sha256:` + 64 lowercase hex digits. */
  fingerprint: z
    .string(must(FINGERPRINT_RULE))
    .regex(FINGERPRINT, must(FINGERPRINT_RULE))
    .transform((f) => `sha256:${f.slice('sha256:'.length).replaceAll(':', '').toLowerCase()}`)
    .optional(),
});

/** Who issues the tokens: a preset knows its endpoints and scopes; `custom` names them. */
export const OAUTH2_PROVIDERS = ['google', 'microsoft', 'custom'] as const;
export type OAuth2ProviderName = (typeof OAUTH2_PROVIDERS)[number];
const URL_RULE = 'must be an https:// URL (http:// only for a loopback host such as 127.0.0.1)';
const SCOPE_RULE = 'must be a list of OAuth2 scopes (each without spaces or quotes), at least one';
const TENANT_RULE = 'must be a Microsoft Entra tenant: "common", "organizations", "consumers", a domain or a tenant ID';

/** https, or http to a loopback host (a test or a local authorization server). */
export function isAllowedOAuthUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, '')));
}

const oauthUrl = z.string(must(URL_RULE)).refine(isAllowedOAuthUrl, must(URL_RULE));
const nonEmpty = (what: string) => z.string(must(what)).min(1, must(what));

/**
 * OAuth2 instead of a password: either a provider to sign in with (`mailferry login`), or a
 * command that prints a fresh access token (an external helper such as oama). Checked as one
 * object so that a wrong combination is named by its field.
 */
const OAuth2AuthSchema = section(
  {
    method: z.literal('oauth2', must('must be "oauth2"')),
    provider: z.enum(OAUTH2_PROVIDERS, must('must be "google", "microsoft" or "custom"')).optional(),
    clientId: nonEmpty('must be the client ID of the app you registered with the provider').optional(),
    clientSecret: nonEmpty('must be a non-empty string').optional(),
    issuer: oauthUrl.optional(),
    authorizationUrl: oauthUrl.optional(),
    tokenUrl: oauthUrl.optional(),
    deviceAuthorizationUrl: oauthUrl.optional(),
    scopes: z
      .array(z.string(must(SCOPE_RULE)).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, must(SCOPE_RULE)), must(SCOPE_RULE))
      .min(1, must(SCOPE_RULE))
      .optional(),
    tenant: z.string(must(TENANT_RULE)).regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/, must(TENANT_RULE)).optional(),
    tokenCommand: nonEmpty('must be a non-empty shell command').optional(),
  },
  'must be an object such as {"method": "oauth2", "provider": "google", "clientId": "…"}',
).superRefine(
  (auth, ctx) => {
    const given = (keys: readonly (keyof typeof auth)[]) => keys.filter((k) => auth[k] !== undefined);
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (auth.tokenCommand !== undefined) {
      for (const key of given(['provider', 'clientId', 'clientSecret', 'issuer', 'authorizationUrl', 'tokenUrl', 'deviceAuthorizationUrl', 'scopes', 'tenant'])) {
        issue([key], 'cannot be combined with tokenCommand (the command gets the tokens itself)');
      }
      return;
    }
    if (auth.provider === undefined) issue(['provider'], 'is required (one of "google", "microsoft", "custom"), unless a tokenCommand is given');
    if (auth.clientId === undefined) issue(['clientId'], 'is required: the client ID of the desktop app you registered with the provider (see "Gmail and Outlook" in README.md)');
    if (auth.tenant !== undefined && auth.provider !== 'microsoft') issue(['tenant'], 'is only for provider "microsoft"');
    if (auth.provider === 'google' || auth.provider === 'microsoft') {
      for (const key of given(['issuer', 'authorizationUrl', 'tokenUrl', 'deviceAuthorizationUrl'])) {
        issue([key], `is only for provider "custom" (the "${auth.provider}" preset knows its endpoints)`);
      }
    }
    if (auth.provider === 'custom' && auth.issuer === undefined) {
      if (auth.authorizationUrl === undefined && auth.tokenUrl === undefined) {
        issue([], 'provider "custom" needs an issuer (its endpoints are read from the OpenID discovery document) or both authorizationUrl and tokenUrl');
      } else if (auth.tokenUrl === undefined) issue(['tokenUrl'], 'is required with authorizationUrl when no issuer is given');
      else if (auth.authorizationUrl === undefined && auth.deviceAuthorizationUrl === undefined) {
        issue(['authorizationUrl'], 'is required with tokenUrl when no issuer is given (or a deviceAuthorizationUrl for the device flow only)');
      }
    }
  },
  { when: (payload) => isRecord(payload.value) },
);
export type OAuth2AuthConfig = z.output<typeof OAuth2AuthSchema>;

const ImapEndpointSchema = section({
  type: z.literal('imap', must('must be "imap"')),
  host: z.string(must(HOST_RULE)).regex(/^[^\s/]+$/, must(HOST_RULE)),
  port: z.int(must(PORT_RULE)).min(1, must(PORT_RULE)).max(65535, must(PORT_RULE)).optional(),
  security: z.enum(['tls', 'starttls', 'none'], must('must be "tls", "starttls" or "none"')).default('tls'),
  user: z.string(must('must be a non-empty string')).min(1, must('must be a non-empty string')),
  password: z.string(must('must be a non-empty string')).min(1, must('must be a non-empty string')).optional(),
  passwordCommand: z
    .string(must('must be a non-empty shell command'))
    .min(1, must('must be a non-empty shell command'))
    .optional(),
  passwordEnv: z.string(must(ENV_RULE)).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, must(ENV_RULE)).optional(),
  /** OAuth2 instead of a password (Gmail, Outlook, Microsoft 365, any OAuth2 provider). */
  auth: OAuth2AuthSchema.optional(),
  tls: TlsSchema.optional(),
  /** How long the server may stay silent mid-command before the connection is given up (default 120). */
  timeoutSeconds: z.int(must(TIMEOUT_RULE)).min(1, must(TIMEOUT_RULE)).max(3600, must(TIMEOUT_RULE)).optional(),
})
  // Runs even when other fields are invalid, so that every problem is reported in one go.
  .superRefine(
    (endpoint, ctx) => {
      const given = PASSWORD_SOURCES.filter((key) => endpoint[key] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `needs exactly one of ${PASSWORD_SOURCES.join(', ')} (${given.length === 0 ? 'none given' : `got ${given.join(' and ')}`})`,
        });
      }
      if (endpoint.security === 'none' && typeof endpoint.host === 'string' && !isLoopbackHost(endpoint.host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['security'],
          message: `plain text is refused for non-loopback hosts (host "${endpoint.host}"); use "tls" or "starttls"`,
        });
      }
    },
    { when: (payload) => isRecord(payload.value) },
  )
  .transform((endpoint) => ({ ...endpoint, port: endpoint.port ?? (endpoint.security === 'tls' ? 993 : 143) }));

/** How folder names map to directories; names follow mbsync's `SubFolders` and `Flatten .`. */
export const MAILDIR_LAYOUTS = ['verbatim', 'maildir++', 'legacy', 'flat'] as const;
/** How a folder name's characters are spelled on disk: as they are, or as IMAP sends them. */
export const MAILDIR_NAME_ENCODINGS = ['utf-8', 'modified-utf-7'] as const;
export type MaildirLayoutName = (typeof MAILDIR_LAYOUTS)[number];
export type MaildirNameEncoding = (typeof MAILDIR_NAME_ENCODINGS)[number];
const LAYOUT_RULE = `must be one of ${MAILDIR_LAYOUTS.map((l) => `"${l}"`).join(', ')}`;
const ENCODING_RULE = `must be one of ${MAILDIR_NAME_ENCODINGS.map((l) => `"${l}"`).join(', ')}`;

const REPOSITORY_RULE = 'must be the name of the remote repository in your offlineimaprc (the part after "[Repository ")';

/**
 * Where another tool kept its sync state for this Maildir, outside the Maildir: mbsync's
 * `SyncState` directory, or OfflineIMAP's `metadata` directory with the name of the remote
 * repository whose FolderValidity it read. Only ever read, on a first pairing.
 */
export const ImportStateSchema = z.discriminatedUnion(
  'from',
  [
    section({ from: z.literal('mbsync'), path: absolutePath }),
    section({
      from: z.literal('offlineimap'),
      path: absolutePath,
      repository: z.string(must(REPOSITORY_RULE)).regex(/^[^/\\\0]+$/, must(REPOSITORY_RULE)),
    }),
  ],
  {
    error: (iss) =>
      iss.input === undefined ? 'is required' : iss.code === 'invalid_union' ? 'must be "mbsync" or "offlineimap"' : 'must be an object with "from": "mbsync" or "offlineimap"',
  },
);
export type ImportStateConfig = z.output<typeof ImportStateSchema>;

const MaildirEndpointSchema = section({
  type: z.literal('maildir', must('must be "maildir"')),
  path: absolutePath,
  /** Absent means "verbatim": the nested layout every earlier version wrote. */
  layout: z.enum(MAILDIR_LAYOUTS, must(LAYOUT_RULE)).optional(),
  /** Absent means "utf-8". */
  nameEncoding: z.enum(MAILDIR_NAME_ENCODINGS, must(ENCODING_RULE)).optional(),
  importState: ImportStateSchema.optional(),
});

const FolderPattern = z.string(must('must be a folder pattern')).min(1, must('must be a non-empty folder pattern'));

const FolderFilterSchema = section({
  include: z.array(FolderPattern, must('must be a list of folder patterns')).default(['*']),
  exclude: z.array(FolderPattern, must('must be a list of folder patterns')).default([]),
});

const AccountSchema = section({
  name: z.string(must(NAME_RULE)).regex(ACCOUNT_NAME, must(NAME_RULE)),
  remote: ImapEndpointSchema,
  local: z.discriminatedUnion('type', [MaildirEndpointSchema, ImapEndpointSchema], {
    error: (iss) =>
      iss.input === undefined
        ? 'is required'
        : iss.code === 'invalid_union'
          ? 'must be "maildir" or "imap"'
          : 'must be an object with "type": "maildir" or "imap"',
  }),
  folders: FolderFilterSchema.default({ include: ['*'], exclude: [] }),
  /** pull: remote to local only; push: local to remote only. */
  direction: z.enum(['both', 'pull', 'push'], must('must be "both", "pull" or "push"')).default('both'),
  propagateDeletes: z.boolean(must('must be true or false')).default(true),
  /** Connections per IMAP side one sync may use: that many folders are synced at once. */
  connections: z
    .int(must(CONNECTIONS_RULE))
    .min(1, must(CONNECTIONS_RULE))
    .max(MAX_CONNECTIONS, must(CONNECTIONS_RULE))
    .default(DEFAULT_CONNECTIONS),
});

export const ConfigSchema = section(
  {
    stateDir: absolutePath.optional(),
    accounts: z
      .array(AccountSchema, must('must be a list of accounts'))
      .min(1, must('must list at least one account'))
      // Runs even when accounts have other problems; entries are therefore checked before use.
      .superRefine(
        (accounts: unknown[], ctx) => {
          // Compared ignoring case: on macOS and Windows `Work` and `work` are the same directory.
          const firstIndex = new Map<string, number>();
          accounts.forEach((account, i) => {
            if (!isRecord(account) || typeof account.name !== 'string') return;
            const key = account.name.toLowerCase();
            const first = firstIndex.get(key);
            if (first === undefined) firstIndex.set(key, i);
            else
              ctx.addIssue({
                code: 'custom',
                path: [i, 'name'],
                message: `duplicate account name "${account.name}" (already used by accounts[${first}]; names are compared ignoring case)`,
              });
          });
        },
        { when: (payload) => Array.isArray(payload.value) },
      ),
  },
  'must be a JSON object with an "accounts" list',
);

export type Config = z.output<typeof ConfigSchema>;
export type AccountConfig = z.output<typeof AccountSchema>;
export type ImapEndpointConfig = z.output<typeof ImapEndpointSchema>;
export type MaildirEndpointConfig = z.output<typeof MaildirEndpointSchema>;
export type FolderFilter = z.output<typeof FolderFilterSchema>;
export type Direction = AccountConfig['direction'];

/** INBOX is case-insensitive in IMAP, including as the first level of a hierarchy. */
function canonicalInbox(name: string): string {
  return /^inbox(?=\/|$)/i.test(name) ? `INBOX${name.slice('INBOX'.length)}` : name;
}

/** `*` matches any characters including '/', `%` any characters except '/'. */
function patternRegExp(pattern: string): RegExp {
  const source = [...canonicalInbox(pattern)]
    .map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\]/, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** Whether the account syncs this folder (logical name, '/'-separated); exclude wins over include. */
export function folderSelected(filter: FolderFilter, name: string): boolean {
  const folder = canonicalInbox(name);
  const matches = (pattern: string) => patternRegExp(pattern).test(folder);
  return filter.include.some(matches) && !filter.exclude.some(matches);
}

/** Fields whose values are never repeated in messages (a command may embed a secret too). */
const SECRET_FIELDS = new Set<PropertyKey>(['password', 'passwordCommand', 'clientSecret', 'tokenCommand']);

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      const key = String(seg);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function describeValue(value: unknown): string | null {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return null;
}

/**
 * One line per problem: `accounts[0].remote.port: must be an integer from 1 to 65535 (got 99999)`.
 * The value found is shown when the issue carries it (parse with `{ reportInput: true }`) and it
 * is a plain value outside any secret field.
 */
export function formatConfigIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${issue.message}`);
    }
    const path = formatPath(issue.path);
    const secret = issue.path.some((seg) => SECRET_FIELDS.has(seg));
    // A bad discriminator is reported on `type`, but the issue's input is the whole object.
    const input =
      issue.code === 'invalid_union' && issue.discriminator !== undefined && isRecord(issue.input)
        ? issue.input[issue.discriminator]
        : issue.input;
    const shown = secret || issue.code === 'custom' ? null : describeValue(input);
    return [`${path}: ${issue.message}${shown === null ? '' : ` (got ${shown})`}`];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
