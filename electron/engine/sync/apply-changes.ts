import type { FolderPlan } from '../plan/folder-plan.js';
import { flagDelta } from '../plan/merge-flags.js';
import type { Side } from '../state/folder-state.js';
import type { FlagChange } from '../store/mail-store.js';
import type { FolderContext } from './folder-context.js';

const BATCH = 500;

/**
 * Flag updates, then deletes, in batches. Neither needs an intent: re-running a flag update is
 * harmless (both sides already agree, so the merge is a no-op), and a delete interrupted before
 * its pair was forgotten is seen next run as "gone from both sides".
 */
export async function applyFlagUpdates(ctx: FolderContext, plan: FolderPlan): Promise<void> {
  for (let i = 0; i < plan.flagUpdates.length; i += BATCH) {
    const batch = plan.flagUpdates.slice(i, i + BATCH);
    for (const side of ['remote', 'local'] as const) {
      const changes: FlagChange[] = [];
      for (const u of batch) {
        const c = u[side];
        if (c) changes.push({ id: c.id, ...flagDelta(c.from, c.to) });
      }
      if (changes.length === 0) continue;
      await ctx.sessions[side].setFlags(changes);
      ctx.summary.flagUpdates[side === 'local' ? 'toLocal' : 'toRemote'] += changes.length;
    }
    for (const u of batch) ctx.journal.append({ op: 'flags', key: u.key, flags: u.base });
    await ctx.journal.sync('flags updated');
  }
}

export async function applyDeletes(ctx: FolderContext, plan: FolderPlan): Promise<void> {
  for (const side of ['remote', 'local'] as const) {
    const mine = plan.deletes.filter((d) => d.side === side);
    for (let i = 0; i < mine.length; i += BATCH) {
      const batch = mine.slice(i, i + BATCH);
      await ctx.sessions[side].delete(batch.map((d) => d.id));
      for (const d of batch) ctx.journal.append({ op: 'unpair', key: d.key });
      ctx.summary.deleted[side === 'local' ? 'toLocal' : 'toRemote'] += batch.length;
      await ctx.journal.sync('deletes recorded');
    }
  }
}

/** Forgotten pairs (gone from both sides) and tombstones (deleted on one side, kept on the other). */
export function applyBookkeeping(ctx: FolderContext, plan: FolderPlan): void {
  for (const key of plan.forget) ctx.journal.append({ op: 'unpair', key });
  for (const t of plan.tombstones) {
    const pair = ctx.state.pairs.get(t.key);
    if (pair) ctx.journal.append({ op: 'pair', pair: { ...pair, [t.side satisfies Side]: null } });
  }
}
