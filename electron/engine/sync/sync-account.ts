import { join } from 'node:path';
import { folderSelected, type AccountConfig } from '../../../shared/config.js';
import { emptyFolderSummary, type AccountSummary, type FolderSummary } from '../../../shared/sync-summary.js';
import { planFolders, type FolderDecision } from '../plan/plan-folders.js';
import type { Side } from '../state/folder-state.js';
import { AccountStateStore } from '../state/account-state-store.js';
import { acquireAccountLock } from '../state/account-lock.js';
import { QuietFolders } from '../state/quiet-folders.js';
import type { MailStore } from '../store/mail-store.js';
import { openAccountStores } from '../store/open-store.js';
import { checkMassDelete, FolderStoppedError, type PreparedFolder } from './sync-folder.js';
import type { SyncReporter } from './sync-reporter.js';
import { describeError, describeSystemError } from './describe-error.js';
import { isTransient, withRetry } from './retry.js';
import { detectMoves, executeMoves, type PlannedMove } from './detect-moves.js';
import { notDone } from './folder-context.js';
import { executePrepared, isQuiet, prepareDecision, syncFolderAlone, type AccountRun } from './folder-pass.js';
import { ConnectionLanes } from './connection-lanes.js';
import { detectFolderRenames, executeFolderRename } from './folder-renames.js';
import { unknownFolderError } from './unknown-folder.js';

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
 * One account's pass, in two phases so that moves between folders can be recognised:
 *  1. every folder is recovered, listed and planned (nothing changes on either side yet);
 *  2. messages gone from one folder and new in another on the same side are carried out as
 *     moves on the other side; then every folder's plan is carried out.
 * Plans are carried out several folders at once, one per connection (ConnectionLanes).
 * A failure in one folder is recorded and the others go on; only an account-wide failure
 * (locked, cannot connect, Maildir missing) stops the account.
 */
export async function syncAccount(account: AccountConfig, opts: SyncAccountOptions): Promise<AccountSummary> {
  const summary: AccountSummary = { account: account.name, error: null, folders: [] };
  const accountDir = join(opts.stateDir, account.name);
  let lock: { release(): Promise<void> } | null = null;
  let stores: Record<Side, MailStore> | null = null;
  let lanes: ConnectionLanes | null = null;
  const prepared: PreparedFolder[] = [];
  const retrying = (folder: string | null) => (err: unknown, ms: number) =>
    opts.reporter.note(account.name, folder, `${describeError(err)}; trying again in ${ms / 1000} s`);
  try {
    lock = await acquireAccountLock(accountDir, account.name).catch(stateDirFailure(opts.stateDir));
    const stateStore = await AccountStateStore.open(accountDir).catch(stateDirFailure(opts.stateDir));
    const warn = (msg: string) => opts.reporter.note(account.name, null, msg);
    const connect = opts.connect ?? ((a, w) => openAccountStores(a, opts.secretEnvNames, w, { stateDir: opts.stateDir }));
    stores = await withRetry(() => connect(account, warn), retrying(null));
    const run: AccountRun = { account, stores, stateStore, quiet: await QuietFolders.load(accountDir), opts, departures: false };
    let { decisions, missing } = await decideFolders(run, retrying(null));
    if (!opts.dryRun && (await renameFolders(run, decisions))) ({ decisions, missing } = await decideFolders(run, retrying(null)));
    const folders = decisions.map((decision) => ({ decision, folderSummary: emptyFolderSummary(decision.folder) }));
    const pool = (lanes = new ConnectionLanes(stores, account.connections, warn));

    const done = (s: FolderSummary) => opts.reporter.folderDone(account.name, s);
    // A folder asked for by name that is not there is reported like any failed folder.
    for (const m of missing) done(m);
    // Folders are listed one after another, in order, on the pass's own connection: a message
    // another client moves between folders meanwhile is then seen gone from one and new in the
    // other in a predictable order (a parallel listing could miss it in both and take the move
    // for a delete). Unchanged folders are skipped by what the folder listing reported.
    const prepareOne = async (decision: FolderDecision, folderSummary: FolderSummary) => {
      try {
        if (await isQuiet(run, decision)) {
          folderSummary.outcome = 'unchanged';
          done(folderSummary);
          return;
        }
        const p = await withRetry(() => prepareDecision(run, decision, folderSummary), retrying(decision.folder));
        if (p) prepared.push(p);
        else done(folderSummary);
      } catch (err) {
        fail(folderSummary, err);
        done(folderSummary);
      }
    };
    for (const { decision, folderSummary } of folders) await prepareOne(decision, folderSummary);
    // Some servers make every missing parent of a folder we create a real folder (Cyrus): they
    // are taken in by this pass, so the next one is not the pass that finds them.
    if (!opts.dryRun && folders.some((f) => f.decision.action === 'create' && f.decision.folder.includes('/'))) {
      const known = new Set(folders.map((f) => f.decision.folder));
      const made = (await decideFolders(run, retrying(null))).decisions.filter((d) => !known.has(d.folder));
      for (const decision of made) {
        const folderSummary = emptyFolderSummary(decision.folder);
        folders.push({ decision, folderSummary });
        await prepareOne(decision, folderSummary);
      }
    }

    await carryOutMoves(run, prepared);
    await pool.each(byTransfer(prepared), lanesFor(prepared), async (p, laneStores) => {
      const laneRun = { ...run, stores: laneStores };
      // Connections no folder needs can read a large folder's download alongside its own.
      p.ctx.lend = (n) => pool.lend(n);
      try {
        await checkMassDelete(p);
        await executePrepared(laneRun, p);
      } catch (err) {
        if (!isTransient(err)) fail(p.ctx.summary, err);
        else await retryAlone(laneRun, p, retrying(p.ctx.folder));
      } finally {
        await p.ctx.journal.close();
      }
      done(p.ctx.summary);
    });
    prepared.splice(0);
    summary.folders = [...missing, ...folders.map((f) => f.folderSummary)];
    // Only a hint for the next pass (see quiet-folders.ts): failing to keep it costs speed, not mail.
    if (!opts.dryRun) await run.quiet.save().catch((err: unknown) => warn(`could not save the no-change hints: ${describeError(err)}`));
  } catch (err) {
    summary.error = describeError(err);
  } finally {
    await Promise.allSettled(prepared.map((p) => p.ctx.journal.close()));
    await lanes?.close();
    // Stores a long-running host passed in stay open for its next pass.
    if (stores && !opts.connect) await Promise.allSettled([stores.remote.close(), stores.local.close()]);
    if (lock) await lock.release();
  }
  return summary;
}

