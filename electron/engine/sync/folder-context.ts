import type { FolderSummary } from '../../../shared/sync-summary.js';
import type { PlanOptions } from '../plan/folder-plan.js';
import type { FolderState, Side, StateRecord } from '../state/folder-state.js';
import type { FolderSession } from '../store/mail-store.js';
import type { SyncReporter } from './sync-reporter.js';

/** The journal as the sync steps use it: records are applied in memory at once, durable on sync(). */
export interface StateWriter {
  append(rec: StateRecord): void;
  sync(label: string): Promise<void>;
}

/** Everything one folder's sync pass works with. */
export interface FolderContext {
  account: string;
  folder: string;
  sessions: Record<Side, FolderSession>;
  state: FolderState;
  journal: StateWriter;
  options: PlanOptions & { allowMassDelete: boolean };
  summary: FolderSummary;
  reporter: SyncReporter;
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
