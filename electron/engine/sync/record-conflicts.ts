import type { ConflictSides } from '../../../shared/conflict-sides.js';
import { deleteVsChangeSides, headersOf } from '../conflicts/describe-sides.js';
import type { FolderPlan, PlannedConflict } from '../plan/folder-plan.js';
import type { Listing } from '../plan/plan-folder.js';
import { otherSide, type Conflict, type Pair, type Side } from '../state/folder-state.js';
import type { FolderContext } from './folder-context.js';

/** Journals the planner's conflicts so `mailferry status` and the app can show and settle them. */
export async function recordConflicts(ctx: FolderContext, plan: FolderPlan, listings: Record<Side, Listing>): Promise<void> {
  const at = Date.now();
  for (const c of plan.conflicts) {
    const pair = ctx.state.pairs.get(c.key);
    // A run redoing this plan after a crash finds the conflict recorded already: kept once, same id.
    const recorded = ctx.state.conflicts.find((x) => x.kind === c.kind && x.pairKey === c.key);
    const conflict: Conflict = {
      id: recorded?.id ?? `${c.kind}:${c.key}:${at}`,
      kind: c.kind,
      folder: ctx.folder,
      detail: describe(c, pair?.identity.messageId ?? null),
      ...(pair && { sides: await sidesOf(ctx, c, pair, listings) }),
      pairKey: c.key,
      at,
    };
    ctx.journal.append({ op: 'conflict', conflict });
    ctx.summary.conflicts++;
    ctx.reporter.note(ctx.account, ctx.folder, conflict.detail);
  }
}

/** The surviving copy tells the headers and its flags now; the deleted one had the merge base. */
async function sidesOf(ctx: FolderContext, c: PlannedConflict, pair: Pair, listings: Record<Side, Listing>): Promise<ConflictSides> {
  const survivor = otherSide(c.deletedOn);
  const id = pair[survivor]!;
  const headers = await headersOf(ctx.sessions[survivor], id);
  const now = listings[survivor].get(id) ?? pair.flags;
  return deleteVsChangeSides(ctx.folder, c.deletedOn, { headers, size: pair.identity.size }, { before: pair.flags, now });
}

function describe(c: PlannedConflict, messageId: string | null): string {
  const which = messageId ? `message ${messageId}` : 'a message without Message-ID';
  const other = c.deletedOn === 'local' ? 'remote' : 'local';
  const outcome =
    c.resolution === 'restored'
      ? `kept it and restored it on the ${c.deletedOn} side`
      : `kept it on the ${other} side only (changes do not flow to the ${c.deletedOn} side)`;
  return `${which} was deleted on the ${c.deletedOn} side but changed on the ${other} side since the last sync: ${outcome}`;
}
