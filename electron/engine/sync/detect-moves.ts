import { sameFlags } from '../../../shared/flags.js';
import { identityKey, type MessageIdentity } from '../../../shared/identity.js';
import { flows } from '../plan/folder-plan.js';
import { mergeFlags } from '../plan/merge-flags.js';
import { otherSide, type Conflict, type Pair, type Side } from '../state/folder-state.js';
import type { MailStore, MessageHeaders } from '../store/mail-store.js';
import { headersOf, movedApartSides } from '../conflicts/describe-sides.js';
import { eachWayKey, pairedIds } from './folder-context.js';
import type { PreparedFolder } from './sync-folder.js';

/**
 * A message that left folder `from` and appeared in folder `to` on one side since the last
 * sync. It is carried out as a move on the other side (`side`), so the body is not
 * transferred again and flag changes made on either side before the move survive.
 */
export interface PlannedMove {
  from: PreparedFolder;
  to: PreparedFolder;
  /** The side the move is carried out on. */
  side: Side;
  /** The message's id on `side`, in `from`. */
  id: string;
  /** Its pair in `from`; null when the pair is already forgotten (moved on both sides). */
  key: number | null;
  /** The moved copy's id on the other side, in `to`. */
  arrivalId: string;
  identity: MessageIdentity;
  base: string[];
  flags: Record<Side, readonly string[]>;
  /** Set when the two sides moved the message to different folders: the remote side's wins. */
  diverged: Divergence | null;
}

/** Where each side had put a message moved to different folders, for the conflict it records. */
interface Divergence {
  /** The folder the local side moved it to (the remote side's is `to`). */
  localFolder: string;
  /** The folder it was in at the last sync. */
  previousFolder: string;
  headers: MessageHeaders;
}

interface Departure {
  from: PreparedFolder;
  key: number;
  id: string;
  identity: MessageIdentity;
  base: string[];
  used: boolean;
}

interface Arrival {
  to: PreparedFolder;
  id: string;
  used: boolean;
}

/**
 * Pairs "gone from folder X on side S" with "new in folder Y on side S" by identity, and takes
 * both out of the folders' plans (the delete or restore in X, the copy in Y). A message moved
 * on both sides, to different folders, ends up where the remote side put it. Only identities
 * of new messages are fetched, and only when some folder lost a message.
 */
export async function detectMoves(stores: Record<Side, MailStore>, prepared: PreparedFolder[]): Promise<PlannedMove[]> {
  await settleMovesCutShort(stores, prepared);
  const forgotten = prepared.flatMap((from) =>
    from.plan.forget.flatMap((key) => {
      const pair = from.ctx.state.pairs.get(key);
      return pair && pair.remote !== null && pair.local !== null ? [{ from, pair }] : [];
    }),
  );
  const departures = { remote: collectDepartures(prepared, 'remote'), local: collectDepartures(prepared, 'local') };
  if (forgotten.length === 0 && departures.remote.size === 0 && departures.local.size === 0) return [];
  const arrivals = { remote: await collectArrivals(stores, prepared, 'remote'), local: await collectArrivals(stores, prepared, 'local') };
  const moves: PlannedMove[] = [];
  const flagsOf = (p: PreparedFolder, side: Side, id: string) => p.listings[side].get(id) ?? [];

  for (const movedOn of ['remote', 'local'] as const) {
    const side = otherSide(movedOn);
    for (const [key, list] of arrivals[movedOn]) {
      for (const a of list) {
        if (!flows(a.to.ctx.options.direction, movedOn)) continue;
        const d = departures[movedOn].get(key)?.find((c) => !c.used && c.from !== a.to);
        if (!d) continue;
        d.used = a.used = true;
        const flags = { [movedOn]: flagsOf(a.to, movedOn, a.id), [side]: flagsOf(d.from, side, d.id) } as Record<Side, readonly string[]>;
        moves.push({ from: d.from, to: a.to, side, id: d.id, key: d.key, arrivalId: a.id, identity: d.identity, base: d.base, flags, diverged: null });
      }
    }
  }
  for (const { from, pair } of forgotten) {
    const key = identityKey(pair.identity);
    const r = arrivals.remote.get(key)?.find((a) => !a.used && a.to !== from);
    const l = arrivals.local.get(key)?.find((a) => !a.used && a.to !== from);
    if (!r || !l || r.to === l.to || r.to.ctx.options.direction !== 'both') continue;
    r.used = l.used = true;
    const flags = { remote: flagsOf(r.to, 'remote', r.id), local: flagsOf(l.to, 'local', l.id) };
    const headers = await arrivalHeaders(stores.remote, r.to.ctx.folder, r.id);
    const diverged = { localFolder: l.to.ctx.folder, previousFolder: from.ctx.folder, headers };
    moves.push({ from: l.to, to: r.to, side: 'local', id: l.id, key: null, arrivalId: r.id, identity: pair.identity, base: pair.flags, flags, diverged });
  }
  for (const m of moves) takeOutOfPlans(m);
  return moves;
}

