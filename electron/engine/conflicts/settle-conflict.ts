import { join } from 'node:path';
import { CHOICES_BY_KIND, type ConflictChoice } from '../../../shared/conflicts.js';
import { acquireAccountLock } from '../state/account-lock.js';
import { AccountStateStore } from '../state/account-state-store.js';

/**
 * Records the user's choice for a conflict. Nothing on either side changes here: the folder's
 * next pass carries the choice out (settled-conflicts.ts) and then drops the conflict. Takes
 * the account lock, so it fails with AccountLockedError while a sync of the account runs.
 * Returns 'dismissed' when the choice keeps things as the engine left them (the conflict is
 * gone now), 'recorded' when the folder's next pass has work to do for it.
 */
export async function settleConflict(stateDir: string, account: string, folder: string, conflictId: string, choice: ConflictChoice): Promise<'dismissed' | 'recorded'> {
  const accountDir = join(stateDir, account);
  const lock = await acquireAccountLock(accountDir, account);
  try {
    const store = await AccountStateStore.open(accountDir);
    const loaded = await store.loadFolder(folder);
    if (!loaded.ok) throw new Error(`the state of folder "${folder}" is damaged (${loaded.reason}); the next sync rebuilds it and its conflicts`);
    const conflict = loaded.state.conflicts.find((c) => c.id === conflictId);
    if (!conflict) throw new Error(`no open conflict ${conflictId} in folder "${folder}" (already settled?)`);
    if (!CHOICES_BY_KIND[conflict.kind].includes(choice)) {
      throw new Error(`"${choice}" does not settle a ${conflict.kind} conflict (choose one of: ${CHOICES_BY_KIND[conflict.kind].join(', ')})`);
    }
    const journal = store.openJournal(folder, loaded.state, loaded.seq);
    try {
      // Keeping things as the engine left them needs no pass (a restored message, a move's outcome).
      const asLeft = choice === 'keep-both' && (conflict.kind === 'delete-vs-change' || conflict.kind === 'moved-to-different-folders');
      if (asLeft) journal.append({ op: 'conflictDone', id: conflictId });
      else journal.append({ op: 'settle', id: conflictId, choice });
      await journal.sync('conflict settled');
      return asLeft ? 'dismissed' : 'recorded';
    } finally {
      await journal.close();
    }
  } finally {
    await lock.release();
  }
}
