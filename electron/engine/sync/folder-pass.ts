import type { AccountConfig } from '../../../shared/config.js';
import { durableStep } from '../fault-hook.js';
import { describePendingWork, type FolderSummary } from '../../../shared/sync-summary.js';
import type { FolderDecision } from '../plan/plan-folders.js';
import type { AccountStateStore } from '../state/account-state-store.js';
import type { QuietFolders } from '../state/quiet-folders.js';
import { emptyFolderState, type Side } from '../state/folder-state.js';
import { FolderMissingError, type FolderSession, type MailStore } from '../store/mail-store.js';
import { deletesKept, eachWayKey, pairedIds, type FolderContext } from './folder-context.js';
import { folderDeletedSides } from '../conflicts/describe-sides.js';
import { checkMassDelete, executeFolder, prepareFolder, type PreparedFolder } from './sync-folder.js';
import { hasDepartures, identifyArrivals } from './detect-moves.js';
import type { SyncAccountOptions } from './sync-account.js';

/** What every folder of one account's pass works with. */
export interface AccountRun {
  account: AccountConfig;
  stores: Record<Side, MailStore>;
  stateStore: AccountStateStore;
  quiet: QuietFolders;
  opts: SyncAccountOptions;
  /** Set once a folder of this pass lets messages go: from then on arrivals are identified while listing. */
  departures: boolean;
}

/**
 * First phase for one folder decision. Folders that need no planning (skipped, forgotten,
 * deleted on one side) are finished here; a folder to sync comes back prepared, with its
 * journal open, or null when it did not change.
 */
export async function prepareDecision(run: AccountRun, decision: FolderDecision, summary: FolderSummary): Promise<PreparedFolder | null> {
  const { stores, stateStore, opts } = run;
  const { folder } = decision;
  switch (decision.action) {
    case 'skip':
      summary.outcome = 'unchanged';
      summary.notes.push(`not synced: ${decision.reason}`);
      return null;
    case 'forget':
      run.quiet.forget(folder);
      if (!opts.dryRun) await stateStore.deleteFolderState(folder);
      summary.notes.push('gone from both sides; forgotten');
      return null;
    case 'deleted':
      run.quiet.forget(folder);
      return handleDeletedFolder(run, decision.deletedOn, folder, summary);
    case 'create':
      if (opts.dryRun) {
        summary.outcome = 'planned';
        summary.notes.push(`would create the folder on the ${decision.on} side`);
        return null;
      }
      await stores[decision.on].createFolder(folder);
      summary.notes.push(`created on the ${decision.on} side`);
      return prepareSync(run, folder, summary, true);
    case 'sync':
      return prepareSync(run, folder, summary, true);
  }
}

/**
 * A folder to sync that neither side changed since the last pass, told by what the sides
 * reported without opening it (see quiet-folders.ts). Asked of the pass's first connection,
 * the one whose folder listing holds the statuses.
 */
export async function isQuiet(run: AccountRun, decision: FolderDecision): Promise<boolean> {
  return decision.action === 'sync' && run.quiet.unchanged(decision.folder, run.stores, run.stateStore.stateFiles(decision.folder));
}

/** Second phase: carries out a prepared folder's plan and compacts its state. */
export async function executePrepared(run: AccountRun, p: PreparedFolder): Promise<void> {
  const { ctx } = p;
  await withSessions(run, ctx, () => executeFolder(p));
  if (ctx.summary.outcome !== 'synced' && ctx.summary.outcome !== 'incomplete') return;
  await ctx.journal.compactWhenLong();
  await ctx.journal.close();
  // A folder with work left undone is never skipped as quiet: every pass retries it.
  if (ctx.summary.outcome === 'incomplete') run.quiet.forget(ctx.folder);
  else await run.quiet.remember(ctx.folder, ctx.state, run.stateStore.stateFiles(ctx.folder));
}

/** Both phases for one folder on its own (a retry after a dropped connection). */
export async function syncFolderAlone(run: AccountRun, folder: string, summary: FolderSummary): Promise<void> {
  const p = await prepareSync(run, folder, summary);
  if (!p) return;
  try {
    await checkMassDelete(p);
    await executePrepared(run, p);
  } finally {
    await p.ctx.journal.close();
  }
}

/** `forMoves`: prepared in the first phase of a pass, for detectMoves; not when synced alone. */
async function prepareSync(run: AccountRun, folder: string, summary: FolderSummary, forMoves = false): Promise<PreparedFolder | null> {
  const { account, stateStore, opts } = run;
  const loaded = await stateStore.loadFolder(folder);
  let state = loaded.ok ? loaded.state : emptyFolderState(folder);
  if (loaded.ok) {
    summary.notes.push(...loaded.notes);
  } else {
    // Damaged state is never read as "no messages" (that would delete mail): set it aside and
    // re-pair the folder by identity, which copies only what is truly missing and deletes nothing.
    summary.notes.push(`state for this folder was damaged (${loaded.reason}); it was set aside and the folder re-paired by message identity`);
    if (!opts.dryRun) await stateStore.quarantine(folder);
    state = emptyFolderState(folder);
  }
  const ctx: FolderContext = {
    account: account.name,
    folder,
    sessions: {} as Record<Side, FolderSession>,
    state,
    journal: stateStore.openJournal(folder, state, loaded.ok ? loaded.seq : 0),
    options: { direction: account.direction, propagateDeletes: account.propagateDeletes, allowMassDelete: opts.allowMassDelete },
    summary,
    reporter: opts.reporter,
  };
  try {
    const prepared = await withSessions(run, ctx, async () => {
      const p = await prepareFolder(ctx, opts.dryRun);
      if (p && forMoves && !opts.dryRun) {
        run.departures ||= hasDepartures(p);
        if (run.departures) await identifyArrivals(p);
      }
      return p;
    });
    if (!prepared || opts.dryRun) await ctx.journal.close();
    if (!prepared && !opts.dryRun && summary.outcome === 'unchanged') await run.quiet.remember(folder, ctx.state, stateStore.stateFiles(folder));
    return opts.dryRun ? null : prepared;
  } catch (err) {
    await ctx.journal.close();
    throw err;
  }
}

