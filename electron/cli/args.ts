import { parseArgs } from 'node:util';
import { closestNames } from '../engine/sync/unknown-folder.js';
import { COMMANDS, DEFAULT_LOGIN_TIMEOUT_SECONDS, DEFAULT_SERVE_PORT, DEFAULT_WATCH_INTERVAL_SECONDS, OPTIONS, commandSpec, commandUsage, generalUsage, type OptionSpec } from './command-table.js';

export class UsageError extends Error {
  override name = 'UsageError';

  /** The command whose usage to point at, when it is known. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

export type CliCommand =
  | { command: 'sync'; config?: string; accounts: string[]; folders: string[]; dryRun: boolean; json: boolean; allowMassDelete: boolean }
  | { command: 'status'; config?: string; accounts: string[]; json: boolean }
  | { command: 'serve'; config?: string; port: number }
  | { command: 'watch'; config?: string; accounts: string[]; intervalSeconds: number; push: string[] }
  | { command: 'conflicts'; config?: string; accounts: string[]; json: boolean; settle?: { ref: string; choice: string } }
  | { command: 'login'; config?: string; account: string; side?: 'remote' | 'local'; browser: boolean; device: boolean; timeoutSeconds: number }
  | { command: 'logout'; config?: string; account: string; side?: 'remote' | 'local' }
  | { command: 'help'; topic?: string }
  | { command: 'version' };

export { DEFAULT_LOGIN_TIMEOUT_SECONDS, DEFAULT_SERVE_PORT, DEFAULT_WATCH_INTERVAL_SECONDS } from './command-table.js';

/** The general usage (`mailferry --help`); each command's is `helpText(name)`. */
export const USAGE = generalUsage();

/** What `mailferry help [COMMAND]` prints. */
export function helpText(topic?: string): string {
  const spec = topic === undefined ? undefined : commandSpec(topic);
  return spec ? commandUsage(spec) : USAGE;
}

/** Every option of the table, for parseArgs; which command takes which is checked after. */
const PARSE_OPTIONS = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, o]: [string, OptionSpec]) => [
    name,
    { type: o.value ? ('string' as const) : ('boolean' as const), ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
  ]),
);

const COMMAND_NAMES = COMMANDS.map((c) => c.name);

export function parseCli(argv: string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };
  const spec = commandSpec(command);
  if (!spec) throw new UsageError(`unknown command "${command}"${didYouMean(command)} (commands: ${COMMAND_NAMES.join(', ')})`);
  if (command === 'help') return parseHelp(rest);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: spec.operands !== undefined, strict: true, options: PARSE_OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message, command);
  }
  const v = parsed.values as {
    config?: string;
    account?: string[];
    folder?: string[];
    'dry-run'?: boolean;
    'allow-mass-delete'?: boolean;
    json?: boolean;
    port?: string;
    interval?: string;
    push?: string[];
    side?: string;
    'no-browser'?: boolean;
    device?: boolean;
    timeout?: string;
    help?: boolean;
  };
  if (v.help) return { command: 'help', topic: command };
  for (const name of Object.keys(v)) {
    if (spec.options.some((o) => o.name === name)) continue;
    const owners = COMMANDS.filter((c) => c.options.some((o) => o.name === name)).map((c) => `"mailferry ${c.name}"`);
    throw new UsageError(`--${name} is for ${orList(owners)}, not "${command}"`, command);
  }
  if (command === 'serve') return { command, config: v.config, port: parsePort(v.port) };
  if (command === 'watch') {
    const push = v.push ?? ['INBOX'];
    return { command, config: v.config, accounts: v.account ?? [], intervalSeconds: parseInterval(v.interval), push: push.includes('none') ? [] : push };
  }
  if (command === 'status') return { command, config: v.config, accounts: v.account ?? [], json: v.json ?? false };
  if (command === 'conflicts') return parseConflicts(parsed.positionals, v.config, v.account ?? [], v.json ?? false);
  if (command === 'login' || command === 'logout') return parseLogin(command, v);
  return {
    command: 'sync',
    config: v.config,
    accounts: v.account ?? [],
    folders: v.folder ?? [],
    dryRun: v['dry-run'] ?? false,
    json: v.json ?? false,
    allowMassDelete: v['allow-mass-delete'] ?? false,
  };
}

/** `mailferry conflicts` lists; `mailferry conflicts settle REF CHOICE` settles one. */
function parseConflicts(words: string[], config: string | undefined, accounts: string[], json: boolean): CliCommand {
  if (words.length === 0) return { command: 'conflicts', config, accounts, json };
  const [verb, ref, choice, ...extra] = words;
  if (verb !== 'settle') throw new UsageError(`unknown "conflicts ${verb}" (to settle one: mailferry conflicts settle REF CHOICE)`, 'conflicts');
  if (ref === undefined || choice === undefined || extra.length > 0) throw new UsageError('"conflicts settle" takes a conflict and a choice: mailferry conflicts settle REF CHOICE', 'conflicts');
  if (json) throw new UsageError('--json is for listing conflicts, not for "conflicts settle"', 'conflicts');
  return { command: 'conflicts', config, accounts, json, settle: { ref, choice } };
}

/** `mailferry help [COMMAND]`, also `mailferry help --help`. */
function parseHelp(rest: string[]): CliCommand {
  const words = rest.filter((a) => a !== '--help' && a !== '-h');
  if (words.length === 0) return { command: 'help', topic: rest.length ? 'help' : undefined };
  const [topic, ...extra] = words;
  if (extra.length > 0 || topic!.startsWith('-')) throw new UsageError(`"mailferry help" takes one command name (got ${words.join(' ')})`, 'help');
  if (!commandSpec(topic!)) throw new UsageError(`no command "${topic}"${didYouMean(topic!)} (commands: ${COMMAND_NAMES.join(', ')})`);
  return { command: 'help', topic };
}

function didYouMean(word: string): string {
  const close = closestNames(word, COMMAND_NAMES);
  return close.length ? `; did you mean ${orList(close.map((c) => `"${c}"`))}?` : '';
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
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

/** `login` and `logout` name exactly one account; `--side` picks one side of an IMAP<->IMAP account. */
function parseLogin(
  command: 'login' | 'logout',
  v: { config?: string; account?: string[]; side?: string; 'no-browser'?: boolean; device?: boolean; timeout?: string },
): CliCommand {
  const accounts = v.account ?? [];
  if (accounts.length !== 1) throw new UsageError(`"mailferry ${command}" needs exactly one --account NAME`, command);
  if (v.side !== undefined && v.side !== 'remote' && v.side !== 'local') throw new UsageError(`--side must be "remote" or "local" (got "${v.side}")`, command);
  const side = v.side as 'remote' | 'local' | undefined;
  if (command === 'logout') return { command, config: v.config, account: accounts[0]!, ...(side ? { side } : {}) };
  let timeoutSeconds = DEFAULT_LOGIN_TIMEOUT_SECONDS;
  if (v.timeout !== undefined) {
    timeoutSeconds = Number(v.timeout);
    if (!/^\d+$/.test(v.timeout) || timeoutSeconds < 1 || timeoutSeconds > 3600) throw new UsageError(`--timeout must be a number of seconds from 1 to 3600 (got "${v.timeout}")`, command);
  }
  return { command, config: v.config, account: accounts[0]!, ...(side ? { side } : {}), browser: !(v['no-browser'] ?? false), device: v.device ?? false, timeoutSeconds };
}
