import type { ConflictChoice, ConflictKind } from '../../../shared/conflicts.js';
import type { ConflictSides } from '../../../shared/conflict-sides.js';
import type { FullIdentity, MessageIdentity } from '../../../shared/identity.js';
import type { PendingWork } from '../../../shared/sync-summary.js';
import type { AppendTicket, FolderStatus } from '../store/mail-store.js';

/** The two sides of every folder pair. `remote` is the account's server; `local` the replica. */
export type Side = 'remote' | 'local';
export function otherSide(side: Side): Side {
  return side === 'remote' ? 'local' : 'remote';
}

/**
 * One message known to both sides at the last sync.
 *
 * Invariant: `remote`/`local` ids were valid under the UIDVALIDITY recorded in the folder's
 * `status` for that side. A null id is a tombstone: the message was deleted on that side and
 * the deletion was deliberately not propagated (pull/push direction, propagateDeletes=false),
 * so the other copy must not be copied back.
 */
export interface Pair {
  key: number;
  remote: string | null;
  local: string | null;
  /** Flags and keywords both sides agreed on at the last sync (the merge base). */
  flags: string[];
  identity: MessageIdentity | FullIdentity;
}

/**
 * A create (copy to one side) journaled before it is attempted. Until `intentDone` is
 * journaled, a restart must find out whether the create happened (`recoverAppend`) before
 * doing anything else with the folder.
 */
export interface CreateIntent {
  id: number;
  /** The side the message is being created on. */
  target: Side;
  ticket: AppendTicket;
  /** The source message's id on the other side. */
  sourceId: string;
  /**
   * Known before the create when the message is buffered (IMAP targets, whose recovery
   * searches by identity); null for Maildir targets, recovered by their unique file name.
   */
  identity: FullIdentity | null;
  flags: string[];
  /** When set, the new copy completes this existing pair (a restore) instead of a new pair. */
  pairKey: number | null;
}

/**
 * A create that was re-sent after a crash because no copy was found. An IMAP server may still
 * store the copy the dead process had sent, later; an unpaired message with this identity on
 * that side is then our own duplicate and is removed. (The re-sent copy is paired at once, so
 * it is never mistaken for the ghost.)
 */
export interface GhostWatch {
  side: Side;
  identity: FullIdentity;
  /** UIDs at or above this (under `uidValidity`) may be the ghost. */
  uidValidity: string;
  fromUid: number;
  createdAt: number;
}

/**
 * A copy of a message on `side` that the engine made or left there itself and is removing: a
 * moved message's source copy a server without UIDPLUS could not expunge alone, one of our own
 * duplicate uploads. No pair holds it; each pass keeps it out of the listing (it is never copied,
 * paired or planned) and deletes it with the folder's other deletions, until it is gone.
 * With `movingTo` set it marks a move under way instead (journaled before the move is made): the
 * message is then the pair's own or an arrival as usual, and the next pass, if the move was cut
 * short, finds out whether its copy reached that folder (detect-moves.ts).
 */
export interface StrayCopy {
  side: Side;
  id: string;
  /** The side's UIDVALIDITY the id was taken under: under another it names nothing. */
  uidValidity: string;
  movingTo: string | null;
}

export type { ConflictKind } from '../../../shared/conflicts.js';

export interface Conflict {
  id: string;
  kind: ConflictKind;
  folder: string;
  /** Human-readable account of what happened on each side and what the engine did. */
  detail: string;
  /** What happened on each side; absent in conflicts recorded before it was kept. */
  sides?: ConflictSides;
  pairKey: number | null;
  at: number;
  /** The user's choice, applied by the folder's next pass (which then drops the conflict). */
  settled?: ConflictChoice;
}

export interface FolderState {
  folder: string;
  /** What each side reported at the end of the last complete sync; null before the first. */
  status: Record<Side, FolderStatus | null>;
  pairs: Map<number, Pair>;
  nextKey: number;
  intents: Map<number, CreateIntent>;
  nextIntent: number;
  ghosts: GhostWatch[];
  /** Our own copies being removed, and moves under way (see StrayCopy). */
  strays: StrayCopy[];
  conflicts: Conflict[];
  /** What the last pass could not carry out (mail on one side only); null when nothing is left. */
  pending: PendingWork | null;
  lastSync: number | null;
}

/**
 * Journal records. Each is applied to a FolderState by `applyRecord`; replaying the journal
 * over the last snapshot yields the state as of the last durable record.
 */
export type StateRecord =
  | { op: 'status'; side: Side; status: FolderStatus | null }
  | { op: 'pair'; pair: Pair }
  | { op: 'unpair'; key: number }
  | { op: 'flags'; key: number; flags: string[] }
  | { op: 'intent'; intent: CreateIntent }
  | { op: 'intentDone'; id: number }
  | { op: 'ghost'; ghost: GhostWatch }
  | { op: 'ghostDone'; side: Side; sha256: string }
  /** Adds a stray, or replaces the one with the same side and id. */
  | { op: 'stray'; stray: StrayCopy }
  | { op: 'strayDone'; side: Side; id: string }
  | { op: 'conflict'; conflict: Conflict }
  | { op: 'conflictDone'; id: string }
  | { op: 'settle'; id: string; choice: ConflictChoice }
  | { op: 'pending'; pending: PendingWork | null }
  | { op: 'synced'; at: number };

export function emptyFolderState(folder: string): FolderState {
  return {
    folder,
    status: { remote: null, local: null },
    pairs: new Map(),
    nextKey: 1,
    intents: new Map(),
    nextIntent: 1,
    ghosts: [],
    strays: [],
    conflicts: [],
    pending: null,
    lastSync: null,
  };
}

export function applyRecord(state: FolderState, rec: StateRecord): void {
  switch (rec.op) {
    case 'status':
      state.status[rec.side] = rec.status;
      return;
    case 'pair':
      state.pairs.set(rec.pair.key, rec.pair);
      state.nextKey = Math.max(state.nextKey, rec.pair.key + 1);
      return;
    case 'unpair':
      state.pairs.delete(rec.key);
      return;
    case 'flags': {
      const p = state.pairs.get(rec.key);
      if (p) p.flags = rec.flags;
      return;
    }
    case 'intent':
      state.intents.set(rec.intent.id, rec.intent);
      state.nextIntent = Math.max(state.nextIntent, rec.intent.id + 1);
      return;
    case 'intentDone':
      state.intents.delete(rec.id);
      return;
    case 'ghost':
      state.ghosts.push(rec.ghost);
      return;
    case 'ghostDone':
      state.ghosts = state.ghosts.filter((g) => !(g.side === rec.side && g.identity.sha256 === rec.sha256));
      return;
    case 'stray':
      state.strays = state.strays.filter((x) => !(x.side === rec.stray.side && x.id === rec.stray.id)).concat(rec.stray);
      return;
    case 'strayDone':
      state.strays = state.strays.filter((x) => !(x.side === rec.side && x.id === rec.id));
      return;
    case 'conflict':
      state.conflicts = state.conflicts.filter((c) => c.id !== rec.conflict.id).concat(rec.conflict);
      return;
    case 'conflictDone':
      state.conflicts = state.conflicts.filter((c) => c.id !== rec.id);
      return;
    case 'settle':
      state.conflicts = state.conflicts.map((c) => (c.id === rec.id ? { ...c, settled: rec.choice } : c));
      return;
    case 'pending':
      state.pending = rec.pending;
      return;
    case 'synced':
      state.lastSync = rec.at;
      return;
  }
}
