import type { Side } from '../state/folder-state.js';
import type { FolderContext } from './folder-context.js';
import { pairByIdentity } from '../plan/pair-by-identity.js';
import type { Listing } from '../plan/plan-folder.js';

/**
 * A side that renumbered its messages (UIDVALIDITY changed, or UIDs reused without it): every id state holds for it is
 * stale and must not be used to copy, delete or flag anything. Each pair is re-attached to the
 * message with its identity under the new numbering. A pair whose message is not found there is
 * dropped, so the other side's copy is treated as new and copied back: a reset can make us
 * restore a message, never delete one.
 */
export async function repairUidValidity(ctx: FolderContext, side: Side, listing: Listing, reason: string): Promise<void> {
  const previous = ctx.state.status[side]?.uidValidity;
  const identified = await ctx.sessions[side].identify([...listing.keys()]);
  const current = [...identified].map(([id, identity]) => ({ id, identity }));
  const pairs = [...ctx.state.pairs.values()].filter((p) => p[side] !== null);
  const known = pairs.map((p) => ({ id: String(p.key), identity: p.identity }));
  const matched = new Map(pairByIdentity(known, current).map(([p, m]) => [Number(p.id), m.id]));

  let dropped = 0;
  for (const pair of pairs) {
    const id = matched.get(pair.key);
    if (id === undefined) {
      ctx.journal.append({ op: 'unpair', key: pair.key });
      dropped++;
    } else {
      ctx.journal.append({ op: 'pair', pair: { ...pair, [side]: id } });
    }
  }
  for (const g of ctx.state.ghosts.filter((g) => g.side === side)) {
    ctx.journal.append({ op: 'ghostDone', side, sha256: g.identity.sha256 });
  }
  // A stray copy's id names nothing now: if the copy is still there, it is mail like any other.
  for (const x of ctx.state.strays.filter((x) => x.side === side)) ctx.journal.append({ op: 'strayDone', side, id: x.id });
  ctx.journal.append({ op: 'status', side, status: null });
  await ctx.journal.sync('re-paired after UIDVALIDITY change');
  const now = ctx.sessions[side].status.uidValidity;
  const change = previous === now ? '' : ` (UIDVALIDITY ${previous} -> ${now})`;
  const note = `the ${side} folder was renumbered: ${reason}${change}; re-paired ${matched.size} messages by identity${dropped ? `, ${dropped} not found there will be copied back` : ''}`;
  ctx.summary.notes.push(note);
}