/** Subject, From and Date of a message new in `folder`, for the conflict a divergent move records. */
async function arrivalHeaders(store: MailStore, folder: string, id: string): Promise<MessageHeaders> {
  const session = await store.openFolder(folder);
  try {
    return await headersOf(session, id);
  } finally {
    await session.close();
  }
}

/** Pairs whose message vanished from `movedOn` and that the plan would delete or restore on it. */
function collectDepartures(prepared: PreparedFolder[], movedOn: Side): Map<string, Departure[]> {
  const byKey = new Map<string, Departure[]>();
  const add = (from: PreparedFolder, key: number, id: string) => {
    const pair = from.ctx.state.pairs.get(key);
    if (!pair) return;
    const d: Departure = { from, key, id, identity: pair.identity, base: pair.flags, used: false };
    const k = identityKey(pair.identity);
    byKey.set(k, [...(byKey.get(k) ?? []), d]);
  };
  for (const p of prepared) {
    for (const d of p.plan.deletes) if (d.side !== movedOn) add(p, d.key, d.id);
    for (const c of p.plan.copies) if (c.pairKey !== null && c.to === movedOn) add(p, c.pairKey, c.sourceId);
  }
  return byKey;
}

/** Messages new on `side` in every folder (the plan copies them to the other side), by identity. */
async function collectArrivals(stores: Record<Side, MailStore>, prepared: PreparedFolder[], side: Side): Promise<Map<string, Arrival[]>> {
  const byKey = new Map<string, Arrival[]>();
  for (const to of prepared) {
    const ids = arrivalIds(to, side);
    if (ids.length === 0) continue;
    for (const [id, identity] of to.arrivals?.[side] ?? (await identifyIn(stores[side], to.ctx.folder, ids))) {
      const k = identityKey(identity);
      byKey.set(k, [...(byKey.get(k) ?? []), { to, id, used: false }]);
    }
  }
  return byKey;
}

/** Ids of the messages new on `side` that the folder's plan copies to the other side. */
function arrivalIds(p: PreparedFolder, side: Side): string[] {
  return p.plan.copies.filter((c) => c.pairKey === null && c.to !== side).map((c) => c.sourceId);
}

async function identifyIn(store: MailStore, folder: string, ids: string[]): Promise<Map<string, MessageIdentity>> {
  const session = await store.openFolder(folder);
  try {
    return await session.identify(ids);
  } finally {
    await session.close();
  }
}

/**
 * Whether the plan lets messages leave the folder on a side (deleted, restored, forgotten):
 * what detectMoves matches arrivals against.
 */
export function hasDepartures(p: PreparedFolder): boolean {
  return p.plan.deletes.length > 0 || p.plan.forget.length > 0 || p.plan.copies.some((c) => c.pairKey !== null);
}

/**
 * The folder's arrivals on both sides, identified through its sessions while they are still
 * open from listing, which spares detectMoves selecting the folder again. Only an
 * optimisation: on failure they are left for detectMoves to ask for.
 */
