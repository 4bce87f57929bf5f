import type { AccountInput } from '../../../shared/api/app-api.js';
import { folderSelected } from '../../../shared/config.js';

type FolderFilter = AccountInput['folders'];

/**
 * The filter for folders ticked in the wizard: everything except what was unticked, so a
 * folder created later is synced too. Folder patterns treat `*` and `%` as wildcards; a name
 * holding one can only be left out together with the names it matches.
 */
export function filterForChoice(all: readonly string[], chosen: ReadonlySet<string>): FolderFilter {
  return { include: ['*'], exclude: all.filter((f) => !chosen.has(f)) };
}

/** Which of these folders a filter syncs, to tick them when an account is edited. */
export function chosenByFilter(all: readonly string[], filter: FolderFilter): Set<string> {
  return new Set(all.filter((f) => folderSelected(filter, f)));
}
