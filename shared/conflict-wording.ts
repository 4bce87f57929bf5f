import type { ConflictChoice, ConflictKind } from './conflicts.js';

/**
 * The words the app uses for conflicts and the choices that settle them: the Conflicts screen
 * shows them, and the activity log and notifications repeat them, so a user finds the same
 * words everywhere (never the engine's codes like "keep-both").
 */

export const CONFLICT_TITLE: Record<ConflictKind, string> = {
  'delete-vs-change': 'Deleted on one side, changed on the other',
  'moved-to-different-folders': 'Moved to different folders',
  'folder-deleted-not-empty': 'Folder deleted on one side while it still had mail',
  'mass-delete-stopped': 'Stopped by the mass-delete safety check',
};

/** Per kind, because "keep both" means something different for a message and for a folder. */
export function choiceText(kind: ConflictKind, choice: ConflictChoice): { label: string; detail: string } {
  switch (choice) {
    case 'keep-both':
      if (kind === 'mass-delete-stopped') return { label: 'Restore', detail: 'Copy the messages back to the side where they disappeared.' };
      if (kind === 'folder-deleted-not-empty') return { label: 'Keep the folder', detail: 'It stays on both sides with its mail.' };
      if (kind === 'delete-vs-change') return { label: 'Keep the message', detail: 'It stays on both sides, as Mailferry already restored it.' };
      return { label: 'Keep it as it is', detail: 'Accept what Mailferry did and dismiss this.' };
    case 'delete-both':
      if (kind === 'folder-deleted-not-empty') return { label: 'Delete the folder', detail: 'Delete it and its mail on both sides.' };
      return { label: 'Delete on both sides', detail: 'Delete the message on the server and on this computer.' };
    case 'take-local':
      return { label: 'Use this computer’s version', detail: 'Make the server look like the local copy.' };
    case 'take-remote':
      return { label: 'Use the server’s version', detail: 'Make the local copy look like the server.' };
    case 'allow-deletion':
      return { label: 'Allow this deletion', detail: 'Carry out the deletions: the messages really were removed on purpose.' };
  }
}
