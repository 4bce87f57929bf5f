import type { Config } from '../../shared/config.js';
import type { SyncSummary } from '../../shared/sync-summary.js';
import { syncAccount } from '../engine/sync/sync-account.js';
import { redactSecrets } from '../engine/secrets.js';
import { ProgressDisplay } from './progress-display.js';
import { passwordEnvNames } from '../engine/config/resolve-password.js';
import { selectAccounts } from './select-accounts.js';

export interface SyncCommand {
  accounts: string[];
  folders: string[];
  dryRun: boolean;
  json: boolean;
  allowMassDelete: boolean;
}

/** Runs one pass; returns the exit status (0 all synced, 1 something failed). */
export async function runSync(config: Config & { stateDir: string }, cmd: SyncCommand): Promise<number> {
  const display = new ProgressDisplay(process.stderr, process.stderr.isTTY === true);
  const summary: SyncSummary = { startedAt: new Date().toISOString(), finishedAt: '', dryRun: cmd.dryRun, accounts: [] };
  for (const account of selectAccounts(config, cmd.accounts)) {
    const result = await syncAccount(account, {
      stateDir: config.stateDir,
      folders: cmd.folders,
      dryRun: cmd.dryRun,
      allowMassDelete: cmd.allowMassDelete,
      reporter: display,
      secretEnvNames: passwordEnvNames(config),
    });
    if (result.error) display.accountError(account.name, result.error);
    summary.accounts.push(result);
  }
  summary.finishedAt = new Date().toISOString();
  if (cmd.json) process.stdout.write(`${redactSecrets(JSON.stringify(summary))}\n`);
  const failed = summary.accounts.some((a) => a.error !== null || a.folders.some((f) => f.outcome === 'failed' || f.outcome === 'stopped' || f.outcome === 'incomplete'));
  return failed ? 1 : 0;
}