export async function identifyArrivals(p: PreparedFolder): Promise<void> {
  const identify = async (side: Side) => {
    const ids = arrivalIds(p, side);
    return ids.length === 0 ? new Map<string, MessageIdentity>() : p.ctx.sessions[side].identify(ids);
  };
  try {
    p.arrivals = { remote: await identify('remote'), local: await identify('local') };
  } catch {
    p.arrivals = null;
  }
}

function takeOutOfPlans(m: PlannedMove): void {
  const x = m.from.plan;
  if (m.key !== null) {
    x.deletes = x.deletes.filter((d) => d.key !== m.key);
    x.copies = x.copies.filter((c) => c.pairKey !== m.key);
    x.conflicts = x.conflicts.filter((c) => c.key !== m.key);
  } else {
    x.copies = x.copies.filter((c) => !(c.pairKey === null && c.sourceId === m.id && c.to !== m.side));
  }
  const y = m.to.plan;
  y.copies = y.copies.filter((c) => !(c.pairKey === null && c.sourceId === m.arrivalId && c.to === m.side));
}

/**
 * Carries out the moves, grouped by source folder and side. Each move is journaled in `from`
 * first, as under way (a stray copy with `movingTo`): a move that is a copy and then a delete
 * (IMAP without MOVE; a Maildir link, then unlink) and is cut short leaves the message in both
 * folders, which the next pass settles (settleMovesCutShort). Then `from` records the result
 * (pair forgotten; a source copy the server could not expunge stays a stray copy, deleted with
 * the folder's deletions) and after it `to` (the new pair): a crash in between leaves the message
 * unpaired on both sides of `to`, where identity pairing pairs it without a transfer.
 */
