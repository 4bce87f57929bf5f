import { identityKey } from '../../../shared/identity.js';
import type { FolderDecision } from '../plan/plan-folders.js';
import { otherSide, type Side } from '../state/folder-state.js';
import type { AccountStateStore } from '../state/account-state-store.js';
import type { MailStore } from '../store/mail-store.js';
import { durableStep } from '../fault-hook.js';

/** How many of the new folder's messages are checked against the old folder's pairs. */
const SAMPLE = 20;

export interface FolderRename {
  from: string;
  to: string;
  /** The side the user renamed it on; the rename is carried out on the other side. */
  renamedOn: Side;
}

/**
 * A folder known to state that vanished from one side, while a folder unknown to state
 * appeared on that same side holding the old folder's messages, was renamed there. Seen as
 * delete + create, it would cost a full copy and leave the old folder behind on the other
 * side; as a rename it costs one RENAME. Evidence: at least half of a sample of the new
 * folder's messages are messages the old folder's state knows on that side.
 */
export async function detectFolderRenames(
  decisions: readonly FolderDecision[],
  stores: Record<Side, MailStore>,
  stateStore: AccountStateStore,
): Promise<FolderRename[]> {
  const renames: FolderRename[] = [];
  const taken = new Set<string>();
  for (const gone of decisions) {
    if (gone.action !== 'deleted') continue;
    // Subfolders move with their parent: renaming the parent renames them too.
    if (renames.some((r) => gone.folder.startsWith(`${r.from}/`))) continue;
    // The folder vanished from `deletedOn`; a rename there shows as a new folder on that side,
    // i.e. a 'create' on the other side.
    const candidates = decisions.filter((d) => d.action === 'create' && d.on !== gone.deletedOn && !taken.has(d.folder));
    if (candidates.length === 0) continue;
    const loaded = await stateStore.loadFolder(gone.folder);
    if (!loaded.ok) continue;
    const known = new Set([...loaded.state.pairs.values()].filter((p) => p[gone.deletedOn] !== null).map((p) => identityKey(p.identity)));
    if (known.size === 0) continue;
    for (const candidate of candidates) {
      if (await holdsKnownMessages(stores[gone.deletedOn], candidate.folder, known)) {
        renames.push({ from: gone.folder, to: candidate.folder, renamedOn: gone.deletedOn });
        taken.add(candidate.folder);
        break;
      }
    }
  }
  return renames;
}

async function holdsKnownMessages(store: MailStore, folder: string, known: ReadonlySet<string>): Promise<boolean> {
  const session = await store.openFolder(folder);
  try {
    const ids = (await session.list()).map((m) => m.id).slice(0, SAMPLE);
    if (ids.length === 0) return false;
    const identities = await session.identify(ids);
    const hits = [...identities.values()].filter((i) => known.has(identityKey(i))).length;
    return hits * 2 >= ids.length;
  } finally {
    await session.close();
  }
}

/**
 * Renames the folder on the side that still has the old name, then moves its state (and its
 * subfolders' state) to the new name. In that order: a crash in between leaves the old name
 * gone from both sides (its state is forgotten) and the new name on both sides without state,
 * which the next run pairs by identity without copying anything.
 */
export async function executeFolderRename(r: FolderRename, stores: Record<Side, MailStore>, stateStore: AccountStateStore): Promise<void> {
  await stores[otherSide(r.renamedOn)].renameFolder(r.from, r.to);
  durableStep('folder rename');
  for (const folder of await stateStore.folders()) {
    if (folder === r.from || folder.startsWith(`${r.from}/`)) await moveState(stateStore, folder, r.to + folder.slice(r.from.length));
  }
}

async function moveState(stateStore: AccountStateStore, from: string, to: string): Promise<void> {
  const loaded = await stateStore.loadFolder(from);
  if (loaded.ok) {
    loaded.state.folder = to;
    // A fresh snapshot under the new name, written whole before the old files go.
    const journal = stateStore.openJournal(to, loaded.state, 0);
    try {
      await journal.compact();
    } finally {
      await journal.close();
    }
  }
  await stateStore.deleteFolderState(from);
}
