import { join } from 'node:path';
import type { AccountOverview, FolderOverview } from '../../../shared/api/engine-protocol.js';
import { AccountStateStore } from '../state/account-state-store.js';

/**
 * The account's state as the app shows it: what `mailferry status` reports (status/
 * account-status.ts) plus the message count on each side and the choices already made.
 * Reads without the lock, like `mailferry status`: a record being written at this moment is
 * simply not seen yet (a torn last line is dropped by the loader).
 */
export async function accountOverview(stateDir: string, account: string): Promise<AccountOverview> {
  const store = await AccountStateStore.open(join(stateDir, account));
  const folders: FolderOverview[] = [];
  for (const folder of await store.folders()) {
    const loaded = await store.loadFolder(folder);
    if (!loaded.ok) {
      folders.push({ folder, lastSync: null, remoteMessages: 0, localMessages: 0, conflicts: [], pending: null, damaged: loaded.reason });
      continue;
    }
    const { state } = loaded;
    const pairs = [...state.pairs.values()];
    folders.push({
      folder,
      lastSync: state.lastSync === null ? null : new Date(state.lastSync).toISOString(),
      remoteMessages: pairs.filter((p) => p.remote !== null).length,
      localMessages: pairs.filter((p) => p.local !== null).length,
      conflicts: state.conflicts.map((c) => ({
        id: c.id,
        kind: c.kind,
        detail: c.detail,
        sides: c.sides ?? null,
        at: new Date(c.at).toISOString(),
        settled: c.settled ?? null,
      })),
      pending: state.pending,
      damaged: null,
    });
  }
  return { account, folders };
}
