/**
 * Conflicts the engine recorded and the choices that settle them. The engine applies a choice
 * on the folder's next pass, then the conflict disappears from status.
 */
export type ConflictKind = 'delete-vs-change' | 'moved-to-different-folders' | 'folder-deleted-not-empty' | 'mass-delete-stopped';

export const CONFLICT_CHOICES = ['keep-both', 'delete-both', 'take-local', 'take-remote', 'allow-deletion'] as const;

export type ConflictChoice =
  /** Keep the message (or folder) on both sides: what the engine already did; just dismiss. */
  | 'keep-both'
  /** Delete it on both sides after all. */
  | 'delete-both'
  /** Make the remote side look like the local one for this item. */
  | 'take-local'
  /** Make the local side look like the remote one for this item. */
  | 'take-remote'
  /** Carry out the deletions the mass-delete safety check stopped. */
  | 'allow-deletion';

/** Which choices make sense for each kind (the UI offers exactly these). */
export const CHOICES_BY_KIND: Record<ConflictKind, readonly ConflictChoice[]> = {
  'delete-vs-change': ['keep-both', 'delete-both'],
  'moved-to-different-folders': ['keep-both'],
  'folder-deleted-not-empty': ['keep-both', 'delete-both'],
  'mass-delete-stopped': ['allow-deletion', 'keep-both'],
};
