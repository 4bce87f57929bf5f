import type { Config } from '../../shared/config.js';
import { accountStatus } from '../engine/status/account-status.js';
import { selectAccounts } from './select-accounts.js';
import { describePendingWork, hasPendingWork } from '../../shared/sync-summary.js';

export async function runStatus(config: Config & { stateDir: string }, accounts: string[], json: boolean): Promise<number> {
  const reports = [];
  for (const account of selectAccounts(config, accounts)) reports.push(await accountStatus(config.stateDir, account.name));
  if (json) {
    process.stdout.write(`${JSON.stringify({ accounts: reports })}\n`);
    return 0;
  }
  for (const r of reports) {
    process.stdout.write(`${r.account}\n`);
    if (r.folders.length === 0) process.stdout.write('  never synced\n');
    for (const f of r.folders) {
      const when = f.lastSync ? f.lastSync.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : 'never';
      const extra = [f.keptOneSide ? `${f.keptOneSide} kept on one side` : '', f.conflicts.length ? `${f.conflicts.length} open conflict(s)` : '']
        .filter(Boolean)
        .join(', ');
      process.stdout.write(`  ${f.folder}: ${f.damaged ? `state damaged (${f.damaged}); next sync re-pairs it` : `${f.messages} messages, last sync ${when}`}${extra ? `, ${extra}` : ''}\n`);
      if (f.pending && hasPendingWork(f.pending)) process.stdout.write(`    NOT IN STEP: ${describePendingWork(f.pending, sideNames(config, r.account))}\n`);
      for (const c of f.conflicts) process.stdout.write(`    conflict (${c.kind}, ${c.at}): ${c.detail}\n`);
      if (f.conflicts.length) process.stdout.write('    (mailferry conflicts shows what happened on each side and how to settle it)\n');
    }
  }
  return 0;
}

/** The local side in words: a Maildir is on this computer, a second IMAP account is not. */
function sideNames(config: Config, account: string): { local: string; remote: string } {
  const local = config.accounts.find((a) => a.name === account)?.local;
  return { local: local?.type === 'maildir' ? 'this computer' : 'the local account', remote: 'the server' };
}
