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

/**
 * Folders learned while editing (a connection test just listed the server's; the servers'
 * listing may add the local side's): new names are ticked as the account's filter says, the
 * ticks already there stay as the user left them.
 */
export function withListedFolders(
  current: { all: readonly string[] | null; chosen: ReadonlySet<string> },
  names: readonly string[],
  filter: FolderFilter,
): { all: string[]; chosen: Set<string> } {
  const known = new Set(current.all ?? []);
  const added = [...new Set(names)].filter((n) => !known.has(n));
  return { all: [...(current.all ?? []), ...added], chosen: new Set([...current.chosen, ...chosenByFilter(added, filter)]) };
}