/**
 * Carrying out plans is where transfers take time, so folders with many copies run in
 * parallel, one per connection, the largest first (the last to finish is then a small one).
 * Each folder's own steps stay in order. Plans of only flag changes and deletes are done in
 * a round trip or two: another login would cost more than it saves.
 */
const COPIES_WORTH_A_CONNECTION = 64;

function byTransfer(prepared: PreparedFolder[]): PreparedFolder[] {
  return [...prepared].sort((a, b) => b.plan.copies.length - a.plan.copies.length);
}

function lanesFor(prepared: PreparedFolder[]): number {
  return Math.max(1, prepared.filter((p) => p.plan.copies.length >= COPIES_WORTH_A_CONNECTION).length);
}

async function decideFolders(run: AccountRun, onRetry: (err: unknown, ms: number) => void): Promise<{ decisions: FolderDecision[]; missing: FolderSummary[] }> {
  const { account, stores, stateStore, opts } = run;
  const [remoteFolders, localFolders, known] = await withRetry(
    () => Promise.all([stores.remote.listFolders(), stores.local.listFolders(), stateStore.folders()]),
    onRetry,
  );
  const select = (names: string[]) => names.filter((n) => folderSelected(account.folders, n) && (opts.folders.length === 0 || opts.folders.includes(n)));
  const decisions = planFolders(select(remoteFolders.map((f) => f.name)), select(localFolders.map((f) => f.name)), select(known), account.direction);
  const existing = [...remoteFolders, ...localFolders].map((f) => f.name);
  const excluded = new Set(existing.filter((n) => !folderSelected(account.folders, n)));
  const missing = opts.folders
    .filter((wanted) => !decisions.some((d) => d.folder === wanted))
    .map((wanted): FolderSummary => ({ ...emptyFolderSummary(wanted), outcome: 'failed', error: unknownFolderError(wanted, existing, excluded) }));
  return { decisions, missing };
}

/** Carries out folder renames made on one side; true when any happened (the folder lists changed). */
async function renameFolders(run: AccountRun, decisions: FolderDecision[]): Promise<boolean> {
  const renames = await detectFolderRenames(decisions, run.stores, run.stateStore);
  for (const r of renames) {
    await executeFolderRename(r, run.stores, run.stateStore);
    run.opts.reporter.note(run.account.name, r.to, `folder "${r.from}" was renamed to "${r.to}" on the ${r.renamedOn} side; renamed on the other side too`);
  }
  return renames.length > 0;
}

/** Recognised moves are carried out before any folder's own plan; a failure only costs the optimisation. */
async function carryOutMoves(run: AccountRun, prepared: PreparedFolder[]): Promise<void> {
  if (prepared.length < 2) return;
  let moves: PlannedMove[] = [];
  try {
    moves = await detectMoves(run.stores, prepared);
    await executeMoves(run.stores, moves);
  } catch (err) {
    // The plans no longer hold the moved messages' copies or deletes: the next run sees the
    // true state of both folders and finishes the job. Nothing was deleted on the strength of it.
    const reason = `moving messages between folders failed (${describeError(err)})`;
    for (const p of prepared) p.ctx.summary.notes.push(`${reason}; the next run finishes it`);
    // A move not carried out leaves the message in its new folder on one side only: that folder
    // is incomplete (and the run says so) until the next run moves it. One still paired in its
    // old folder was not moved.
    for (const m of moves) if (m.key !== null && m.from.ctx.state.pairs.has(m.key)) notDone(m.to.ctx, 'copies', m.side, reason);
  }
}

async function retryAlone(run: AccountRun, p: PreparedFolder, onRetry: (err: unknown, ms: number) => void): Promise<void> {
  const s = p.ctx.summary;
  await p.ctx.journal.close();
  try {
    // The plan may be half done: plan again from what the journal recorded, never replay it.
    await withRetry(() => syncFolderAlone(run, p.ctx.folder, s), onRetry);
  } catch (err) {
    fail(s, err);
  }
}

/** A state directory that cannot be used, named as such with what to do (rejects with it). */
function stateDirFailure(stateDir: string): (err: unknown) => never {
  return (err) => {
    const words = describeSystemError(err, (who) => `${who} needs write access to it; fix its owner or mode, or set "stateDir" in the config to a directory it can write`);
    throw words ? new Error(`cannot use the state directory ${stateDir}: ${words}`) : err;
  };
}

function fail(s: FolderSummary, err: unknown): void {
  s.outcome = err instanceof FolderStoppedError ? 'stopped' : 'failed';
  s.error = describeError(err);
}
