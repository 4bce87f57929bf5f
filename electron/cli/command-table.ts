/**
 * Every `mailferry` command and option, once: the parser (args.ts) takes its options from here,
 * and the general usage, `mailferry help COMMAND` / `COMMAND --help` and the man page
 * (man-page.ts, docs/mailferry.1 by `npm run man`) are all written from it. A new command or
 * option is added here and nowhere else.
 */

export const DEFAULT_SERVE_PORT = 7415;
export const DEFAULT_WATCH_INTERVAL_SECONDS = 300;
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;

export interface OptionSpec {
  /** What the value stands for (`FILE`); none for a switch. */
  value?: string;
  multiple?: boolean;
  short?: string;
  /** One line for the general usage, where no command is in view. */
  help: string;
}

export const OPTIONS = {
  config: { value: 'FILE', help: 'config file (default: ~/.config/mailferry/config.json)' },
  account: { value: 'NAME', multiple: true, help: 'only this account (repeatable)' },
  folder: { value: 'NAME', multiple: true, help: 'only this folder, e.g. "Archive/2024" (repeatable; case-sensitive)' },
  'dry-run': { help: 'print the plan, change nothing' },
  'allow-mass-delete': { help: 'carry out deletions the safety check stopped' },
  json: { help: 'print one JSON object on stdout' },
  port: { value: 'N', help: `port on 127.0.0.1 (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)` },
  interval: { value: 'SECONDS', help: `sync every folder this often (default ${DEFAULT_WATCH_INTERVAL_SECONDS})` },
  push: { value: 'FOLDER', multiple: true, help: 'folders the server pushes changes for (default INBOX; repeatable; --push none turns push off)' },
  side: { value: 'remote|local', help: 'only this side of an IMAP<->IMAP account (default: every side whose auth names a provider)' },
  'no-browser': { help: 'only print the address to open, do not start a browser' },
  device: { help: 'sign in with a code on another device (no browser needed here)' },
  timeout: { value: 'SECONDS', help: `how long to wait for the sign-in (default ${DEFAULT_LOGIN_TIMEOUT_SECONDS})` },
  help: { short: 'h', help: 'this text; with a command, that command\'s usage' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

export interface CommandOption {
  name: OptionName;
  /** Given exactly once: shown without brackets in the synopsis. */
  required?: boolean;
  /** What it does for this command (the general line when absent). */
  help?: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** Words after the options in the synopsis, e.g. `[COMMAND]`. */
  operands?: string;
  /** Paragraphs for `mailferry help COMMAND` and the man page. */
  description: string[];
  options: CommandOption[];
  /** Each exit status this command returns and what it means, in order. */
  exit: [string, string][];
}

const USAGE_EXIT: [string, string] = ['2', 'usage or config error: nothing was touched'];

export const COMMANDS: CommandSpec[] = [
  {
    name: 'sync',
    summary: 'one full two-way pass over the selected accounts and folders, then exit',
    description: [
      'Makes one full two-way pass over the selected accounts and folders, then exits. On a terminal it shows live progress per folder (messages, bytes, rate, ETA); otherwise it prints one line per folder.',
      'A resync with nothing new reads no folder: one IMAP round trip and a few file stats tell that nothing moved. A run that would delete more than half of a folder\'s messages (and more than 10) stops that folder with an explanation; run again with --allow-mass-delete --folder NAME if it is what you want.',
    ],
    options: [
      { name: 'config' },
      { name: 'account' },
      { name: 'folder', help: 'only this folder, e.g. "Archive/2024" (repeatable; case-sensitive: a name that is not there is an error naming the closest ones)' },
      { name: 'dry-run', help: 'print what it would do, change nothing' },
      { name: 'json', help: 'print one summary object on stdout: per account and folder, messages copied, moved, deleted and flag updates each way, messages paired by identity, conflicts, and any error' },
      { name: 'allow-mass-delete', help: 'carry out deletions the safety check stopped (best with --folder)' },
      { name: 'help' },
    ],
    exit: [
      ['0', 'every selected folder synced'],
      ['1', 'some folder or account failed (unreachable, login refused, another run holds its lock, ...), was stopped by the safety check or is incomplete; the others still synced, and the next run goes on from there'],
      USAGE_EXIT,
      ['130, 143', 'killed by Ctrl-C or SIGTERM (a shell reports a signal as 128 + its number); the next run finishes the interrupted work exactly once'],
    ],
  },
  {
    name: 'status',
    summary: 'per folder: last sync time, message counts, open conflicts',
    description: [
      'Shows per folder the last sync time, the message count, what is not in step and the open conflicts, from the state alone: it does not connect.',
    ],
    options: [{ name: 'config' }, { name: 'account' }, { name: 'json', help: 'print the report as one JSON object on stdout' }, { name: 'help' }],
    exit: [['0', 'the report was printed (whatever it says)'], USAGE_EXIT],
  },
  {
    name: 'watch',
    summary: 'keep the accounts in step until stopped: new INBOX mail arrives within seconds (IMAP IDLE), everything else on an interval; connections stay open',
    description: [
      'Keeps running: connections stay open, new mail in the pushed folders (by IMAP IDLE) reaches the replica within seconds, and every folder is synced every --interval seconds. It logs what changed and one line per pass.',
      'kill -USR1 PID syncs now; Ctrl-C or SIGTERM stops it after the step under way.',
    ],
    options: [
      { name: 'config' },
      { name: 'account' },
      { name: 'interval' },
      { name: 'push', help: 'folders the server pushes changes for, by IMAP IDLE (default INBOX; repeatable; --push none turns push off)' },
      { name: 'help' },
    ],
    exit: [['0', 'stopped by Ctrl-C or SIGTERM'], ['1', 'no account could start (each one\'s reason is printed)'], USAGE_EXIT],
  },
  {
    name: 'serve',
    summary: 'keep syncing on a schedule and host the app\'s screens for a browser on this machine (127.0.0.1 only); prints the address to open, with its access token',
    description: [
      'Runs the desktop app\'s service without Electron: it syncs on a schedule and serves the app\'s screens on 127.0.0.1 only. It prints the address to open, with its access token; from another machine use an SSH tunnel (ssh -L PORT:127.0.0.1:PORT this-host). Ctrl-C or SIGTERM stops it after the current sync step.',
    ],
    options: [{ name: 'config' }, { name: 'port' }, { name: 'help' }],
    exit: [['0', 'stopped by Ctrl-C or SIGTERM'], ['1', 'could not start, e.g. the port is in use'], USAGE_EXIT],
  },
  {
    name: 'conflicts',
    summary: 'list the open conflicts with what happened on each side; settle one: conflicts settle REF CHOICE',
    operands: '[settle REF CHOICE]',
    description: [
      'Without operands: lists the open conflicts of the selected accounts, from the state alone (it does not connect), as the app\'s Conflicts screen shows them: where, what happened on each side (the message\'s subject, sender, date, flags and size, or the folder\'s counts), the choices that settle it, and a short REF to name it.',
      'conflicts settle REF CHOICE records the choice, as the app does; the next sync of the folder carries it out. CHOICE is one of: keep-both (keep the message or folder on both sides: what the engine already did), delete-both (delete it on both sides after all), allow-deletion (carry out deletions the mass-delete safety check stopped). Each conflict lists the ones that apply to it. A conflict cannot be settled while a sync of its account runs.',
    ],
    options: [{ name: 'config' }, { name: 'account' }, { name: 'json', help: 'print the open conflicts as one JSON object on stdout, as the app receives them (listing only)' }, { name: 'help' }],
    exit: [['0', 'listed, or the choice recorded'], ['1', 'the choice could not be recorded (a sync of the account holds its lock: run it again when that is done)'], ['2', 'usage or config error, or no such conflict or choice: nothing was touched']],
  },
  {
    name: 'login',
    summary: 'sign in an account that uses OAuth2 (Gmail, Outlook, Microsoft 365): prints the address to open, keeps the refresh token in the account\'s state directory (mode 0600), prints who is signed in',
    description: [
      'Signs in an account whose IMAP side has "auth": {"method": "oauth2", ...}: it prints the address of the provider\'s sign-in page on its own line and opens it in the system browser (unless --no-browser), waits for the provider to send the browser back to a one-time listener on 127.0.0.1, keeps the refresh token in a file of mode 0600 under the account\'s state directory and prints who is signed in. With --device it shows a code to enter on another device instead (RFC 8628).',
      'Syncs then get fresh access tokens by themselves. When the provider revokes the sign-in, the account stops with "sign in again: mailferry login --account NAME".',
    ],
    options: [
      { name: 'config' },
      { name: 'account', required: true, help: 'the account to sign in' },
      { name: 'no-browser' },
      { name: 'device' },
      { name: 'side' },
      { name: 'timeout' },
      { name: 'help' },
    ],
    exit: [['0', 'signed in'], ['1', 'the sign-in failed or was refused (the provider\'s reason is printed)'], USAGE_EXIT],
  },
  {
    name: 'logout',
    summary: 'forget the account\'s OAuth2 sign-in',
    description: ['Removes the refresh token kept for the account; its next sync asks to sign in again.'],
    options: [{ name: 'config' }, { name: 'account', required: true, help: 'the account to sign out' }, { name: 'side' }, { name: 'help' }],
    exit: [['0', 'forgotten (or there was nothing to forget)'], USAGE_EXIT],
  },
  {
    name: 'help',
    summary: 'the usage of a command with every option: mailferry help sync (or: mailferry sync --help)',
    operands: '[COMMAND]',
    description: ['Prints the usage of COMMAND with every option, or without COMMAND the list of commands.'],
    options: [],
    exit: [['0', 'printed'], ['2', 'no such command']],
  },
];

/** The exit statuses of all commands together, for the general usage, the man page and the README. */
export const GENERAL_EXIT: [string, string][] = [
  ['0', 'done: every folder synced (sync), the report printed (status), stopped by Ctrl-C or SIGTERM (watch, serve)'],
  ['1', 'something failed or is incomplete: some folder or account did not sync (the others did), or watch or serve could not start'],
  ['2', 'usage or config error, or a Node.js too old for mailferry: nothing was touched'],
  ['130, 143', 'sync killed by Ctrl-C or SIGTERM (128 + the signal); the next run finishes its work'],
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** `[--config FILE] [--account NAME]…` and so on: one command's synopsis. */
export function synopsis(spec: CommandSpec, ellipsis = '…'): string {
  const parts = spec.options
    .filter((o) => o.name !== 'help')
    .map(({ name, required }) => {
      const o: OptionSpec = OPTIONS[name];
      const option = `--${name}${o.value ? ` ${o.value}` : ''}`;
      return required ? option : `[${option}]${o.multiple ? ellipsis : ''}`;
    });
  return ['mailferry', spec.name, ...parts, ...(spec.operands ? [spec.operands] : [])].join(' ');
}

const WIDTH = 100;
const LABEL = 22;

/** `  --port N              what it does`, wrapped under its own column. */
function optionLine(name: OptionName, help: string): string {
  const o: OptionSpec = OPTIONS[name];
  const label = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
  return `  ${label.padEnd(LABEL)}${wrap(help, WIDTH - LABEL - 2, ' '.repeat(LABEL + 2))}`;
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
}

function exitLines(exit: [string, string][]): string {
  const width = Math.max(...exit.map(([code]) => code.length)) + 2;
  return exit.map(([code, meaning]) => `  ${code.padEnd(width)}${wrap(meaning, WIDTH - width - 2, ' '.repeat(width + 2))}`).join('\n');
}

/** `mailferry --help`: every command and option. */
export function generalUsage(): string {
  const owners = (name: OptionName) => COMMANDS.filter((c) => c.options.some((o) => o.name === name)).map((c) => c.name);
  const commandWidth = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const commands = COMMANDS.map((c) => `  ${c.name.padEnd(commandWidth + 1)}${wrap(c.summary, WIDTH - commandWidth - 3, ' '.repeat(commandWidth + 3))}`);
  const options = (Object.keys(OPTIONS) as OptionName[]).map((name) => {
    const used = owners(name);
    const only = used.length === 1 ? `${used[0]}: ` : '';
    return optionLine(name, `${only}${OPTIONS[name].help}`);
  });
  return [
    'Usage: mailferry <command> [options]',
    '',
    'Commands:',
    ...commands,
    '',
    'Options:',
    ...options,
    `  ${'--version'.padEnd(LABEL)}the version`,
    '',
    'Exit status (per command: mailferry help COMMAND):',
    exitLines(GENERAL_EXIT),
  ].join('\n');
}

/** `mailferry help COMMAND`: its synopsis, what it does, every option, its exit statuses. */
export function commandUsage(spec: CommandSpec): string {
  return [
    `Usage: ${synopsis(spec)}`,
    '',
    ...spec.description.flatMap((p) => [wrap(p, WIDTH, ''), '']),
    ...(spec.options.length ? ['Options:', ...spec.options.map((o) => optionLine(o.name, o.name === 'help' ? 'this text' : (o.help ?? OPTIONS[o.name].help))), ''] : []),
    'Exit status:',
    exitLines(spec.exit),
  ].join('\n');
}
