import type { FolderPlan } from '../plan/folder-plan.js';
import { flagDelta } from '../plan/merge-flags.js';
import type { Side } from '../state/folder-state.js';
import type { FlagChange } from '../store/mail-store.js';
import { deletesKept, eachWayKey, type FolderContext } from './folder-context.js';

const BATCH = 500;

/**
 * Flag updates, then deletes. Neither needs an intent: re-running a flag update is harmless
 * (both sides already agree, so the merge is a no-op), and a delete interrupted before its pair
 * was forgotten is seen next run as "gone from both sides".
 * Flag updates return false when some did not reach their message (see below).
 */
export async function applyFlagUpdates(ctx: FolderContext, plan: FolderPlan): Promise<boolean> {
  let allLanded = true;
  for (let i = 0; i < plan.flagUpdates.length; i += BATCH) {
    const batch = plan.flagUpdates.slice(i, i + BATCH);
    const missed = new Set<number>();
    for (const side of ['remote', 'local'] as const) {
      const changes: FlagChange[] = [];
      for (const u of batch) {
        const c = u[side];
        if (c) changes.push({ id: c.id, ...flagDelta(c.from, c.to) });
      }
      if (changes.length === 0) continue;
      const vanished = new Set(await ctx.sessions[side].setFlags(changes));
      for (const u of batch) if (u[side] && vanished.has(u[side].id)) missed.add(u.key);
      ctx.summary.flagUpdates[side === 'local' ? 'toLocal' : 'toRemote'] += changes.length - vanished.size;
    }
    // A message another client moved or deleted mid-pass never got the change: its merge base
    // stays, so next run still sees the change (kept when moved, restored when deleted).
    for (const u of batch) if (!missed.has(u.key)) ctx.journal.append({ op: 'flags', key: u.key, flags: u.base });
    await ctx.journal.sync('flags updated');
    if (missed.size > 0) allLanded = false;
  }
  return allLanded;
}

/**
 * Deletes, and the folder's stray copies (see StrayCopy), each side's in one call: a server
 * without UIDPLUS can only expunge every message marked \Deleted at once, and does so only when
 * all the marks it finds are ours. Journaled in batches afterwards (a crash in between leaves
 * the message gone from both sides: the pair is forgotten). A deletion the side could not carry
 * out keeps its pair, so the next pass sees the message still there and deletes it again (a
 * \Deleted left on it is no change); it is pending work. Returns the keys of those pairs.
 */
export async function applyDeletes(ctx: FolderContext, plan: FolderPlan): Promise<Set<number>> {
  const keptKeys = new Set<number>();
  for (const side of ['remote', 'local'] as const) {
    const mine = plan.deletes.filter((d) => d.side === side);
    const strays = ctx.state.strays.filter((s) => s.side === side && s.movingTo === null);
    if (mine.length === 0 && strays.length === 0) continue;
    const kept = new Set(await ctx.sessions[side].delete([...mine.map((d) => d.id), ...strays.map((s) => s.id)]));
    for (let i = 0; i < mine.length; i += BATCH) {
      for (const d of mine.slice(i, i + BATCH)) {
        if (kept.has(d.id)) {
          keptKeys.add(d.key);
          continue;
        }
        ctx.journal.append({ op: 'unpair', key: d.key });
        ctx.summary.deleted[eachWayKey(side)]++;
      }
      await ctx.journal.sync('deletes recorded');
    }
    for (const s of strays) if (!kept.has(s.id)) ctx.journal.append({ op: 'strayDone', side, id: s.id });
    await ctx.journal.sync('stray copies removed');
    deletesKept(ctx, side, kept.size);
  }
  return keptKeys;
}

/** Forgotten pairs (gone from both sides) and tombstones (deleted on one side, kept on the other). */
export function applyBookkeeping(ctx: FolderContext, plan: FolderPlan): void {
  for (const key of plan.forget) ctx.journal.append({ op: 'unpair', key });
  for (const t of plan.tombstones) {
    const pair = ctx.state.pairs.get(t.key);
    if (pair) ctx.journal.append({ op: 'pair', pair: { ...pair, [t.side satisfies Side]: null } });
  }
}
