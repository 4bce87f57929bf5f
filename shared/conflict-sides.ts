import { z } from 'zod';

/**
 * What happened on each side of a recorded conflict, so the user can judge it without opening
 * a mail program. The engine stores it with the conflict (state files) and the app shows it;
 * both validate it with these schemas. Conflicts recorded before this existed have none.
 */

const count = z.int().nonnegative();

/** What one side did since the last sync, as far as the conflict is concerned. */
export const SideChangeSchema = z.enum([
  /** The message was deleted here. */
  'deleted',
  /** The message's flags changed here. */
  'flags-changed',
  /** The message was moved here, into `folder`. */
  'moved',
  /** The folder was deleted here. */
  'folder-deleted',
  /** The folder is still here, with mail in it. */
  'folder-kept',
  /** Messages disappeared here (see `removed`). */
  'messages-removed',
  /** The safety check stopped deleting messages here (see `deletionsStopped`). */
  'deletions-stopped',
]);

/** One message as this side holds it, or held it at the last sync when it is gone from here. */
export const ConflictMessageSchema = z.strictObject({
  /** Decoded Subject, From and Date headers; null when the message has none or could not be read. */
  subject: z.string().nullable(),
  from: z.string().nullable(),
  /** The Date header as an ISO time. */
  date: z.string().nullable(),
  flags: z.array(z.string()),
  /** Bytes, counted with CRLF line ends (as IMAP does). */
  size: count,
  /** False when the message is gone from this side: `flags` are the ones it had at the last sync. */
  present: z.boolean(),
});

export const ConflictSideSchema = z.strictObject({
  change: SideChangeSchema,
  /** The folder on this side the conflict is about (for a move: where this side put the message). */
  folder: z.string(),
  /** Moves: the folder the message was in before. */
  previousFolder: z.string().optional(),
  /** Message conflicts. */
  message: ConflictMessageSchema.optional(),
  /** Folder conflicts: messages the folder holds on this side now. */
  messages: count.optional(),
  /** Of those, how many never reached the other side. */
  unsynced: count.optional(),
  /** Messages that disappeared from this side since the last sync. */
  removed: count.optional(),
  /** Deletions on this side that the mass-delete safety check stopped. */
  deletionsStopped: count.optional(),
});

export const ConflictSidesSchema = z.strictObject({
  remote: ConflictSideSchema,
  local: ConflictSideSchema,
});

export type SideChange = z.output<typeof SideChangeSchema>;
export type ConflictMessage = z.output<typeof ConflictMessageSchema>;
export type ConflictSide = z.output<typeof ConflictSideSchema>;
export type ConflictSides = z.output<typeof ConflictSidesSchema>;
