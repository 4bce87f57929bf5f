import type { FolderSummary } from '../../../shared/sync-summary.js';
import type { PlanOptions } from '../plan/folder-plan.js';
import type { FolderState, Side } from '../state/folder-state.js';
import type { FolderJournal } from '../state/journal.js';
import { KEPT_DELETES_REASON, type FolderSession } from '../store/mail-store.js';
import type { SyncReporter } from './sync-reporter.js';
import type { LentConnections } from './connection-lanes.js';

/** Everything one folder's sync pass works with. */
export interface FolderContext {
  account: string;
  folder: string;
  sessions: Record<Side, FolderSession>;
  state: FolderState;
  /** Records are applied to `state` at once and durable when sync() returns. */
  journal: FolderJournal;
  options: PlanOptions & { allowMassDelete: boolean };
  summary: FolderSummary;
  reporter: SyncReporter;
  /** Connections the pass is not using right now, for reading a large folder in parallel. */
  lend?: (n: number) => Promise<LentConnections>;
}

/**
 * Ids on `side` that state already accounts for: a pair's (or tombstone's), or a stray copy's
 * (one the engine is removing, or moving): never new mail, never to be paired or recovered.
 */
export function pairedIds(state: FolderState, side: Side): Set<string> {
  const ids = new Set<string>();
  for (const p of state.pairs.values()) {
    const id = side === 'remote' ? p.remote : p.local;
    if (id !== null) ids.add(id);
  }
  for (const s of state.strays) if (s.side === side) ids.add(s.id);
  return ids;
}

export function eachWayKey(to: Side): 'toLocal' | 'toRemote' {
  return to === 'local' ? 'toLocal' : 'toRemote';
}

/** Distinct reasons kept per folder: enough to act on, never a flood. */
const MAX_REASONS = 3;

/**
 * Work this pass could not do (see PendingWork): `to` is the side a copy was meant for, or
 * the side a deletion was meant for (which still holds the message). The folder ends 'incomplete' and is retried.
 */
export function notDone(ctx: Pick<FolderContext, 'summary'>, what: 'copies' | 'deletes', to: Side, reason: string, count = 1): void {
  const { pending } = ctx.summary;
  pending[what][eachWayKey(to)] += count;
  if (!pending.reasons.includes(reason) && pending.reasons.length < MAX_REASONS) pending.reasons.push(reason);
}

/**
 * Deletions a side could not carry out (FolderSession.delete returned them): counted as work
 * not done, and said once per folder, by name, with the reason.
 */
export function deletesKept(ctx: Pick<FolderContext, 'summary'>, side: Side, count: number): void {
  if (count === 0) return;
  notDone(ctx, 'deletes', side, KEPT_DELETES_REASON, count);
  const { notes, folder } = ctx.summary;
  if (notes.some((n) => n.startsWith(KEPT_NOTE))) return;
  const where = side === 'remote' ? 'the server' : 'the local side';
  notes.push(
    `${KEPT_NOTE} "${folder}" on ${where}: ${KEPT_DELETES_REASON}. ${count} message${count === 1 ? '' : 's'} to delete stay marked \\Deleted there, ` +
      `and every sync tries again: they are expunged once no other message in the folder is marked \\Deleted (that client expunged its own, or took the mark back)`,
  );
}

const KEPT_NOTE = 'deletions not carried out in folder';
