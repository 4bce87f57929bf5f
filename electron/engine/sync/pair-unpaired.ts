import { identityKey } from '../../../shared/identity.js';
import type { Side } from '../state/folder-state.js';
import { pairByForeignUid } from '../plan/pair-by-foreign-uid.js';
import { pairByIdentity, type IdentifiedMessage } from '../plan/pair-by-identity.js';
import type { Listing } from '../plan/plan-folder.js';
import { pairedIds, type FolderContext } from './folder-context.js';
import { IdentityHasher } from '../identity-hasher.js';

const GHOST_WATCH_MS = 14 * 24 * 3600 * 1000;

/** Ids on a side that no pair knows: new since the last sync, or never paired. */
export function unpairedIds(ctx: FolderContext, side: Side, listing: Listing): string[] {
  const paired = pairedIds(ctx.state, side);
  return [...listing.keys()].filter((id) => !paired.has(id));
}

/**
 * Removes copies of our own interrupted uploads that the server stored after we had already
 * re-sent them (see GhostWatch). Only unpaired messages at or above the watch's UID whose whole
 * bytes hash equal are removed; the re-sent copy is paired and never considered.
 */
export async function removeGhosts(ctx: FolderContext, side: Side, listing: Map<string, readonly string[]>): Promise<void> {
  const session = ctx.sessions[side];
  const watches = ctx.state.ghosts.filter((g) => g.side === side);
  if (watches.length === 0) return;
  const now = Date.now();
  const candidates = unpairedIds(ctx, side, listing).filter((id) =>
    watches.some((w) => w.uidValidity === session.status.uidValidity && Number(id) >= w.fromUid),
  );
  const identities = candidates.length ? await session.identify(candidates) : new Map();
  const ghosts: { id: string; sha256: string }[] = [];
  for (const w of watches) {
    const id = [...identities].find(([id, ident]) => !ghosts.some((g) => g.id === id) && identityKey(ident) === identityKey(w.identity))?.[0];
    if (id !== undefined && (await wholeSha256(ctx, side, id)) === w.identity.sha256) {
      ghosts.push({ id, sha256: w.identity.sha256 });
    } else if (now - w.createdAt > GHOST_WATCH_MS || w.uidValidity !== session.status.uidValidity) {
      ctx.journal.append({ op: 'ghostDone', side, sha256: w.identity.sha256 });
    }
  }
  if (ghosts.length > 0) {
    // Journaled after the delete: a watch is done only once its ghost is gone, or known by id.
    const kept = new Set(await session.delete(ghosts.map((g) => g.id)));
    for (const { id, sha256 } of ghosts) {
      listing.delete(id);
      // Not removable now (a server without UIDPLUS): a stray copy from here on, removed
      // with the folder's other deletions, this pass or a later one.
      if (kept.has(id)) ctx.journal.append({ op: 'stray', stray: { side, id, uidValidity: session.status.uidValidity, movingTo: null } });
      ctx.journal.append({ op: 'ghostDone', side, sha256 });
    }
    ctx.summary.duplicatesRemoved += ghosts.length - kept.size;
  }
  await ctx.journal.sync('removed late duplicates of interrupted uploads');
}

async function wholeSha256(ctx: FolderContext, side: Side, id: string): Promise<string | null> {
  const content = await ctx.sessions[side].read(id);
  if (!content) return null;
  const h = new IdentityHasher();
  for await (const chunk of content.stream) h.update(chunk as Buffer);
  return h.digest().sha256;
}

/**
 * Pairs messages new on both sides that are the same message (a first sync of two replicas that
 * already share mail, a rebuilt state, a folder made on both sides), so they are not copied and
 * duplicated. With no earlier state, the merge base is the flags both copies have, which makes
 * the flag merge give the union. Returns the keys of the pairs made.
 */
export async function pairUnpaired(ctx: FolderContext, remote: Listing, local: Listing): Promise<number[]> {
  const newRemote = unpairedIds(ctx, 'remote', remote);
  const newLocal = unpairedIds(ctx, 'local', local);
  if (newRemote.length === 0 || newLocal.length === 0) return [];
  const [idR, idL] = await Promise.all([ctx.sessions.remote.identify(newRemote), ctx.sessions.local.identify(newLocal)]);
  const remoteMessages = [...idR].map(([id, identity]) => ({ id, identity }));
  const localMessages = [...idL].map(([id, identity]) => ({ id, identity }));
  const matches = pairByIdentity(remoteMessages, localMessages);
  // What identity leaves unpaired, another tool's records may pair (a Maildir mbsync or OfflineIMAP kept).
  const foreign = await ctx.sessions.local.foreignUids?.();
  if (foreign) {
    const used = new Set(matches.flat());
    const rest = (ms: IdentifiedMessage[]) => ms.filter((m) => !used.has(m));
    matches.push(...pairByForeignUid(rest(remoteMessages), rest(localMessages), foreign, ctx.sessions.remote.status.uidValidity));
  }
  const keys: number[] = [];
  for (const [r, l] of matches) {
    const lFlags = new Set(local.get(l.id) ?? []);
    const common = (remote.get(r.id) ?? []).filter((f) => lFlags.has(f));
    keys.push(ctx.state.nextKey);
    ctx.journal.append({ op: 'pair', pair: { key: ctx.state.nextKey, remote: r.id, local: l.id, flags: common, identity: r.identity } });
  }
  if (matches.length > 0) {
    ctx.summary.paired += matches.length;
    await ctx.journal.sync('paired by identity');
  }
  return keys;
}
