import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type CliCommand =
  | { command: 'sync'; config?: string; accounts: string[]; folders: string[]; dryRun: boolean; json: boolean; allowMassDelete: boolean }
  | { command: 'status'; config?: string; accounts: string[]; json: boolean }
  | { command: 'help' }
  | { command: 'version' };

export const USAGE = `Usage: mailferry <command> [options]

Commands:
  sync     one full two-way pass over the selected accounts and folders, then exit
  status   per folder: last sync time, message counts, open conflicts

Options:
  --config FILE         config file (default: ~/.config/mailferry/config.json)
  --account NAME        only this account (repeatable)
  --folder NAME         sync: only this folder, e.g. "Archive/2024" (repeatable)
  --dry-run             sync: print the plan, change nothing
  --allow-mass-delete   sync: carry out deletions the safety check stopped
  --json                print one JSON object on stdout
  -h, --help            this text
  --version             the version

Exit status: 0 every folder synced; 1 some folder or account failed (the others synced);
2 usage or config error (nothing touched).`;

export function parseCli(argv: string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (command !== 'sync' && command !== 'status') throw new UsageError(`unknown command "${command}" (expected sync or status)`);
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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { command: 'help' };
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
