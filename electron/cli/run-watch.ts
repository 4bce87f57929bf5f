import type { Config } from '../../shared/config.js';
import { passwordEnvNames } from '../engine/config/resolve-password.js';
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
 * and exits 0. An account that cannot start (wrong password, unreachable) is reported and the
 * others go on; with none running the exit status is 1.
 */
export async function runWatch(config: Config & { stateDir: string }, cmd: WatchCommand): Promise<number> {
  const display = new ProgressDisplay(process.stderr, process.stderr.isTTY === true);
  const watchers: AccountWatcher[] = [];
  for (const account of selectAccounts(config, cmd.accounts)) {
    const watcher = new AccountWatcher(account, {
      stateDir: config.stateDir,
      intervalMs: cmd.intervalSeconds * 1000,
      pushFolders: cmd.push,
      reporter: display,
      secretEnvNames: passwordEnvNames(config),
      onPass: (s) => s.error && display.accountError(account.name, s.error),
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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  display.note('mailferry', null, 'stopping after the step under way');
  await Promise.allSettled(watchers.map((w) => w.stop()));
  return 0;
}