/** Opens both sides of the folder for `work`; only one folder is open per store at a time. */
async function withSessions<T>(run: AccountRun, ctx: FolderContext, work: () => Promise<T>): Promise<T> {
  const opened: FolderSession[] = [];
  try {
    for (const side of ['remote', 'local'] as const) {
      ctx.sessions[side] = await openOrExplain(run.stores[side], ctx.folder, side);
      opened.push(ctx.sessions[side]);
    }
    return await work();
  } finally {
    // A dead connection must not hide the error that killed it behind a failed close.
    await Promise.allSettled(opened.map((s) => s.close()));
  }
}

async function openOrExplain(store: MailStore, folder: string, side: Side): Promise<FolderSession> {
  try {
    return await store.openFolder(folder);
  } catch (err) {
    if (err instanceof FolderMissingError) throw new Error(`the folder vanished from the ${side} side during the sync; it will be looked at again next run`);
    throw err;
  }
}

/**
 * A folder that existed at the last sync is gone from one side. Deleting the other copy is
 * only safe when it holds nothing: a folder with messages is kept and reported, so a vanished
 * directory or a mistaken folder delete never destroys mail.
 */
async function handleDeletedFolder(run: AccountRun, deletedOn: Side, folder: string, summary: FolderSummary): Promise<PreparedFolder | null> {
  const { account, stores, stateStore, opts } = run;
  const survivor: Side = deletedOn === 'remote' ? 'local' : 'remote';
  const session = await stores[survivor].openFolder(folder);
  const ids = (await session.list()).map((m) => m.id);
  const loaded = await stateStore.loadFolder(folder);
  const conflict = loaded.ok ? loaded.state.conflicts.find((c) => c.kind === 'folder-deleted-not-empty') : undefined;
  const deletesFlow = account.propagateDeletes && account.direction !== (deletedOn === 'local' ? 'pull' : 'push');
  const deleteAll = (ids.length === 0 && deletesFlow) || conflict?.settled === 'delete-both';
  let kept: string[] = [];
  try {
    if (deleteAll && !opts.dryRun && ids.length > 0) kept = await session.delete(ids);
  } finally {
    await session.close();
  }
  if (deleteAll && kept.length > 0) {
    // Messages the server could not expunge (no UIDPLUS, another client's \Deleted there): the
    // folder and its state stay, with the settled choice, and the next pass deletes again.
    summary.deleted[eachWayKey(survivor)] += ids.length - kept.length;
    deletesKept({ summary }, survivor, kept.length);
    summary.outcome = 'incomplete';
    summary.error = describePendingWork(summary.pending, { local: 'the local side', remote: 'the server' });
    if (loaded.ok) {
      const journal = stateStore.openJournal(folder, loaded.state, loaded.seq);
      journal.append({ op: 'pending', pending: summary.pending });
      await journal.close();
    }
    return null;
  }
  if (deleteAll) {
    if (!opts.dryRun) {
      await stores[survivor].deleteFolder(folder);
      durableStep('folder deleted');
      await stateStore.deleteFolderState(folder);
      durableStep('folder state dropped');
    }
    summary.deleted[survivor === 'local' ? 'toLocal' : 'toRemote'] += ids.length;
    summary.notes.push(`deleted on the ${deletedOn} side; the ${survivor} copy was ${opts.dryRun ? 'to be ' : ''}removed too`);
    return null;
  }
  if (conflict?.settled === 'keep-both') {
    if (opts.dryRun) {
      summary.notes.push(`would recreate the folder on the ${deletedOn} side`);
      return null;
    }
    // Start the folder afresh: the old pairs would read the empty new folder as "all deleted".
    await stateStore.deleteFolderState(folder);
    await stores[deletedOn].createFolder(folder);
    summary.notes.push(`recreated on the ${deletedOn} side as you chose`);
    return prepareSync(run, folder, summary, true);
  }
  const message =
    `the folder was deleted on the ${deletedOn} side but the ${survivor} side still holds ${ids.length} message(s), so it was kept. ` +
    `Settle it in the app, move the messages elsewhere, or recreate the folder on the ${deletedOn} side to sync it again`;
  if (!conflict && loaded.ok && !opts.dryRun) {
    const journal = stateStore.openJournal(folder, loaded.state, loaded.seq);
    // Messages no pair knows arrived after the last sync: the other side never had them.
    const paired = pairedIds(loaded.state, survivor);
    const sides = folderDeletedSides(folder, deletedOn, ids.length, ids.filter((id) => !paired.has(id)).length);
    journal.append({
      op: 'conflict',
      conflict: { id: `folder-deleted-not-empty:${folder}`, kind: 'folder-deleted-not-empty', folder, detail: message, sides, pairKey: null, at: Date.now() },
    });
    await journal.close();
  }
  summary.outcome = 'stopped';
  summary.conflicts++;
  summary.error = message;
  return null;
}
