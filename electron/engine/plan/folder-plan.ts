import type { Direction } from '../../../shared/config.js';
import type { Side } from '../state/folder-state.js';

/** What the planner decided for one folder. The executor carries it out in this order. */
export interface FolderPlan {
  /** Messages to create on `to`, read from the other side by `sourceId`. */
  copies: CopyAction[];
  /** Per pair: new flags for each side that differs, and the new merge base. */
  flagUpdates: FlagUpdate[];
  deletes: DeleteAction[];
  /** Pairs whose message is gone from both sides: just forgotten. */
  forget: number[];
  /** Pairs whose message was deleted on `side` and must not be deleted on the other (kept as tombstones). */
  tombstones: { key: number; side: Side }[];
  conflicts: PlannedConflict[];
}

export interface CopyAction {
  to: Side;
  sourceId: string;
  flags: string[];
  /** Set for a restore: the copy re-completes this pair instead of starting a new one. */
  pairKey: number | null;
}

export interface FlagUpdate {
  key: number;
  /** New flags for each side whose flags must change (absent: that side already has them). */
  remote: { id: string; from: string[]; to: string[] } | null;
  local: { id: string; from: string[]; to: string[] } | null;
  base: string[];
}

export interface DeleteAction {
  side: Side;
  id: string;
  key: number;
}

export interface PlannedConflict {
  kind: 'delete-vs-change';
  key: number;
  /** The side that deleted the message. */
  deletedOn: Side;
  /** What the engine does about it. */
  resolution: 'restored' | 'kept-one-side';
}

export interface PlanOptions {
  direction: Direction;
  propagateDeletes: boolean;
}

export function emptyPlan(): FolderPlan {
  return { copies: [], flagUpdates: [], deletes: [], forget: [], tombstones: [], conflicts: [] };
}

/** Whether changes made on `from` may be written to the other side under `direction`. */
export function flows(direction: Direction, from: Side): boolean {
  return direction === 'both' || (direction === 'pull' ? from === 'remote' : from === 'local');
}
