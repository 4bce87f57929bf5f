import { join } from 'node:path';
import type { AccountStatusReport, FolderStatusReport } from '../../../shared/account-status.js';
import { AccountStateStore } from '../state/account-state-store.js';

/** Reads every folder's state of an account without touching either side or taking the lock. */
export async function accountStatus(stateDir: string, account: string): Promise<AccountStatusReport> {
  const store = await AccountStateStore.open(join(stateDir, account));
  const folders: FolderStatusReport[] = [];
  for (const folder of await store.folders()) {
    const loaded = await store.loadFolder(folder);
    if (!loaded.ok) {
      folders.push({ folder, lastSync: null, messages: 0, keptOneSide: 0, conflicts: [], pending: null, damaged: loaded.reason });
      continue;
    }
    const pairs = [...loaded.state.pairs.values()];
    folders.push({
      folder,
      lastSync: loaded.state.lastSync === null ? null : new Date(loaded.state.lastSync).toISOString(),
      messages: pairs.filter((p) => p.remote !== null && p.local !== null).length,
      keptOneSide: pairs.filter((p) => p.remote === null || p.local === null).length,
      conflicts: loaded.state.conflicts.map((c) => ({ id: c.id, kind: c.kind, detail: c.detail, at: new Date(c.at).toISOString() })),
      pending: loaded.state.pending,
      damaged: null,
    });
  }
  return { account, folders };
}
