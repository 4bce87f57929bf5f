import type { MessageIdentity } from '../../../shared/identity.js';
import { describePendingWork, emptyPendingWork, hasPendingWork } from '../../../shared/sync-summary.js';
import type { Side } from '../state/folder-state.js';
import type { FolderStatus } from '../store/mail-store.js';
import { sameStatus, statusVouches } from '../store/folder-status.js';
import { planFolder, type Listing } from '../plan/plan-folder.js';
import { massDeleteCheck, type MassDeleteVerdict } from '../plan/safety-check.js';
import type { FolderPlan } from '../plan/folder-plan.js';
import { pairedIds, type FolderContext } from './folder-context.js';
import { flows } from '../plan/folder-plan.js';
import { recoverIntents } from './recover-intents.js';
import { repairUidValidity } from './repair-uidvalidity.js';
import { pairUnpaired, removeGhosts } from './pair-unpaired.js';
import { reattachReturned } from './reattach-returned.js';
import { copyBytes, copyMessages } from './copy-messages.js';
import { applyBookkeeping, applyDeletes, applyFlagUpdates } from './apply-changes.js';
import { recordConflicts } from './record-conflicts.js';
import { applySettledConflicts } from './settled-conflicts.js';
import { massDeleteSides } from '../conflicts/describe-sides.js';

export class FolderStoppedError extends Error {
  override name = 'FolderStoppedError';
}

/** A folder planned in the first phase of an account pass and carried out in the second. */
export interface PreparedFolder {
  ctx: FolderContext;
  plan: FolderPlan;
  listings: Record<Side, Map<string, readonly string[]>>;
  /** Message sizes the listings reported (IMAP), by side and id: what a copy batch will hold. */
  sizes: Record<Side, Map<string, number>>;
  /** What each side reported when the folder was listed; recorded as the folder's status. */
  seen: Record<Side, FolderStatus>;
  allowMassDelete: boolean;
  settledDone: string[];
  /** Identities of the messages new on each side, when asked for while listing (detect-moves.ts). */
  arrivals: Record<Side, Map<string, MessageIdentity>> | null;
  /**
   * Set when this pass left messages here that no pair holds yet (moved in on one side by a
   * server that did not say under which UID): the next pass must list both sides in full,
   * where identity pairing finds them, rather than trust change tracking that says "unchanged".
   */
  relist: boolean;
  /** Pairs identity pairing made this pass (both copies new): what a move cut short leaves behind. */
  pairedNow: number[];
}

/**
 * First phase of one folder's pass: recover, list, re-pair, plan. Changes nothing on either
 * side except finishing a crashed run's work (recovery, late duplicates). Returns null when
 * neither side changed since the last sync.
 */
