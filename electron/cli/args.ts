import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type CliCommand =
  | { command: 'sync'; config?: string; accounts: string[]; folders: string[]; dryRun: boolean; json: boolean; allowMassDelete: boolean }
  | { command: 'status'; config?: string; accounts: string[]; json: boolean }
  | { command: 'serve'; config?: string; port: number }
  | { command: 'watch'; config?: string; accounts: string[]; intervalSeconds: number; push: string[] }
  | { command: 'login'; config?: string; account: string; side?: 'remote' | 'local'; browser: boolean; device: boolean; timeoutSeconds: number }
  | { command: 'logout'; config?: string; account: string; side?: 'remote' | 'local' }
  | { command: 'help' }
  | { command: 'version' };

export const DEFAULT_SERVE_PORT = 7415;
export const DEFAULT_WATCH_INTERVAL_SECONDS = 300;
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

export const USAGE = `Usage: mailferry <command> [options]

Commands:
  sync     one full two-way pass over the selected accounts and folders, then exit
  status   per folder: last sync time, message counts, open conflicts
  watch    keep the accounts in step until stopped: new INBOX mail arrives within seconds
           (IMAP IDLE), everything else on an interval; connections stay open
  serve    keep syncing on a schedule and host the app's screens for a browser on this
           machine (127.0.0.1 only); prints the address to open, with its access token
  login    sign in an account that uses OAuth2 (Gmail, Outlook, Microsoft 365): prints the
           address to open (and opens the browser), keeps the refresh token in the account's
           state directory (mode 0600), prints who is signed in
  logout   forget the account's OAuth2 sign-in

  mailferry login  [--config FILE] --account NAME [--no-browser] [--device] [--side remote|local] [--timeout SECONDS]
  mailferry logout [--config FILE] --account NAME [--side remote|local]

Options:
  --config FILE         config file (default: ~/.config/mailferry/config.json)
  --account NAME        only this account (repeatable)
  --folder NAME         sync: only this folder, e.g. "Archive/2024" (repeatable)
  --dry-run             sync: print the plan, change nothing
  --allow-mass-delete   sync: carry out deletions the safety check stopped
  --json                print one JSON object on stdout
  --port N              serve: port on 127.0.0.1 (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --interval SECONDS    watch: sync every folder this often (default ${DEFAULT_WATCH_INTERVAL_SECONDS})
  --push FOLDER         watch: folders the server pushes changes for (default INBOX; repeatable;
                        --push none turns push off)
  --no-browser          login: only print the address, do not open a browser
  --device              login: sign in with a code on another device (no browser needed here)
  --side remote|local   login, logout: only this side of an IMAP<->IMAP account (default: every
                        side whose auth names a provider)
  --timeout SECONDS     login: how long to wait for the sign-in (default ${DEFAULT_LOGIN_TIMEOUT_SECONDS})
  -h, --help            this text
  --version             the version

Exit status: 0 every folder synced (serve, watch: stopped by Ctrl-C); 1 some folder or account
failed (the others synced); 2 usage or config error (nothing touched).`;

export function parseCli(argv: string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (command === 'login' || command === 'logout') return parseLogin(command, rest);
  if (command !== 'sync' && command !== 'status' && command !== 'serve' && command !== 'watch') {
    throw new UsageError(`unknown command "${command}" (expected sync, status, watch, serve, login or logout)`);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: false,
      strict: true,
      options: {
        config: { type: 'string' },
        account: { type: 'string', multiple: true },
        folder: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        'allow-mass-delete': { type: 'boolean' },
        json: { type: 'boolean' },
        port: { type: 'string' },
        interval: { type: 'string' },
        push: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  if (command === 'serve') {
    for (const flag of ['account', 'folder', 'dry-run', 'allow-mass-delete', 'json'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} is not an option of "mailferry serve"`);
    }
    return { command, config: v.config, port: parsePort(v.port) };
  }
  if (v.port !== undefined) throw new UsageError(`--port is for "mailferry serve", not "${command}"`);
  if (command === 'watch') {
    for (const flag of ['folder', 'dry-run', 'allow-mass-delete', 'json'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} is not an option of "mailferry watch"`);
    }
    const push = v.push ?? ['INBOX'];
    return { command, config: v.config, accounts: v.account ?? [], intervalSeconds: parseInterval(v.interval), push: push.includes('none') ? [] : push };
  }
  for (const flag of ['interval', 'push'] as const) {
    if (v[flag] !== undefined) throw new UsageError(`--${flag} is for "mailferry watch", not "${command}"`);
  }
  if (command === 'status') {
    for (const flag of ['folder', 'dry-run', 'allow-mass-delete'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} is for "mailferry sync", not "status"`);
    }
    return { command, config: v.config, accounts: v.account ?? [], json: v.json ?? false };
  }
  return {
    command,
    config: v.config,
    accounts: v.account ?? [],
    folders: v.folder ?? [],
    dryRun: v['dry-run'] ?? false,
    json: v.json ?? false,
    allowMassDelete: v['allow-mass-delete'] ?? false,
  };
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SERVE_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (got "${text}")`);
  return port;
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WATCH_INTERVAL_SECONDS;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 10 || seconds > 86400) throw new UsageError(`--interval must be a number of seconds from 10 to 86400 (got "${text}")`);
  return seconds;
}

function parseLogin(command: 'login' | 'logout', args: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        config: { type: 'string' },
        account: { type: 'string', multiple: true },
        side: { type: 'string' },
        'no-browser': { type: 'boolean' },
        device: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  const accounts = v.account ?? [];
  if (accounts.length !== 1) throw new UsageError(`"mailferry ${command}" needs exactly one --account NAME`);
  if (v.side !== undefined && v.side !== 'remote' && v.side !== 'local') throw new UsageError(`--side must be "remote" or "local" (got "${v.side}")`);
  const side = v.side as 'remote' | 'local' | undefined;
  if (command === 'logout') {
    for (const flag of ['no-browser', 'device', 'timeout'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} is for "mailferry login", not "logout"`);
    }
    return { command, config: v.config, account: accounts[0]!, ...(side ? { side } : {}) };
  }
  let timeoutSeconds = DEFAULT_LOGIN_TIMEOUT_SECONDS;
  if (v.timeout !== undefined) {
    timeoutSeconds = Number(v.timeout);
    if (!/^\d+$/.test(v.timeout) || timeoutSeconds < 1 || timeoutSeconds > 3600) throw new UsageError(`--timeout must be a number of seconds from 1 to 3600 (got "${v.timeout}")`);
  }
  return { command, config: v.config, account: accounts[0]!, ...(side ? { side } : {}), browser: !(v['no-browser'] ?? false), device: v.device ?? false, timeoutSeconds };
}
