import type { FolderSummary } from '../../../shared/sync-summary.js';
import type { PlanOptions } from '../plan/folder-plan.js';
import type { FolderState, Side } from '../state/folder-state.js';
import type { FolderJournal } from '../state/journal.js';
import type { FolderSession } from '../store/mail-store.js';
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

/** Ids on `side` that some pair (or tombstone) already accounts for. */
export function pairedIds(state: FolderState, side: Side): Set<string> {
  const ids = new Set<string>();
  for (const p of state.pairs.values()) {
    const id = side === 'remote' ? p.remote : p.local;
    if (id !== null) ids.add(id);
  }
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
export function notDone(ctx: FolderContext, what: 'copies' | 'deletes', to: Side, reason: string): void {
  const { pending } = ctx.summary;
  pending[what][eachWayKey(to)]++;
  if (!pending.reasons.includes(reason) && pending.reasons.length < MAX_REASONS) pending.reasons.push(reason);
}
