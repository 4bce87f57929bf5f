import type { MessageIdentity } from '../../../shared/identity.js';
import { otherSide, type CreateIntent, type Pair } from '../state/folder-state.js';
import { pairedIds, type FolderContext } from './folder-context.js';

/**
 * Finishes what a crashed run left between "intent journaled" and "pair journaled": for each
 * pending create, asks the target side whether the copy exists (APPENDUID lost, or a Maildir
 * file renamed into cur/ just before the crash) and pairs it, so it is never sent twice.
 * A copy that is not found is re-planned by the normal pass; on IMAP the server may still
 * store the one the dead process sent, so a ghost watch removes that copy when it turns up.
 */
export async function recoverIntents(ctx: FolderContext): Promise<void> {
  if (ctx.state.intents.size === 0) return;
  for (const intent of [...ctx.state.intents.values()]) {
    const target = ctx.sessions[intent.target];
    const found = await target.recoverAppend(intent.ticket, intent.identity, pairedIds(ctx.state, intent.target));
    if (found.length === 0) {
      if (intent.ticket.kind === 'imap' && intent.identity) {
        ctx.journal.append({
          op: 'ghost',
          ghost: { side: intent.target, identity: intent.identity, uidValidity: intent.ticket.uidValidity, fromUid: intent.ticket.uidNext, createdAt: Date.now() },
        });
      }
      ctx.journal.append({ op: 'intentDone', id: intent.id });
      continue;
    }
    const [keep, ...extra] = found as [string, ...string[]];
    if (extra.length > 0) {
      // Same identity, created under our own ticket: copies of one upload, not the user's mail.
      // One the side could not remove yet (no UIDPLUS) is a stray copy, removed later.
      const kept = await target.delete(extra);
      for (const id of kept) ctx.journal.append({ op: 'stray', stray: { side: intent.target, id, uidValidity: target.status.uidValidity, movingTo: null } });
      ctx.summary.duplicatesRemoved += extra.length - kept.length;
    }
    const identity = intent.identity ?? (await target.identify([keep])).get(keep);
    if (!identity) {
      ctx.journal.append({ op: 'intentDone', id: intent.id });
      continue;
    }
    ctx.journal.append({ op: 'pair', pair: recoveredPair(ctx, intent, keep, identity) });
    ctx.journal.append({ op: 'intentDone', id: intent.id });
  }
  await ctx.journal.sync('recovered interrupted copies');
}

function recoveredPair(ctx: FolderContext, intent: CreateIntent, newId: string, identity: MessageIdentity): Pair {
  const existing = intent.pairKey === null ? undefined : ctx.state.pairs.get(intent.pairKey);
  const source = otherSide(intent.target);
  const base: Pair = existing ?? {
    key: ctx.state.nextKey,
    remote: null,
    local: null,
    flags: intent.flags,
    identity,
  };
  const pair: Pair = { ...base, flags: intent.flags };
  pair[intent.target] = newId;
  if (!existing) pair[source] = intent.sourceId;
  return pair;
}