export async function prepareFolder(ctx: FolderContext, dryRun: boolean): Promise<PreparedFolder | null> {
  // A retry plans afresh, and counts afresh what it could not do.
  ctx.summary.pending = emptyPendingWork();
  if (!dryRun) await recoverIntents(ctx);

  const unchanged = { remote: sideUnchanged(ctx, 'remote'), local: sideUnchanged(ctx, 'local') };
  const pendingChoices = ctx.state.conflicts.some((c) => c.settled);
  // Work left undone by the last pass is retried, whatever the sides report.
  const undone = ctx.state.ghosts.length > 0 || ctx.state.strays.length > 0 || pendingChoices || ctx.state.pending !== null;
  if (unchanged.remote && unchanged.local && !undone) {
    ctx.summary.outcome = 'unchanged';
    return null;
  }
  ctx.reporter.progress({ account: ctx.account, folder: ctx.folder, phase: 'listing', messagesDone: 0, messagesTotal: 0, bytesDone: 0, bytesTotal: null });
  const sizes: Record<Side, Map<string, number>> = { remote: new Map(), local: new Map() };
  const listings = {
    remote: await listSide(ctx, 'remote', unchanged.remote, sizes.remote),
    local: await listSide(ctx, 'local', unchanged.local, sizes.local),
  };
  let pairedNow: number[] = [];

  if (!dryRun) {
    for (const side of ['remote', 'local'] as const) {
      if (uidValidityChanged(ctx, side)) await repairUidValidity(ctx, side, listings[side], 'its UIDVALIDITY changed');
      else if (uidsReused(ctx, side, listings[side], sizes[side])) await repairUidValidity(ctx, side, listings[side], 'the server gave old UIDs to new messages without changing UIDVALIDITY');
      setStraysAside(ctx, side, listings[side], true);
      await removeGhosts(ctx, side, listings[side]);
      await reattachReturned(ctx, side, listings[side]);
    }
    await ctx.journal.sync('stray copies looked at');
    pairedNow = await pairUnpaired(ctx, listings.remote, listings.local);
  } else {
    for (const side of ['remote', 'local'] as const) setStraysAside(ctx, side, listings[side], false);
  }

  const plan = planFolder(ctx.state.pairs.values(), listings.remote, listings.local, ctx.options);
  if (dryRun) summarizePlan(ctx, plan);
  // What this folder will copy, announced as soon as it is known: every folder is planned before
  // any copies, so a pass's totals are complete before its counts start to move.
  else ctx.reporter.progress({ account: ctx.account, folder: ctx.folder, phase: 'copying', messagesDone: 0, messagesTotal: plan.copies.length, bytesDone: 0, bytesTotal: copyBytes(plan.copies, sizes) });
  const settled = applySettledConflicts(ctx, plan, listings);
  return {
    ctx,
    plan,
    listings,
    sizes,
    seen: { remote: ctx.sessions.remote.status, local: ctx.sessions.local.status },
    allowMassDelete: ctx.options.allowMassDelete || settled.allowMassDelete,
    settledDone: settled.done,
    arrivals: null,
    relist: false,
    pairedNow,
  };
}

/**
 * The circuit breaker, applied after moves were recognised (a mail client's "archive 5,000
 * messages" is a move, not a mass delete): records a conflict and stops the folder.
 */
export async function checkMassDelete(p: PreparedFolder): Promise<void> {
  const counts = { remote: p.listings.remote.size, local: p.listings.local.size };
  const verdict = massDeleteCheck(p.plan, counts);
  if (!verdict || p.allowMassDelete) return;
  const { ctx } = p;
  const message = massDeleteStopMessage(verdict, ctx.folder);
  ctx.journal.append({
    op: 'conflict',
    conflict: {
      id: `mass-delete-stopped:${ctx.folder}`,
      kind: 'mass-delete-stopped',
      folder: ctx.folder,
      detail: message,
      sides: massDeleteSides(ctx.folder, verdict.side, verdict.deletes, counts),
      pairKey: null,
      at: Date.now(),
    },
  });
  await ctx.journal.sync('mass delete stopped');
  throw new FolderStoppedError(message);
}

/**
 * The safety check's words, in the CLI's terms (the app says it its own way: service/wording/
 * app-wording.ts reads this sentence).
 */
export function massDeleteStopMessage(verdict: MassDeleteVerdict, folder: string): string {
  return (
    `stopped by the mass-delete safety check: this run would delete ${verdict.deletes} of ${verdict.messages} messages on the ${verdict.side} side ` +
    `because they are gone from the other side. If that is intended, run again with --allow-mass-delete --folder "${folder}"`
  );
}

/**
 * Second phase: carries the plan out with sessions opened afresh (ctx.sessions), each step
 * journaled so that a crash anywhere resumes to the same result.
 */
