import type { ConflictMessage, ConflictSide, ConflictSides } from '../../../shared/conflict-sides.js';
import { otherSide, type Side } from '../state/folder-state.js';
import type { FolderSession, MessageHeaders } from '../store/mail-store.js';

/**
 * The per-side account of each conflict kind (shared/conflict-sides.ts), built where the
 * engine records the conflict from what it already knows, plus a message's Subject, From and
 * Date read from its header fields.
 */

const UNKNOWN: MessageHeaders = { subject: null, from: null, date: null };

/** Headers are for display only: a message that vanished or cannot be read must not fail the pass. */
export async function headersOf(session: FolderSession, id: string): Promise<MessageHeaders> {
  try {
    return (await session.headers([id])).get(id) ?? UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

export interface MessageFacts {
  headers: MessageHeaders;
  /** The identity's size: the same on both sides. */
  size: number;
}

/** Deleted on `deletedOn`, flags changed on the other side since the last sync. */
export function deleteVsChangeSides(folder: string, deletedOn: Side, facts: MessageFacts, flags: { before: readonly string[]; now: readonly string[] }): ConflictSides {
  const deleted: ConflictSide = { change: 'deleted', folder, message: message(facts, flags.before, false) };
  const changed: ConflictSide = { change: 'flags-changed', folder, message: message(facts, flags.now, true) };
  return bySide(deletedOn, deleted, changed);
}

/** Each side moved the message out of `previousFolder`, into different folders. */
export function movedApartSides(previousFolder: string, folders: Record<Side, string>, facts: MessageFacts, flags: Record<Side, readonly string[]>): ConflictSides {
  const side = (s: Side): ConflictSide => ({ change: 'moved', folder: folders[s], previousFolder, message: message(facts, flags[s], true) });
  return { remote: side('remote'), local: side('local') };
}

/** The folder is gone from `deletedOn`; the other side still holds `messages`, `unsynced` of them new since the last sync. */
export function folderDeletedSides(folder: string, deletedOn: Side, messages: number, unsynced: number): ConflictSides {
  return bySide(deletedOn, { change: 'folder-deleted', folder }, { change: 'folder-kept', folder, messages, unsynced });
}

/** The safety check stopped `deletions` on `stoppedOn`: that many messages disappeared from the other side. */
export function massDeleteSides(folder: string, stoppedOn: Side, deletions: number, messages: Record<Side, number>): ConflictSides {
  const removedOn = otherSide(stoppedOn);
  const stopped: ConflictSide = { change: 'deletions-stopped', folder, messages: messages[stoppedOn], deletionsStopped: deletions };
  const removed: ConflictSide = { change: 'messages-removed', folder, messages: messages[removedOn], removed: deletions };
  return bySide(stoppedOn, stopped, removed);
}

function message(facts: MessageFacts, flags: readonly string[], present: boolean): ConflictMessage {
  return { ...facts.headers, flags: [...flags], size: facts.size, present };
}

function bySide(side: Side, mine: ConflictSide, theirs: ConflictSide): ConflictSides {
  return side === 'remote' ? { remote: mine, local: theirs } : { remote: theirs, local: mine };
}