export async function executeMoves(stores: Record<Side, MailStore>, moves: PlannedMove[]): Promise<void> {
  const groups = new Map<string, PlannedMove[]>();
  for (const m of moves) {
    const k = `${m.side}\u0000${m.from.ctx.folder}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  for (const group of groups.values()) {
    const { side, from } = group[0]!;
    const unknown: PlannedMove[] = [];
    const session = await stores[side].openFolder(from.ctx.folder);
    const uidValidity = session.status.uidValidity;
    try {
      for (const to of new Set(group.map((m) => m.to))) {
        const mine = group.filter((m) => m.to === to);
        // Journaled before the move: after it, the message is in `to` on both sides and a
        // crashed run's successor would only pair it, never learn that the sides disagreed.
        const diverged = mine.filter((m) => m.diverged !== null);
        for (const m of diverged) recordDivergence(m, m.diverged!);
        if (diverged.length > 0) await to.ctx.journal.sync('divergent moves recorded');
        for (const m of mine) from.ctx.journal.append({ op: 'stray', stray: { side, id: m.id, uidValidity, movingTo: to.ctx.folder } });
        await from.ctx.journal.sync('moves under way');
        const { moved, kept } = await session.moveTo(mine.map((m) => m.id), to.ctx.folder);
        const left = new Set(kept);
        for (const m of mine) {
          const newId = moved.get(m.id);
          recordDeparture(m, newId !== undefined, left.has(m.id), uidValidity);
          if (newId === null) unknown.push(m);
          else if (newId !== undefined) recordArrival(m, newId);
        }
        await from.ctx.journal.sync('moves recorded');
        await to.ctx.journal.sync('moves recorded');
      }
    } finally {
      await session.close();
    }
    if (unknown.length > 0) await findMoved(stores[side], side, unknown);
  }
}

/** The source side of a move: `moved` false when the message vanished before it. */
function recordDeparture(m: PlannedMove, moved: boolean, kept: boolean, uidValidity: string): void {
  const x = m.from.ctx.journal;
  if (!moved) {
    x.append({ op: 'strayDone', side: m.side, id: m.id }); // vanished before the move: the next run sees it gone
    return;
  }
  if (m.key !== null) x.append({ op: 'unpair', key: m.key });
  // A source copy the side could not remove (see FolderSession.delete) is no longer the
  // message, only our leftover: never paired, copied or planned again, deleted as soon as the
  // server lets us (pending work until then).
  if (kept) x.append({ op: 'stray', stray: { side: m.side, id: m.id, uidValidity, movingTo: null } });
  else x.append({ op: 'strayDone', side: m.side, id: m.id });
  m.to.ctx.summary.moved[eachWayKey(m.side)]++;
}

/** The destination side of a move: the moved copy `newId` pairs with the one that arrived there. */
function recordArrival(m: PlannedMove, newId: string): void {
  const movedOn = otherSide(m.side);
  const y = m.to.ctx;
  const key = y.state.nextKey;
  const pair = { key, remote: '', local: '', flags: m.base, identity: m.identity };
  pair[m.side] = newId;
  pair[movedOn] = m.arrivalId;
  y.journal.append({ op: 'pair', pair });
  planMergedFlags(m.to, key, { remote: pair.remote, local: pair.local }, m.base, m.flags, movedOn);
}

/**
 * Moved copies whose UID the server did not say (no COPYUID): looked for by identity among the
 * messages that arrived in the destination after it was listed (one listing and one identify
 * for all of them). One not found (or a lookup that fails) leaves both copies unpaired there:
 * the destination's next pass lists both sides in full and pairs them by identity.
 */
async function findMoved(store: MailStore, side: Side, moves: PlannedMove[]): Promise<void> {
  for (const to of new Set(moves.map((m) => m.to))) {
    const mine = moves.filter((m) => m.to === to);
    try {
      const session = await store.openFolder(to.ctx.folder);
      try {
        const known = new Set([...pairedIds(to.ctx.state, side), ...to.listings[side].keys()]);
        const fresh = (await session.list()).map((m) => m.id).filter((id) => !known.has(id));
        const byIdentity = new Map<string, string[]>();
        for (const [id, identity] of fresh.length > 0 ? await session.identify(fresh) : []) {
          const k = identityKey(identity);
          byIdentity.set(k, [...(byIdentity.get(k) ?? []), id]);
        }
        for (const m of mine) {
          const id = byIdentity.get(identityKey(m.identity))?.shift();
          if (id === undefined) to.relist = true;
          else recordArrival(m, id);
        }
      } finally {
        await session.close();
      }
    } catch {
      to.relist = true;
    }
    await to.ctx.journal.sync('moves recorded');
  }
}

/**
 * The flag update that brings a moved message's two copies in `y` to the merge of both sides'
 * changes since `base`, replacing whatever the folder's plan had for that pair.
 */
function planMergedFlags(y: PreparedFolder, key: number, ids: Record<Side, string>, base: string[], flags: Record<Side, readonly string[]>, movedOn: Side): void {
  const merged = y.ctx.options.direction === 'both' ? mergeFlags(base, flags.remote, flags.local) : [...flags[movedOn]];
  const change = (s: Side) => (sameFlags(flags[s], merged) ? null : { id: ids[s], from: [...flags[s]], to: merged });
  y.plan.flagUpdates = y.plan.flagUpdates.filter((u) => u.key !== key);
  y.plan.flagUpdates.push({ key, remote: change('remote'), local: change('local'), base: merged });
}

/**
 * Moves a crashed or failed pass had journaled as under way (stray copies with `movingTo`). The
 * source copy is still there (a gone one was settled while listing). If the destination now
 * holds a copy on that side, found as a pair identity pairing made this pass, the move happened
 * up to its delete: the source copy is our leftover (a stray copy, deleted with the folder's
 * deletions) and its pair is forgotten, so it is neither restored nor deleted as a change of the
 * user's. Otherwise the move never happened: the mark goes, and the pass plans as usual (which
 * finds the move again), as it does when the destination is not synced in this pass.
 */
async function settleMovesCutShort(stores: Record<Side, MailStore>, prepared: PreparedFolder[]): Promise<void> {
  const byName = new Map(prepared.map((p) => [p.ctx.folder, p]));
  const used = new Set<string>();
  for (const from of prepared) {
    const marks = from.ctx.state.strays.filter((x) => x.movingTo !== null);
    const pairOf = { remote: new Map<string, Pair>(), local: new Map<string, Pair>() };
    if (marks.length > 0) {
      for (const p of from.ctx.state.pairs.values()) for (const s of ['remote', 'local'] as const) if (p[s] !== null) pairOf[s].set(p[s]!, p);
    }
    for (const mark of marks) {
      const to = byName.get(mark.movingTo!);
      const side = mark.side;
      // A destination this pass does not sync did not change since it was last synced: no copy
      // landed there unseen.
      if (!to || to === from) {
        from.ctx.journal.append({ op: 'strayDone', side, id: mark.id });
        continue;
      }
      const pair = pairOf[side].get(mark.id) ?? null;
      const identity = pair?.identity ?? (await identityOf(stores[side], from, side, mark.id));
      const landed = identity && to.pairedNow.map((k) => to.ctx.state.pairs.get(k)).find((p) => p && !used.has(`${to.ctx.folder}\u0000${p.key}`) && identityKey(p.identity) === identityKey(identity));
      if (!landed) {
        from.ctx.journal.append({ op: 'strayDone', side, id: mark.id });
        continue;
      }
      used.add(`${to.ctx.folder}\u0000${landed.key}`);
      const x = from.plan;
      if (pair) {
        from.ctx.journal.append({ op: 'unpair', key: pair.key });
        x.deletes = x.deletes.filter((d) => d.key !== pair.key);
        x.copies = x.copies.filter((c) => c.pairKey !== pair.key);
        x.conflicts = x.conflicts.filter((c) => c.key !== pair.key);
        x.flagUpdates = x.flagUpdates.filter((u) => u.key !== pair.key);
        const flags = { remote: to.listings.remote.get(landed.remote!) ?? [], local: to.listings.local.get(landed.local!) ?? [] };
        planMergedFlags(to, landed.key, { remote: landed.remote!, local: landed.local! }, pair.flags, flags, otherSide(side));
      } else {
        x.copies = x.copies.filter((c) => !(c.pairKey === null && c.sourceId === mark.id && c.to !== side));
      }
      from.ctx.journal.append({ op: 'stray', stray: { ...mark, movingTo: null } });
      to.ctx.summary.moved[eachWayKey(side)]++;
    }
    if (marks.length > 0) await from.ctx.journal.sync('moves cut short settled');
  }
}

/** Identity of a message new in `p` on `side` (a move's source that no pair holds). */
async function identityOf(store: MailStore, p: PreparedFolder, side: Side, id: string): Promise<MessageIdentity | null> {
  const known = p.arrivals?.[side].get(id);
  if (known) return known;
  return (await identifyIn(store, p.ctx.folder, [id])).get(id) ?? null;
}

function recordDivergence(m: PlannedMove, d: Divergence): void {
  const y = m.to.ctx;
  const which = m.identity.messageId ? `message ${m.identity.messageId}` : 'a message without Message-ID';
  const detail =
    `${which} was moved to "${y.folder}" on the remote side and to "${d.localFolder}" on the local side; ` +
    `the remote side's choice wins, so it is now in "${y.folder}" on both sides`;
  const sides = movedApartSides(d.previousFolder, { remote: y.folder, local: d.localFolder }, { headers: d.headers, size: m.identity.size }, m.flags);
  // A run redoing the move after a crash finds the conflict recorded already: kept once, same id.
  const prefix = `moved-to-different-folders:${m.identity.headerSha256}:`;
  const id = y.state.conflicts.find((c) => c.id.startsWith(prefix))?.id ?? `${prefix}${Date.now()}`;
  const conflict: Conflict = { id, kind: 'moved-to-different-folders', folder: y.folder, detail, sides, pairKey: null, at: Date.now() };
  y.journal.append({ op: 'conflict', conflict });
  y.summary.conflicts++;
  y.reporter.note(y.account, y.folder, detail);
}
