import type { Config } from '../../shared/config.js';
import { accountStatus } from '../engine/status/account-status.js';
import { selectAccounts } from './select-accounts.js';

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
      for (const c of f.conflicts) process.stdout.write(`    conflict (${c.kind}, ${c.at}): ${c.detail}\n`);
    }
  }
  return 0;
}
