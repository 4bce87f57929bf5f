import { sameFlags } from '../../../shared/flags.js';
import { identityKey, type MessageIdentity } from '../../../shared/identity.js';
import { flows } from '../plan/folder-plan.js';
import { mergeFlags } from '../plan/merge-flags.js';
import { otherSide, type Side } from '../state/folder-state.js';
import type { MailStore } from '../store/mail-store.js';
import { eachWayKey } from './folder-context.js';
import type { PreparedFolder } from './sync-folder.js';

/**
 * A message that left folder `from` and appeared in folder `to` on one side since the last
 * sync. It is carried out as a move on the other side (`side`), so the body is not
 * transferred again and flag changes made on either side before the move survive.
 */
export interface PlannedMove {
  from: PreparedFolder;
  to: PreparedFolder;
  /** The side the move is carried out on. */
  side: Side;
  /** The message's id on `side`, in `from`. */
  id: string;
  /** Its pair in `from`. */
  key: number;
  /** The moved copy's id on the other side, in `to`. */
  arrivalId: string;
  identity: MessageIdentity;
  base: string[];
  flags: Record<Side, readonly string[]>;
}

interface Departure {
  from: PreparedFolder;
  key: number;
  id: string;
  identity: MessageIdentity;
  base: string[];
  used: boolean;
}

/**
 * Pairs "gone from folder X on side S" with "new in folder Y on side S" by identity, and takes
 * both out of the folders' plans (the delete or restore in X, the copy in Y). Only identities
 * of new messages are fetched, and only when S has departures somewhere.
 */
export async function detectMoves(stores: Record<Side, MailStore>, prepared: PreparedFolder[]): Promise<PlannedMove[]> {
  const moves: PlannedMove[] = [];
  for (const movedOn of ['remote', 'local'] as const) {
    const side = otherSide(movedOn);
    const departures = collectDepartures(prepared, movedOn);
    if (departures.size === 0) continue;
    for (const to of prepared) {
      if (!flows(to.ctx.options.direction, movedOn)) continue;
      const arrivals = to.plan.copies.filter((c) => c.pairKey === null && c.to === side).map((c) => c.sourceId);
      if (arrivals.length === 0) continue;
      const session = await stores[movedOn].openFolder(to.ctx.folder);
      let identities;
      try {
        identities = await session.identify(arrivals);
      } finally {
        await session.close();
      }
      for (const [arrivalId, identity] of identities) {
        const d = departures.get(identityKey(identity))?.find((c) => !c.used && c.from !== to);
        if (!d) continue;
        d.used = true;
        const flags = { [movedOn]: to.listings[movedOn].get(arrivalId) ?? [], [side]: d.from.listings[side].get(d.id) ?? [] } as Record<Side, readonly string[]>;
        moves.push({ from: d.from, to, side, id: d.id, key: d.key, arrivalId, identity: d.identity, base: d.base, flags });
      }
    }
  }
  for (const m of moves) takeOutOfPlans(m);
  return moves;
}

/** Pairs whose message vanished from `movedOn` and that the plan would delete or restore on it. */
function collectDepartures(prepared: PreparedFolder[], movedOn: Side): Map<string, Departure[]> {
  const byKey = new Map<string, Departure[]>();
  const add = (from: PreparedFolder, key: number, id: string) => {
    const pair = from.ctx.state.pairs.get(key);
    if (!pair) return;
    const d: Departure = { from, key, id, identity: pair.identity, base: pair.flags, used: false };
    const k = identityKey(pair.identity);
    byKey.set(k, [...(byKey.get(k) ?? []), d]);
  };
  for (const p of prepared) {
    for (const d of p.plan.deletes) if (d.side !== movedOn) add(p, d.key, d.id);
    for (const c of p.plan.copies) if (c.pairKey !== null && c.to === movedOn) add(p, c.pairKey, c.sourceId);
  }
  return byKey;
}

function takeOutOfPlans(m: PlannedMove): void {
  const x = m.from.plan;
  x.deletes = x.deletes.filter((d) => d.key !== m.key);
  x.copies = x.copies.filter((c) => c.pairKey !== m.key);
  x.conflicts = x.conflicts.filter((c) => c.key !== m.key);
  const y = m.to.plan;
  y.copies = y.copies.filter((c) => !(c.pairKey === null && c.sourceId === m.arrivalId));
}

/**
 * Carries out the moves, grouped by source folder and side. The state is written after each
 * group: a crash in between leaves the message gone from both sides of `from` (forgotten next
 * run) and unpaired on both sides of `to`, where identity pairing pairs it without a transfer.
 */
export async function executeMoves(stores: Record<Side, MailStore>, moves: PlannedMove[]): Promise<void> {
  const groups = new Map<string, PlannedMove[]>();
  for (const m of moves) {
    const k = `${m.side}\u0000${m.from.ctx.folder}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  for (const group of groups.values()) {
    const { side, from } = group[0]!;
    const session = await stores[side].openFolder(from.ctx.folder);
    try {
      for (const to of new Set(group.map((m) => m.to))) {
        const mine = group.filter((m) => m.to === to);
        const moved = await session.moveTo(mine.map((m) => m.id), to.ctx.folder);
        for (const m of mine) recordMove(m, moved.get(m.id));
        await to.ctx.journal.sync('moves recorded');
      }
    } finally {
      await session.close();
    }
    await from.ctx.journal.sync('moves recorded');
  }
}

function recordMove(m: PlannedMove, newId: string | null | undefined): void {
  if (newId === undefined) return; // vanished before the move: the next run sees it gone
  m.from.ctx.journal.append({ op: 'unpair', key: m.key });
  m.to.ctx.summary.moved[eachWayKey(m.side)]++;
  if (newId === null) return; // no COPYUID: paired by identity on the next run
  const movedOn = otherSide(m.side);
  const y = m.to.ctx;
  const key = y.state.nextKey;
  const pair = { key, remote: '', local: '', flags: m.base, identity: m.identity };
  pair[m.side] = newId;
  pair[movedOn] = m.arrivalId;
  y.journal.append({ op: 'pair', pair });
  const merged = y.options.direction === 'both' ? mergeFlags(m.base, m.flags.remote, m.flags.local) : [...m.flags[movedOn]];
  const change = (s: Side) => (sameFlags(m.flags[s], merged) ? null : { id: pair[s], from: [...m.flags[s]], to: merged });
  m.to.plan.flagUpdates.push({ key, remote: change('remote'), local: change('local'), base: merged });
}
