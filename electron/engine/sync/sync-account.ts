import { join } from 'node:path';
import { folderSelected, type AccountConfig } from '../../../shared/config.js';
import { emptyFolderSummary, type AccountSummary, type FolderSummary } from '../../../shared/sync-summary.js';
import { planFolders, type FolderDecision } from '../plan/plan-folders.js';
import { emptyFolderState, type Side } from '../state/folder-state.js';
import { AccountStateStore } from '../state/account-state-store.js';
import { acquireAccountLock } from '../state/account-lock.js';
import { FolderMissingError, type FolderSession, type MailStore } from '../store/mail-store.js';
import { openAccountStores } from '../store/open-store.js';
import type { FolderContext } from './folder-context.js';
import { syncFolder, FolderStoppedError } from './sync-folder.js';
import type { SyncReporter } from './sync-reporter.js';
import { describeError } from './describe-error.js';
import { withRetry } from './retry.js';

export interface SyncAccountOptions {
  stateDir: string;
  /** Only these folders (logical names); all selected folders when empty. */
  folders: string[];
  dryRun: boolean;
  allowMassDelete: boolean;
  reporter: SyncReporter;
  /** Names of every passwordEnv variable in the config, kept from passwordCommand children. */
  secretEnvNames: string[];
  /** How to connect both sides; a long-running host can pass stores it keeps open. */
  connect?: (account: AccountConfig, onWarning: (msg: string) => void) => Promise<Record<Side, MailStore>>;
}

/**
 * One account's pass: lock, connect both sides, decide per folder, sync each folder. A failure
 * in one folder is recorded and the next folder goes on; only an account-wide failure (locked,
 * cannot connect, Maildir missing) stops the account.
 */
export async function syncAccount(account: AccountConfig, opts: SyncAccountOptions): Promise<AccountSummary> {
  const summary: AccountSummary = { account: account.name, error: null, folders: [] };
  const accountDir = join(opts.stateDir, account.name);
  let lock: { release(): Promise<void> } | null = null;
  let stores: Record<Side, MailStore> | null = null;
  try {
    lock = await acquireAccountLock(accountDir, account.name);
    const stateStore = await AccountStateStore.open(accountDir);
    const warn = (msg: string) => opts.reporter.note(account.name, null, msg);
    const retrying = (folder: string | null) => (err: unknown, ms: number) =>
      opts.reporter.note(account.name, folder, `${describeError(err)}; trying again in ${ms / 1000} s`);
    stores = await withRetry(() => (opts.connect ?? ((a, w) => openAccountStores(a, opts.secretEnvNames, w)))(account, warn), retrying(null));
    const open = stores;
    const [remoteFolders, localFolders, known] = await withRetry(
      () => Promise.all([open.remote.listFolders(), open.local.listFolders(), stateStore.folders()]),
      retrying(null),
    );
    const select = (names: string[]) => names.filter((n) => folderSelected(account.folders, n) && (opts.folders.length === 0 || opts.folders.includes(n)));
    const decisions = planFolders(
      select(remoteFolders.map((f) => f.name)),
      select(localFolders.map((f) => f.name)),
      select(known),
      account.direction,
    );
    for (const wanted of opts.folders) {
      if (!decisions.some((d) => d.folder === wanted)) {
        summary.folders.push({ ...emptyFolderSummary(wanted), outcome: 'failed', error: `no folder "${wanted}" on either side (or it is excluded by the account's folder filter)` });
      }
    }
    for (const decision of decisions) {
      const folderSummary = emptyFolderSummary(decision.folder);
      try {
        await withRetry(() => handleFolder({ account, stores: open, stateStore, opts }, decision, folderSummary), retrying(decision.folder));
      } catch (err) {
        folderSummary.outcome = err instanceof FolderStoppedError ? 'stopped' : 'failed';
        folderSummary.error = describeError(err);
      }
      summary.folders.push(folderSummary);
      opts.reporter.folderDone(account.name, folderSummary);
    }
  } catch (err) {
    summary.error = describeError(err);
  } finally {
    if (stores) await Promise.allSettled([stores.remote.close(), stores.local.close()]);
    if (lock) await lock.release();
  }
  return summary;
}

/** What every folder of one account's pass works with. */
interface AccountRun {
  account: AccountConfig;
  stores: Record<Side, MailStore>;
  stateStore: AccountStateStore;
  opts: SyncAccountOptions;
}

