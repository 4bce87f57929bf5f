import type { Config } from '../../shared/config.js';
import type { AccountSummary } from '../../shared/sync-summary.js';
import { passwordEnvNames } from '../engine/config/resolve-password.js';
import type { SyncReporter } from '../engine/sync/sync-reporter.js';
import { AccountWatcher } from '../engine/watch/account-watcher.js';
import { ProgressDisplay } from './progress-display.js';
import { selectAccounts } from './select-accounts.js';

export interface WatchCommand {
  accounts: string[];
  intervalSeconds: number;
  push: string[];
}

/**
 * Runs until SIGINT or SIGTERM, then lets every pass under way finish its current durable step
 * and exits 0. SIGUSR1 syncs every account now (`kill -USR1`: "sync now" for a daemon). An
 * account that cannot start (wrong password, unreachable) is reported and the others go on;
 * with none running the exit status is 1.
 */
export async function runWatch(config: Config & { stateDir: string }, cmd: WatchCommand): Promise<number> {
  const display = new ProgressDisplay(process.stderr, process.stderr.isTTY === true);
  // A daemon's log shows what changed, not every quiet folder of every pass.
  const reporter: SyncReporter = {
    progress: (p) => display.progress(p),
    note: (account, folder, message) => display.note(account, folder, message),
    folderDone: (account, s) => {
      if (s.outcome !== 'unchanged' || s.notes.length > 0) display.folderDone(account, s);
    },
  };
  const watchers: AccountWatcher[] = [];
  for (const account of selectAccounts(config, cmd.accounts)) {
    const watcher = new AccountWatcher(account, {
      stateDir: config.stateDir,
      intervalMs: cmd.intervalSeconds * 1000,
      pushFolders: cmd.push,
      reporter,
      secretEnvNames: passwordEnvNames(config),
      onPass: (s, ms) => {
        if (s.error) display.accountError(account.name, s.error);
        else display.note(account.name, null, passLine(s, ms));
      },
    });
    try {
      await watcher.start();
      watchers.push(watcher);
      display.note(account.name, null, `watching (push: ${cmd.push.join(', ') || 'off'}; every ${cmd.intervalSeconds} s)`);
    } catch (err) {
      display.accountError(account.name, err instanceof Error ? err.message : String(err));
    }
  }
  if (watchers.length === 0) return 1;
  const syncNow = () => {
    for (const w of watchers) w.requestAll();
  };
  process.on('SIGUSR1', syncNow);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.off('SIGUSR1', syncNow);
  display.note('mailferry', null, 'stopping after the step under way');
  await Promise.allSettled(watchers.map((w) => w.stop()));
  return 0;
}

/** One line per pass, e.g. "pass done in 3.1 ms: 100 folders, 2 synced, 98 unchanged". */
function passLine(s: AccountSummary, ms: number): string {
  const count = (o: string) => s.folders.filter((f) => f.outcome === o).length;
  const parts = (['synced', 'unchanged', 'incomplete', 'failed', 'stopped'] as const).filter((o) => count(o) > 0).map((o) => `${count(o)} ${o}`);
  return `pass done in ${ms.toFixed(1)} ms: ${s.folders.length} folders${parts.length ? `, ${parts.join(', ')}` : ''}`;
}
