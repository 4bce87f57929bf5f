import type { Side } from '../state/folder-state.js';
import { pairByIdentity } from '../plan/pair-by-identity.js';
import type { Listing } from '../plan/plan-folder.js';
import type { FolderContext } from './folder-context.js';
import { unpairedIds } from './pair-unpaired.js';

/**
 * A message that left this folder on one side and came back under a new id since the last
 * sync (moved to Archive and back by a mail client or a server filter, Exchange renumbering
 * one message, a Maildir file moved out and back under a new name) is the same message. Its
 * pair is re-attached to the new id, so its flags still merge three-way against the merge base
 * and nothing is copied or deleted; treated as "deleted + new" it would be duplicated on both
 * sides with its flags split. Identities are fetched only when the folder lost a message and
 * gained one on that side.
 */
export async function reattachReturned(ctx: FolderContext, side: Side, listing: Listing): Promise<void> {
  const gone = [...ctx.state.pairs.values()].filter((p) => p[side] !== null && !listing.has(p[side]));
  if (gone.length === 0) return;
  const fresh = unpairedIds(ctx, side, listing);
  if (fresh.length === 0) return;
  const identified = await ctx.sessions[side].identify(fresh);
  const matches = pairByIdentity(
    gone.map((p) => ({ id: String(p.key), identity: p.identity })),
    [...identified].map(([id, identity]) => ({ id, identity })),
  );
  if (matches.length === 0) return;
  for (const [known, returned] of matches) {
    const pair = ctx.state.pairs.get(Number(known.id))!;
    ctx.journal.append({ op: 'pair', pair: { ...pair, [side]: returned.id } });
  }
  await ctx.journal.sync('returned messages re-paired');
  ctx.summary.notes.push(`${matches.length} message(s) left this folder on the ${side} side and came back under a new id; recognised as the same message`);
}