export async function executeFolder(p: PreparedFolder): Promise<void> {
  const { ctx, plan } = p;
  for (const side of ['remote', 'local'] as const) {
    if (ctx.sessions[side].status.uidValidity !== p.seen[side].uidValidity) {
      throw new Error(`the ${side} folder was renumbered (UIDVALIDITY changed) during the sync; it is re-paired on the next run`);
    }
  }
  await recordConflicts(ctx, plan, p.listings);
  await copyMessages(ctx, plan.copies, p.sizes);
  const flagsLanded = await applyFlagUpdates(ctx, plan);
  const keptKeys = await applyDeletes(ctx, plan);
  applyBookkeeping(ctx, plan);
  for (const id of p.settledDone) {
    // A choice whose deletions were not all carried out stays, so the next pass goes on with it.
    const c = ctx.state.conflicts.find((x) => x.id === id);
    const unfinished = c && ((c.kind === 'mass-delete-stopped' && c.settled === 'allow-deletion' && keptKeys.size > 0) || (c.pairKey !== null && keptKeys.has(c.pairKey)));
    if (!unfinished) ctx.journal.append({ op: 'conflictDone', id });
  }

  // The status seen when the folder was listed: anything that changed after it (including our
  // own writes) makes the next run list that side in full, so nothing is ever skipped. A flag
  // update that missed its message (another client moved or deleted it) left the sides off the
  // merge base for that pair, so the next run must not take flags from state: no change
  // tracking is recorded, and both sides are listed in full. The same when work was left
  // undone: a message not copied is in no pair and no change list, only a full listing sees it;
  // and when a move left a message here unpaired (p.relist).
  const incomplete = hasPendingWork(ctx.summary.pending);
  for (const side of ['remote', 'local'] as const) {
    const status = flagsLanded && !incomplete && !p.relist ? p.seen[side] : { ...p.seen[side], highestModseq: null, changeToken: null };
    ctx.journal.append({ op: 'status', side, status });
  }
  if (incomplete || ctx.state.pending !== null) ctx.journal.append({ op: 'pending', pending: incomplete ? ctx.summary.pending : null });
  if (incomplete) {
    ctx.summary.outcome = 'incomplete';
    ctx.summary.error = describePendingWork(ctx.summary.pending, { local: 'the local side', remote: 'the server' });
  }
  ctx.journal.append({ op: 'synced', at: Date.now() });
  await ctx.journal.sync('folder synced');
  const bytes = ctx.summary.bytes.toLocal + ctx.summary.bytes.toRemote;
  ctx.reporter.progress({ account: ctx.account, folder: ctx.folder, phase: 'done', messagesDone: plan.copies.length, messagesTotal: plan.copies.length, bytesDone: bytes, bytesTotal: bytes });
}

/** For --dry-run: the summary counts what the plan would do. */
function summarizePlan(ctx: FolderContext, plan: FolderPlan): void {
  const s = ctx.summary;
  s.outcome = 'planned';
  for (const c of plan.copies) s.copied[c.to === 'local' ? 'toLocal' : 'toRemote']++;
  for (const d of plan.deletes) s.deleted[d.side === 'local' ? 'toLocal' : 'toRemote']++;
  for (const u of plan.flagUpdates) {
    if (u.local) s.flagUpdates.toLocal++;
    if (u.remote) s.flagUpdates.toRemote++;
  }
  s.conflicts = plan.conflicts.length;
  if (ctx.state.intents.size > 0) s.notes.push(`${ctx.state.intents.size} interrupted copies will be checked first`);
  if ((['remote', 'local'] as const).some((side) => uidValidityChanged(ctx, side))) {
    s.notes.push('UIDVALIDITY changed: the real run re-pairs by identity first, so this plan is only a rough preview');
  }
}

/**
 * A side can be skipped without listing when it reports exactly what it reported at the end
 * of the last sync and can vouch for it (a HIGHESTMODSEQ, or a Maildir change token). One side
 * alone only in two-way mode, where both sides were left holding the merge-base flags.
 */
function sideUnchanged(ctx: FolderContext, side: Side): boolean {
  const before = ctx.state.status[side];
  const now = ctx.sessions[side].status;
  if (!before || ctx.state.intents.size > 0 || hasStrays(ctx, side)) return false;
  return statusVouches(before) && sameStatus(before, now);
}

