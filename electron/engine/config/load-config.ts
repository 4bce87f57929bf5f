import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigSchema, formatConfigIssues, type Config } from '../../../shared/config.js';
import { ConfigError } from './config-error.js';
import { findJsonSyntaxError } from './json-syntax-error.js';
import { currentPlatform, defaultConfigPath, defaultStateDir, expandHome, type PlatformContext } from './platform-paths.js';

export { ConfigError } from './config-error.js';

export interface LoadedConfig {
  /** The file the config came from. */
  path: string;
  /** Paths have `~/` expanded; stateDir is the platform default when the file has none. */
  config: Config & { stateDir: string };
  /** Problems worth telling the user that do not stop a sync. */
  warnings: string[];
}

const SMALLEST_CONFIG =
  '{"accounts": [{"name": "work", "remote": {"type": "imap", "host": "imap.example.org", "user": "alice", ' +
  '"passwordCommand": "pass show mail"}, "local": {"type": "maildir", "path": "~/Mail/work"}}]}';

/** Reads, parses and validates the config file; every failure is a ConfigError the user can act on. */
export async function loadConfig(path?: string, ctx: PlatformContext = currentPlatform()): Promise<LoadedConfig> {
  const file = path === undefined ? defaultConfigPath(ctx) : resolve(path);
  const { text, mode } = await readConfigFile(file);
  const raw = parseJson(text, file);
  expandPaths(raw, ctx);
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError([`${file}: invalid configuration:`, ...formatConfigIssues(parsed.error).map((line) => `  ${line}`)]);
  }
  const config = { ...parsed.data, stateDir: parsed.data.stateDir ?? defaultStateDir(ctx) };
  const warnings: string[] = [];
  const hasLiteralPassword = config.accounts.some(
    (a) => a.remote.password !== undefined || (a.local.type === 'imap' && a.local.password !== undefined),
  );
  // Windows has no mode bits worth reading; its ACLs are out of reach here.
  if (hasLiteralPassword && ctx.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    warnings.push(`${file} contains a password and other users can read it (mode ${octal}); restrict it with: chmod 600 '${file}'`);
  }
  return { path: file, config, warnings };
}

async function readConfigFile(file: string): Promise<{ text: string; mode: number }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new ConfigError([
        `no config file at ${file}`,
        'Create it as described under "Configuration reference" in README.md. The smallest one:',
        `  ${SMALLEST_CONFIG}`,
      ]);
    }
    throw new ConfigError([`cannot read config file ${file}: ${errorMessage(err)}`]);
  }
  try {
    // Stat the open handle, so the mode checked is that of the bytes read.
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ConfigError([`cannot read config file ${file}: not a regular file`]);
    return { text: await handle.readFile('utf8'), mode: stat.mode };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`cannot read config file ${file}: ${errorMessage(err)}`]);
  } finally {
    await handle.close();
  }
}

function parseJson(text: string, file: string): unknown {
  // Editors on Windows like to start UTF-8 files with a byte-order mark.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const at = findJsonSyntaxError(body);
    throw new ConfigError([
      at === null
        ? `${file}: invalid JSON: ${errorMessage(err)}`
        : `${file}: invalid JSON at line ${at.line}, column ${at.column}: ${at.message}`,
    ]);
  }
}

/** Expands `~/` in the path fields, in place (on our own freshly parsed copy), before validation. */
function expandPaths(raw: unknown, ctx: PlatformContext): void {
  if (!isRecord(raw)) return;
  if (typeof raw.stateDir === 'string') raw.stateDir = expandHome(raw.stateDir, ctx);
  if (!Array.isArray(raw.accounts)) return;
  for (const account of raw.accounts) {
    if (!isRecord(account)) continue;
    for (const endpoint of [account.remote, account.local]) {
      if (!isRecord(endpoint)) continue;
      if (endpoint.type === 'maildir' && typeof endpoint.path === 'string') endpoint.path = expandHome(endpoint.path, ctx);
      if (endpoint.type === 'maildir' && isRecord(endpoint.importState) && typeof endpoint.importState.path === 'string') endpoint.importState.path = expandHome(endpoint.importState.path, ctx);
      if (isRecord(endpoint.tls) && typeof endpoint.tls.ca === 'string') endpoint.tls.ca = expandHome(endpoint.tls.ca, ctx);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