async function handleFolder(run: AccountRun, decision: FolderDecision, summary: FolderSummary): Promise<void> {
  const { stores, stateStore, opts } = run;
  const { folder } = decision;
  switch (decision.action) {
    case 'skip':
      summary.outcome = 'unchanged';
      summary.notes.push(`not synced: ${decision.reason}`);
      return;
    case 'forget':
      if (!opts.dryRun) await stateStore.deleteFolderState(folder);
      summary.notes.push('gone from both sides; forgotten');
      return;
    case 'deleted':
      return handleDeletedFolder(run, decision.deletedOn, folder, summary);
    case 'create':
      if (opts.dryRun) {
        summary.outcome = 'planned';
        summary.notes.push(`would create the folder on the ${decision.on} side`);
        return;
      }
      await stores[decision.on].createFolder(folder);
      summary.notes.push(`created on the ${decision.on} side`);
      return syncPair(run, folder, summary);
    case 'sync':
      return syncPair(run, folder, summary);
  }
}

/**
 * A folder that existed at the last sync is gone from one side. Deleting the other copy is
 * only safe when it holds nothing: a folder with messages is kept and reported, so a vanished
 * directory or a mistaken folder delete never destroys mail.
 */
async function handleDeletedFolder(run: AccountRun, deletedOn: Side, folder: string, summary: FolderSummary): Promise<void> {
  const { account, stores, stateStore, opts } = run;
  const survivor: Side = deletedOn === 'remote' ? 'local' : 'remote';
  const session = await stores[survivor].openFolder(folder);
  const ids = (await session.list()).map((m) => m.id);
  const loaded = await stateStore.loadFolder(folder);
  const conflict = loaded.ok ? loaded.state.conflicts.find((c) => c.kind === 'folder-deleted-not-empty') : undefined;
  const deletesFlow = account.propagateDeletes && account.direction !== (deletedOn === 'local' ? 'pull' : 'push');
  const deleteAll = (ids.length === 0 && deletesFlow) || conflict?.settled === 'delete-both';
  try {
    if (deleteAll && !opts.dryRun && ids.length > 0) await session.delete(ids);
  } finally {
    await session.close();
  }
  if (deleteAll) {
    if (!opts.dryRun) {
      await stores[survivor].deleteFolder(folder);
      await stateStore.deleteFolderState(folder);
    }
    summary.deleted[survivor === 'local' ? 'toLocal' : 'toRemote'] += ids.length;
    summary.notes.push(`deleted on the ${deletedOn} side; the ${survivor} copy was ${opts.dryRun ? 'to be ' : ''}removed too`);
    return;
  }
  if (conflict?.settled === 'keep-both') {
    if (opts.dryRun) return void summary.notes.push(`would recreate the folder on the ${deletedOn} side`);
    // Start the folder afresh: the old pairs would read the empty new folder as "all deleted".
    await stateStore.deleteFolderState(folder);
    await stores[deletedOn].createFolder(folder);
    summary.notes.push(`recreated on the ${deletedOn} side as you chose`);
    return syncPair(run, folder, summary);
  }
  const message =
    `the folder was deleted on the ${deletedOn} side but the ${survivor} side still holds ${ids.length} message(s), so it was kept. ` +
    `Settle it in the app, move the messages elsewhere, or recreate the folder on the ${deletedOn} side to sync it again`;
  if (!conflict && loaded.ok && !opts.dryRun) {
    const journal = stateStore.openJournal(folder, loaded.state, loaded.seq);
    journal.append({
      op: 'conflict',
      conflict: { id: `folder-deleted-not-empty:${folder}`, kind: 'folder-deleted-not-empty', folder, detail: message, pairKey: null, at: Date.now() },
    });
    await journal.close();
  }
  summary.outcome = 'stopped';
  summary.conflicts++;
  summary.error = message;
}

async function syncPair(run: AccountRun, folder: string, summary: FolderSummary): Promise<void> {
  const { account, stores, stateStore, opts } = run;
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
  const sessions: Partial<Record<Side, FolderSession>> = {};
  const journal = stateStore.openJournal(folder, state, loaded.ok ? loaded.seq : 0);
  try {
    sessions.remote = await openOrExplain(stores.remote, folder, 'remote');
    sessions.local = await openOrExplain(stores.local, folder, 'local');
    const ctx: FolderContext = {
      account: account.name,
      folder,
      sessions: sessions as Record<Side, FolderSession>,
      state,
      journal,
      options: { direction: account.direction, propagateDeletes: account.propagateDeletes, allowMassDelete: opts.allowMassDelete },
      summary,
      reporter: opts.reporter,
    };
    await syncFolder(ctx, opts.dryRun);
    if (!opts.dryRun && summary.outcome === 'synced') await journal.compact();
  } finally {
    // A dead connection must not hide the error that killed it behind a failed close.
    await Promise.allSettled(Object.values(sessions).map((s) => s.close()));
    await journal.close();
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
