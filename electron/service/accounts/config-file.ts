import { readFile } from 'node:fs/promises';
import { ConfigSchema, formatConfigIssues, type AccountConfig } from '../../../shared/config.js';
import { ConfigError } from '../../engine/config/config-error.js';
import { currentPlatform, defaultStateDir as platformDefaultStateDir, expandHome } from '../../engine/config/platform-paths.js';
import { writeFileDurably } from '../../engine/durable-fs.js';

/**
 * The accounts file the app edits, in the format of shared/config.ts, with two differences the
 * CLI's loader does not accept (so the app keeps its own file, see README):
 *  - an IMAP side with none of password / passwordCommand / passwordEnv has its password kept
 *    by the app (OS keychain, or memory only);
 *  - the account list may be empty (before the wizard ran, after the last account went).
 * Written durably with mode 0600, since it may hold a literal password (under `serve`).
 */
export interface AppConfig {
  /** The stateDir key as written in the file, if any. */
  stateDirSetting: string | undefined;
  /** Where the engine keeps its state: the file's stateDir or the platform default. */
  stateDir: string;
  accounts: AccountConfig[];
}

/** Stands in for an app-kept password while the shared schema checks the rest. */
const APP_KEPT = '\u0000app-kept';

/** `defaultStateDir`: where state goes when the file names no stateDir (the CLI's default unless given). */
export async function readAppConfig(path: string, defaultStateDir = platformStateDir()): Promise<AppConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stateDirSetting: undefined, stateDir: defaultStateDir, accounts: [] };
    throw new ConfigError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (err) {
    throw new ConfigError([`${path}: invalid JSON: ${(err as Error).message}`]);
  }
  if (!isRecord(raw)) throw new ConfigError([`${path}: must be a JSON object with an "accounts" list`]);
  const ctx = currentPlatform();
  const stateDirSetting = typeof raw.stateDir === 'string' ? raw.stateDir : undefined;
  const accounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  for (const account of accounts) expandAccountPaths(account, (p) => expandHome(p, ctx));
  const checked = validateAccounts({ ...raw, ...(stateDirSetting ? { stateDir: expandHome(stateDirSetting, ctx) } : {}), accounts }, path);
  return { stateDirSetting, stateDir: checked.stateDir ?? defaultStateDir, accounts: checked.accounts };
}

/** Checks a whole account list against the shared schema; throws ConfigError listing every problem. */
export function validateAccounts(raw: Record<string, unknown>, where: string): { stateDir: string | undefined; accounts: AccountConfig[] } {
  const accounts = Array.isArray(raw.accounts) ? raw.accounts : [];
  if (accounts.length === 0) {
    const parsed = ConfigSchema.shape.stateDir.safeParse(raw.stateDir);
    if (!parsed.success) throw new ConfigError([`${where}: invalid configuration:`, `  stateDir: ${parsed.error.issues[0]?.message ?? 'invalid'}`]);
    return { stateDir: parsed.data, accounts: [] };
  }
  const marked = accounts.map((a: unknown) => (isRecord(a) ? { ...a, remote: markAppKept(a.remote), local: markAppKept(a.local) } : a));
  const parsed = ConfigSchema.safeParse({ ...raw, accounts: marked }, { reportInput: true });
  if (!parsed.success) throw new ConfigError([`${where}: invalid configuration:`, ...formatConfigIssues(parsed.error).map((l) => `  ${l}`)]);
  return {
    stateDir: parsed.data.stateDir,
    accounts: parsed.data.accounts.map((a) => ({ ...a, remote: unmarkAppKept(a.remote), local: a.local.type === 'imap' ? unmarkAppKept(a.local) : a.local })),
  };
}

export async function writeAppConfig(path: string, config: Pick<AppConfig, 'stateDirSetting' | 'accounts'>): Promise<void> {
  const body = { ...(config.stateDirSetting ? { stateDir: config.stateDirSetting } : {}), accounts: config.accounts };
  await writeFileDurably(path, `${JSON.stringify(body, null, 2)}\n`, 0o600);
}

/** Whether the app, not the file, holds this side's password. */
export function isAppKept(endpoint: AccountConfig['local']): boolean {
  return endpoint.type === 'imap' && endpoint.password === undefined && endpoint.passwordCommand === undefined && endpoint.passwordEnv === undefined && endpoint.auth === undefined;
}

function markAppKept(endpoint: unknown): unknown {
  if (!isRecord(endpoint) || endpoint.type !== 'imap') return endpoint;
  const hasSource = ['password', 'passwordCommand', 'passwordEnv', 'auth'].some((k) => endpoint[k] !== undefined);
  return hasSource ? endpoint : { ...endpoint, password: APP_KEPT };
}

function unmarkAppKept<E extends { password?: string }>(endpoint: E): E {
  if (endpoint.password !== APP_KEPT) return endpoint;
  const { password: _kept, ...rest } = endpoint;
  return rest as E;
}

function expandAccountPaths(account: unknown, expand: (p: string) => string): void {
  if (!isRecord(account)) return;
  for (const endpoint of [account.remote, account.local]) {
    if (!isRecord(endpoint)) continue;
    if (endpoint.type === 'maildir' && typeof endpoint.path === 'string') endpoint.path = expand(endpoint.path);
    if (endpoint.type === 'maildir' && isRecord(endpoint.importState) && typeof endpoint.importState.path === 'string') endpoint.importState.path = expand(endpoint.importState.path);
    if (isRecord(endpoint.tls) && typeof endpoint.tls.ca === 'string') endpoint.tls.ca = expand(endpoint.tls.ca);
  }
}

function platformStateDir(): string {
  return platformDefaultStateDir(currentPlatform());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
