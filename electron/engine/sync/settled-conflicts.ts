import type { FolderPlan } from '../plan/folder-plan.js';
import type { Listing } from '../plan/plan-folder.js';
import { otherSide, type Side } from '../state/folder-state.js';
import type { FolderContext } from './folder-context.js';

export interface SettledAdjustment {
  allowMassDelete: boolean;
  /** Conflicts this pass settles; dropped once the pass completed. */
  done: string[];
}

/**
 * Folds the user's settled conflicts into this pass's plan: "delete on both" deletes a kept
 * message after all; for a folder the mass-delete check stopped, "allow" lets the deletions
 * through and "keep" restores the messages on the side that lost them instead.
 */
export function applySettledConflicts(ctx: FolderContext, plan: FolderPlan, listings: Record<Side, Listing>): SettledAdjustment {
  const out: SettledAdjustment = { allowMassDelete: false, done: [] };
  for (const c of ctx.state.conflicts) {
    if (!c.settled) continue;
    if (c.kind === 'delete-vs-change' && c.settled === 'delete-both' && c.pairKey !== null) {
      const pair = ctx.state.pairs.get(c.pairKey);
      if (pair) {
        drop(plan, pair.key);
        for (const side of ['remote', 'local'] as const) {
          const id = pair[side];
          if (id !== null && listings[side].has(id)) plan.deletes.push({ side, id, key: pair.key });
        }
      }
      out.done.push(c.id);
    } else if (c.kind === 'mass-delete-stopped' && c.settled === 'allow-deletion') {
      out.allowMassDelete = true;
      out.done.push(c.id);
    } else if (c.kind === 'mass-delete-stopped' && c.settled === 'keep-both') {
      for (const d of plan.deletes) {
        plan.copies.push({ to: otherSide(d.side), sourceId: d.id, flags: [...(listings[d.side].get(d.id) ?? [])], pairKey: d.key });
      }
      plan.deletes = [];
      out.done.push(c.id);
    }
  }
  return out;
}

function drop(plan: FolderPlan, key: number): void {
  plan.copies = plan.copies.filter((c) => c.pairKey !== key);
  plan.flagUpdates = plan.flagUpdates.filter((u) => u.key !== key);
  plan.deletes = plan.deletes.filter((d) => d.key !== key);
}
