import { sameFlags } from '../../../shared/flags.js';
import { otherSide, type Pair, type Side } from '../state/folder-state.js';
import { applyFlagChanges, meaningfulFlagChange, mergeFlags } from './merge-flags.js';
import { emptyPlan, flows, type FolderPlan, type PlanOptions } from './folder-plan.js';

/** A side's messages as listed now: id -> normalized flags. */
export type Listing = ReadonlyMap<string, readonly string[]>;

/**
 * The three-way planner: state at the last sync (pairs with their merge-base flags) and what
 * each side holds now, in; the actions that bring both sides in step, out. Pure: no I/O, so
 * every rule below is covered by table tests.
 *
 * Rules, per pair (both ids known at the last sync):
 *  - present on both: flags merged per flag (mergeFlags); sides that differ get the result.
 *  - gone from one side, unchanged on the other: deleted there too (or kept as a tombstone
 *    when deletes do not flow that way).
 *  - gone from one side, flags changed on the other since the last sync: delete-vs-change
 *    conflict; the message is kept and restored on the deleting side.
 *  - gone from both: forgotten.
 * Messages on one side that no pair knows are copied to the other side.
 */
export function planFolder(pairs: Iterable<Pair>, remote: Listing, local: Listing, opts: PlanOptions): FolderPlan {
  const plan = emptyPlan();
  const paired: Record<Side, Set<string>> = { remote: new Set(), local: new Set() };
  const listing: Record<Side, Listing> = { remote, local };

  for (const pair of pairs) {
    if (pair.remote !== null) paired.remote.add(pair.remote);
    if (pair.local !== null) paired.local.add(pair.local);
    const r = pair.remote === null ? undefined : remote.get(pair.remote);
    const l = pair.local === null ? undefined : local.get(pair.local);

    if (pair.remote === null || pair.local === null) {
      planTombstone(plan, pair, r ?? l);
    } else if (r && l) {
      planFlags(plan, pair, r, l, opts);
    } else if (!r && !l) {
      plan.forget.push(pair.key);
    } else {
      const deletedOn: Side = r ? 'local' : 'remote';
      planOneSidedDelete(plan, pair, deletedOn, (r ?? l)!, opts);
    }
  }

  for (const side of ['remote', 'local'] as const) {
    if (!flows(opts.direction, side)) continue;
    for (const [id, flags] of listing[side]) {
      if (!paired[side].has(id)) plan.copies.push({ to: otherSide(side), sourceId: id, flags: [...flags], pairKey: null });
    }
  }
  return plan;
}

/** A pair already deleted on one side without propagation: forgotten once the other copy goes too. */
function planTombstone(plan: FolderPlan, pair: Pair, surviving: readonly string[] | undefined): void {
  if (surviving === undefined) plan.forget.push(pair.key);
}

function planFlags(plan: FolderPlan, pair: Pair, r: readonly string[], l: readonly string[], opts: PlanOptions): void {
  let newR: readonly string[];
  let newL: readonly string[];
  let base: string[];
  if (opts.direction === 'both') {
    base = mergeFlags(pair.flags, r, l);
    newR = base;
    newL = base;
  } else {
    // One-way: only the source side's changes travel; the base follows the source, so the
    // destination's own differences are left alone rather than read as new source changes.
    const src = opts.direction === 'pull' ? r : l;
    const dst = opts.direction === 'pull' ? l : r;
    base = [...src];
    const dstNew = applyFlagChanges(pair.flags, src, dst);
    newR = opts.direction === 'pull' ? r : dstNew;
    newL = opts.direction === 'pull' ? dstNew : l;
  }
  const rChange = sameFlags(r, newR) ? null : { id: pair.remote!, from: [...r], to: [...newR] };
  const lChange = sameFlags(l, newL) ? null : { id: pair.local!, from: [...l], to: [...newL] };
  if (rChange || lChange || !sameFlags(pair.flags, base)) {
    plan.flagUpdates.push({ key: pair.key, remote: rChange, local: lChange, base });
  }
}

function planOneSidedDelete(plan: FolderPlan, pair: Pair, deletedOn: Side, survivorFlags: readonly string[], opts: PlanOptions): void {
  const survivor = otherSide(deletedOn);
  const survivorId = (survivor === 'remote' ? pair.remote : pair.local)!;
  if (meaningfulFlagChange(pair.flags, survivorFlags)) {
    // The user still cared about this message on the other side: never let the delete win.
    if (flows(opts.direction, survivor)) {
      plan.copies.push({ to: deletedOn, sourceId: survivorId, flags: [...survivorFlags], pairKey: pair.key });
      plan.conflicts.push({ kind: 'delete-vs-change', key: pair.key, deletedOn, resolution: 'restored' });
    } else {
      plan.tombstones.push({ key: pair.key, side: deletedOn });
      plan.conflicts.push({ kind: 'delete-vs-change', key: pair.key, deletedOn, resolution: 'kept-one-side' });
    }
    return;
  }
  if (opts.propagateDeletes && flows(opts.direction, deletedOn)) {
    plan.deletes.push({ side: survivor, id: survivorId, key: pair.key });
  } else {
    plan.tombstones.push({ key: pair.key, side: deletedOn });
  }
}
