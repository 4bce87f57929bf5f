import { z } from 'zod';
import type { Conflict, CreateIntent, GhostWatch, Pair, StateRecord, StrayCopy } from './folder-state.js';
import type { PendingWork } from '../../../shared/sync-summary.js';
import type { AppendTicket, FolderStatus } from '../store/mail-store.js';
import { CONFLICT_CHOICES } from '../../../shared/conflicts.js';
import { ConflictSidesSchema } from '../../../shared/conflict-sides.js';

/**
 * Shapes of everything the state files hold. Objects are strict: a field this version does
 * not know means the file was not written by it, and guessing could lose information.
 */
const count = z.int().nonnegative();
const side = z.enum(['remote', 'local']);
const flags = z.array(z.string());

export const folderStatusSchema = z.strictObject({
  uidValidity: z.string(),
  uidNext: count.nullable(),
  highestModseq: z.string().nullable(),
  messages: count.nullable(),
  changeToken: z.string().nullable(),
});

const messageIdentity = {
  messageId: z.string().nullable(),
  size: count,
  headerSha256: z.string(),
};
const fullIdentitySchema = z.strictObject({ ...messageIdentity, sha256: z.string() });
/** A pair's identity is full (with the body hash) when the engine moved the bytes itself. */
const pairIdentitySchema = z.strictObject({ ...messageIdentity, sha256: z.string().optional() });

const appendTicketSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('imap'), uidValidity: z.string(), uidNext: count }),
  z.strictObject({ kind: z.literal('maildir'), unique: z.string() }),
]);

export const pairSchema = z.strictObject({
  key: count,
  remote: z.string().nullable(),
  local: z.string().nullable(),
  flags,
  identity: pairIdentitySchema,
});

export const createIntentSchema = z.strictObject({
  id: count,
  target: side,
  ticket: appendTicketSchema,
  sourceId: z.string(),
  identity: fullIdentitySchema.nullable(),
  flags,
  pairKey: count.nullable(),
});

export const ghostWatchSchema = z.strictObject({
  side,
  identity: fullIdentitySchema,
  uidValidity: z.string(),
  fromUid: count,
  createdAt: z.number(),
});

export const strayCopySchema = z.strictObject({
  side,
  id: z.string(),
  uidValidity: z.string(),
  movingTo: z.string().nullable(),
});

export const conflictSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['delete-vs-change', 'moved-to-different-folders', 'folder-deleted-not-empty', 'mass-delete-stopped']),
  folder: z.string(),
  detail: z.string(),
  sides: ConflictSidesSchema.optional(),
  pairKey: count.nullable(),
  at: z.number(),
  settled: z.enum(CONFLICT_CHOICES).optional(),
});

const eachWay = z.strictObject({ toLocal: count, toRemote: count });
export const pendingWorkSchema = z.strictObject({ copies: eachWay, deletes: eachWay, reasons: z.array(z.string()) });

export const stateRecordSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('status'), side, status: folderStatusSchema.nullable() }),
  z.strictObject({ op: z.literal('pair'), pair: pairSchema }),
  z.strictObject({ op: z.literal('unpair'), key: count }),
  z.strictObject({ op: z.literal('flags'), key: count, flags }),
  z.strictObject({ op: z.literal('intent'), intent: createIntentSchema }),
  z.strictObject({ op: z.literal('intentDone'), id: count }),
  z.strictObject({ op: z.literal('ghost'), ghost: ghostWatchSchema }),
  z.strictObject({ op: z.literal('ghostDone'), side, sha256: z.string() }),
  z.strictObject({ op: z.literal('stray'), stray: strayCopySchema }),
  z.strictObject({ op: z.literal('strayDone'), side, id: z.string() }),
  z.strictObject({ op: z.literal('conflict'), conflict: conflictSchema }),
  z.strictObject({ op: z.literal('conflictDone'), id: z.string() }),
  z.strictObject({ op: z.literal('settle'), id: z.string(), choice: z.enum(CONFLICT_CHOICES) }),
  z.strictObject({ op: z.literal('pending'), pending: pendingWorkSchema.nullable() }),
  z.strictObject({ op: z.literal('synced'), at: z.number() }),
]);

/**
 * Compile-time proof that each schema describes exactly its type: when folder-state.ts or
 * mail-store.ts changes a field, this stops compiling instead of rejecting (or silently
 * dropping) the new field at run time.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTypes: [
  Same<z.output<typeof folderStatusSchema>, FolderStatus>,
  Same<z.output<typeof appendTicketSchema>, AppendTicket>,
  Same<z.output<typeof pairSchema>, Pair>,
  Same<z.output<typeof createIntentSchema>, CreateIntent>,
  Same<z.output<typeof ghostWatchSchema>, GhostWatch>,
  Same<z.output<typeof strayCopySchema>, StrayCopy>,
  Same<z.output<typeof conflictSchema>, Conflict>,
  Same<z.output<typeof pendingWorkSchema>, PendingWork>,
  Same<z.output<typeof stateRecordSchema>, StateRecord>,
] = [true, true, true, true, true, true, true, true, true];
void schemasMatchTypes;

/** A FolderState as stored in a snapshot: Maps become arrays of their values. */
export const snapshotBodySchema = z.strictObject({
  folder: z.string(),
  status: z.strictObject({ remote: folderStatusSchema.nullable(), local: folderStatusSchema.nullable() }),
  pairs: z.array(pairSchema),
  nextKey: count,
  intents: z.array(createIntentSchema),
  nextIntent: count,
  ghosts: z.array(ghostWatchSchema),
  /** Absent in snapshots written before strays were recorded. */
  strays: z.array(strayCopySchema).optional(),
  conflicts: z.array(conflictSchema),
  /** Absent in snapshots written before pending work was recorded. */
  pending: pendingWorkSchema.nullable().optional(),
  lastSync: z.number().nullable(),
});
export type SnapshotBody = z.infer<typeof snapshotBodySchema>;
/** snapshotBodySchema with the pairs left to isPair (fast-checks.ts): zod costs even per unknown element. */
export const snapshotShellSchema = snapshotBodySchema.extend({ pairs: z.unknown() });

export const snapshotHeaderSchema = z.strictObject({
  format: z.literal('mailferry-folder-state'),
  version: z.literal(1),
  seq: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SnapshotHeader = z.infer<typeof snapshotHeaderSchema>;

/** The first problem zod found, with where it is, in one line. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'value';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return `${where}: ${issue.message}${more}`;
}