/**
 * A side's messages and flags now. Unchanged sides (two-way mode) are taken from state; a side
 * that can report its changes since the last sync (CONDSTORE) costs only those changes; any
 * other side is listed in full. The first two rely on both sides having been left holding the
 * merge-base flags, which is only so in two-way mode.
 */
async function listSide(ctx: FolderContext, side: Side, unchanged: boolean, sizes: Map<string, number>): Promise<Map<string, readonly string[]>> {
  const twoWay = ctx.options.direction === 'both';
  const before = ctx.state.status[side];
  // No pair holds a stray copy, so only a full listing says whether it is still there.
  if (twoWay && (unchanged || before) && !hasStrays(ctx, side)) {
    const listing = new Map<string, readonly string[]>();
    for (const p of ctx.state.pairs.values()) {
      const id = p[side];
      if (id !== null) listing.set(id, p.flags);
    }
    if (unchanged) return listing;
    const delta = before && (await ctx.sessions[side].listChangedSince(before, new Set(listing.keys())));
    if (delta) {
      for (const id of delta.vanished) listing.delete(id);
      for (const m of delta.changed) {
        listing.set(m.id, m.flags);
        if (m.size !== undefined) sizes.set(m.id, m.size);
      }
      return listing;
    }
  }
  const messages = await ctx.sessions[side].list();
  for (const m of messages) if (m.size !== undefined) sizes.set(m.id, m.size);
  return new Map(messages.map((m) => [m.id, m.flags]));
}

/**
 * A compliant server gives every new message a UID at or above the UIDNEXT it reported before,
 * and never gives a UID to another message. A known UID now of another size, a message no pair
 * knows below the recorded UIDNEXT, or a UIDNEXT that went down, means the server renumbered
 * without saying so: state's UIDs for this side cannot be trusted.
 */
function uidsReused(ctx: FolderContext, side: Side, listing: Listing, sizes: Map<string, number>): boolean {
  const before = ctx.state.status[side];
  const now = ctx.sessions[side].status;
  if (!before || before.uidNext === null || now.uidNext === null) return false;
  if (now.uidNext < before.uidNext) return true;
  // A message's size never changes: a known UID with another size now holds another message.
  for (const p of ctx.state.pairs.values()) {
    const id = p[side];
    const size = id === null ? undefined : sizes.get(id);
    if (size !== undefined && size !== p.identity.size) return true;
  }
  // Without the flow from this side, messages only it has stay unpaired by design.
  if (!flows(ctx.options.direction, side)) return false;
  const paired = pairedIds(ctx.state, side);
  return [...listing.keys()].some((id) => !paired.has(id) && Number(id) < before.uidNext!);
}


function hasStrays(ctx: FolderContext, side: Side): boolean {
  return ctx.state.strays.some((s) => s.side === side);
}

/**
 * Stray copies (see StrayCopy) are our own, never the user's mail: taken out of the listing, so
 * nothing pairs, copies or plans them; applyDeletes removes them. One that is gone is done, and
 * so is one under an old UIDVALIDITY (its id names nothing now). A move under way stays in the
 * listing: detectMoves settles it.
 */
function setStraysAside(ctx: FolderContext, side: Side, listing: Map<string, readonly string[]>, record: boolean): void {
  for (const stray of ctx.state.strays.filter((s) => s.side === side)) {
    const gone = stray.uidValidity !== ctx.sessions[side].status.uidValidity || !listing.has(stray.id);
    if (gone && record) ctx.journal.append({ op: 'strayDone', side, id: stray.id });
    else if (!gone && stray.movingTo === null) listing.delete(stray.id);
  }
}

function uidValidityChanged(ctx: FolderContext, side: Side): boolean {
  const before = ctx.state.status[side];
  if (!before) return false;
  return before.uidValidity !== ctx.sessions[side].status.uidValidity && [...ctx.state.pairs.values()].some((p) => p[side] !== null);
}

