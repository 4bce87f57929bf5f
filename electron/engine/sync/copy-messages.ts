import { Transform } from 'node:stream';
import type { FullIdentity } from '../../../shared/identity.js';
import { fullIdentityOf, IdentityHasher } from '../identity-hasher.js';
import type { CopyAction } from '../plan/folder-plan.js';
import { otherSide, type CreateIntent, type Pair, type Side } from '../state/folder-state.js';
import type { AppendTicket, FolderSession, WholeMessage } from '../store/mail-store.js';
import { eachWayKey, notDone, pairedIds, type FolderContext } from './folder-context.js';
import { describeError } from './describe-error.js';
import { isRefusedMessage } from './retry.js';

/** Copies are journaled, read and recorded this many at a time (one intent fsync per batch). */
const BATCH = 64;
/** Messages up to this size are read whole, many per round trip; larger ones are streamed. */
const WHOLE_MAX = 1024 * 1024;
/** What one batch may hold in memory, where the source reported sizes (IMAP). */
const BATCH_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Carries out the plan's copies, exactly once across crashes: every create is journaled as an
 * intent (durable) before it is attempted, and the pair plus "intent done" are journaled after
 * the copy is durable on the target. See recover-intents.ts for the other half.
 *
 * Speed comes from batching and overlap: the source is read with one FETCH per batch, and the
 * next batch is read while this one is uploaded (the sides are separate connections); intents
 * share one fsync, Maildir writes run concurrently and share one directory fsync, IMAP uploads
 * go as one MULTIAPPEND where the server has it; a large download is read over the pass's
 * idle connections at once (copySplit).
 */
export async function copyMessages(ctx: FolderContext, copies: CopyAction[], sizes: Record<Side, Map<string, number>>): Promise<void> {
  let done = 0;
  const bytesTotal = copyBytes(copies, sizes);
  const progress = (n: number) => {
    done += n;
    ctx.reporter.progress({
      account: ctx.account,
      folder: ctx.folder,
      phase: 'copying',
      messagesDone: done,
      messagesTotal: copies.length,
      bytesDone: ctx.summary.bytes.toLocal + ctx.summary.bytes.toRemote,
      bytesTotal,
    });
  };
  for (const to of ['local', 'remote'] as const) {
    const batches = batchesOf(
      copies.filter((c) => c.to === to),
      sizes[otherSide(to)],
    );
    const readers = await extraReaders(ctx, to, batches.length);
    try {
      if (readers.sessions.length > 0) await copySplit(ctx, to, batches, [ctx.sessions[otherSide(to)], ...readers.sessions], progress);
      else await copyInOrder(ctx, to, batches, progress);
    } finally {
      await readers.release();
    }
  }
  await ctx.journal.sync('copies recorded');
}

/** The bytes the copies will move, when the source side reported the size of each (IMAP); else null. */
export function copyBytes(copies: readonly CopyAction[], sizes: Record<Side, Map<string, number>>): number | null {
  let total = 0;
  for (const c of copies) {
    const size = sizes[otherSide(c.to)].get(c.sourceId);
    if (size === undefined) return null;
    total += size;
  }
  return total;
}

/**
 * Up to BATCH copies per batch, and no more bytes of whole messages than BATCH_MAX_BYTES
 * where sizes are known (large messages are streamed, so they do not count).
 */
function batchesOf(copies: CopyAction[], sizes: Map<string, number>): CopyAction[][] {
  const batches: CopyAction[][] = [];
  let batch: CopyAction[] = [];
  let bytes = 0;
  for (const copy of copies) {
    const size = sizes.get(copy.sourceId) ?? 0;
    const held = size <= WHOLE_MAX ? size : 0;
    if (batch.length === BATCH || (batch.length > 0 && bytes + held > BATCH_MAX_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(copy);
    bytes += held;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * One batch after another from the folder's own source session. Uploads to IMAP read the next
 * batch while this one is uploaded (the sides are separate connections).
 */
async function copyInOrder(ctx: FolderContext, to: Side, batches: CopyAction[][], progress: (n: number) => void): Promise<void> {
  const source = ctx.sessions[otherSide(to)];
  const uploaded: number[] = [];
  let reading = batches[0] ? readWhole(source, batches[0]) : null;
  try {
    for (const [i, batch] of batches.entries()) {
      const whole = await reading!;
      reading = null;
      const next = batches[i + 1];
      // Only uploads to IMAP gain from reading ahead: they wait on the server, while writes
      // into a Maildir already run concurrently and would only hold two batches in memory.
      // A batch with messages too large to read whole streams them from the source itself,
      // which must then not be reading the next batch at the same time.
      const streams = batch.some((c) => !whole.has(c.sourceId));
      if (next && !streams && !isMaildir(ctx.sessions[to])) reading = readWhole(source, next);
      uploaded.push(...(await writeBatch(ctx, to, batch, whole, source)));
      if (next && !reading) reading = readWhole(source, next);
      progress(batch.length);
    }
  } finally {
    // After a failed write the read under way must end before anyone closes its session.
    await reading?.catch(() => undefined);
  }
  if (uploaded.length > 0) await adoptServerIdentities(ctx, to, uploaded);
}

/**
 * A large download into a Maildir, read over several connections at once: each reader takes
 * the next batch, reads it from its own session of the folder and writes it. Writes and
 * journal records are the same as in order (each batch's intents durable before its files,
 * any order between batches is fine). A failed reader stops the others taking more batches,
 * and every write started ends before the error is passed on.
 */
async function copySplit(ctx: FolderContext, to: Side, batches: CopyAction[][], sources: FolderSession[], progress: (n: number) => void): Promise<void> {
  let next = 0;
  let failed = false;
  const results = await Promise.allSettled(
    sources.map(async (source) => {
      while (!failed && next < batches.length) {
        const batch = batches[next++]!;
        try {
          await writeBatch(ctx, to, batch, await readWhole(source, batch), source);
        } catch (err) {
          failed = true;
          throw err;
        }
        progress(batch.length);
      }
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Batches per extra reader: a small folder is not worth another SELECT. */
const BATCHES_PER_READER = 4;
const MAX_EXTRA_READERS = 3;

/**
 * Sessions of this folder on connections the pass lends (see ConnectionLanes.lend), for
 * reading a large download from IMAP into a Maildir in parallel. Only sessions that see the
 * folder under the same UIDVALIDITY are used: UIDs mean the same messages there. A reader
 * that cannot open only costs speed.
 */
async function extraReaders(ctx: FolderContext, to: Side, batches: number): Promise<{ sessions: FolderSession[]; release(): Promise<void> }> {
  const from = otherSide(to);
  const wanted = Math.min(MAX_EXTRA_READERS, Math.floor(batches / BATCHES_PER_READER));
  const none = { sessions: [], release: async () => undefined };
  if (!ctx.lend || wanted === 0 || !isMaildir(ctx.sessions[to]) || isMaildir(ctx.sessions[from])) return none;
  const lent = await ctx.lend(wanted);
  const opened = await Promise.allSettled(lent.stores.map((stores) => stores[from].openFolder(ctx.folder)));
  const sessions: FolderSession[] = [];
  const unusable: FolderSession[] = [];
  for (const r of opened) {
    if (r.status !== 'fulfilled') continue;
    (r.value.status.uidValidity === ctx.sessions[from].status.uidValidity ? sessions : unusable).push(r.value);
  }
  await Promise.allSettled(unusable.map((s) => s.close()));
  return {
    sessions,
    release: async () => {
      await Promise.allSettled(sessions.map((s) => s.close()));
      lent.release();
    },
  };
}

/**
 * The batch's messages that the source can give whole in one go (see FolderSession.readMany).
 * The read starts now and may fail while the previous batch is still being written: it is
 * marked handled at once (awaiting it still throws), so that is no unhandled rejection.
 */
function readWhole(source: FolderSession, batch: CopyAction[]): Promise<Map<string, WholeMessage>> {
  const reading = (async () => {
    const whole = new Map<string, WholeMessage>();
    for await (const m of source.readMany(batch.map((c) => c.sourceId), WHOLE_MAX)) whole.set(m.id, m);
    return whole;
  })();
  reading.catch(() => undefined);
  return reading;
}

const isMaildir = (session: FolderSession) => session.status.uidValidity === 'maildir';

/** One batch to one side; returns the keys of pairs made by APPENDs to an IMAP side. */
async function writeBatch(ctx: FolderContext, to: Side, batch: CopyAction[], whole: Map<string, WholeMessage>, source: FolderSession): Promise<number[]> {
  if (isMaildir(ctx.sessions[to])) {
    await toMaildir(ctx, batch, whole, source);
    return [];
  }
  return toImap(ctx, batch, whole, source);
}

/**
 * To Maildir: intents carry the exact file name (no identity needed), so a batch's intents are
 * journaled up front. Whole messages are written concurrently; a large one is streamed straight
 * to tmp/ while hashed, so memory stays bounded.
 */
async function toMaildir(ctx: FolderContext, batch: CopyAction[], whole: Map<string, WholeMessage>, source: FolderSession): Promise<void> {
  const target = ctx.sessions[batch[0]!.to];
  const planned: { copy: CopyAction; ticket: AppendTicket; intent: CreateIntent }[] = [];
  for (const copy of batch) {
    const ticket = await target.appendTicket();
    planned.push({ copy, ticket, intent: journalIntent(ctx, copy, ticket, null) });
  }
  await ctx.journal.sync('intent to copy');
  const writes: Promise<void>[] = [];
  const done = (copy: CopyAction, intent: CreateIntent, id: string | null, identity: FullIdentity, size: number) => {
    if (id === null) throw new Error(`could not store a message in "${ctx.folder}"`);
    completeCopy(ctx, copy, intent, id, identity, size);
  };
  try {
    for (const { copy, ticket, intent } of planned) {
      const req = { ticket, flags: copy.flags, deferSync: true };
      const m = whole.get(copy.sourceId);
      if (m) {
        writes.push(target.append({ ...req, content: m.bytes, internalDate: m.internalDate }).then((id) => done(copy, intent, id, fullIdentityOf(m.bytes), m.bytes.length)));
        continue;
      }
      const content = await skipIfRefused(ctx, copy, () => source.read(copy.sourceId));
      if (!content || content === 'refused') {
        ctx.journal.append({ op: 'intentDone', id: intent.id });
        if (!content) vanished(ctx);
        continue;
      }
      const { stream, digest } = hashing(content.stream);
      const id = await target.append({ ...req, content: stream, internalDate: content.internalDate });
      done(copy, intent, id, ...digest());
    }
  } finally {
    // Every write started must end (or fail) before the batch is recorded or abandoned.
    const failed = (await Promise.allSettled(writes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  await target.syncAppends();
}

/**
 * To IMAP: APPEND needs the whole message, whose identity is journaled with the intent so a
 * crash between APPEND and recording can be healed by searching for it. The batch's whole
 * messages share one intent fsync; a large one is read and journaled on its own. Returns the
 * keys of the pairs made.
 */
async function toImap(ctx: FolderContext, batch: CopyAction[], whole: Map<string, WholeMessage>, source: FolderSession): Promise<number[]> {
  const target = ctx.sessions[batch[0]!.to];
  const ready: ReadyAppend[] = [];
  const prepare = async (copy: CopyAction, bytes: Buffer, internalDate: Date) => {
    const identity = fullIdentityOf(bytes);
    const ticket = await target.appendTicket();
    ready.push({ copy, bytes, internalDate, identity, ticket, intent: journalIntent(ctx, copy, ticket, identity) });
  };
  for (const copy of batch) {
    const m = whole.get(copy.sourceId);
    if (m) await prepare(copy, m.bytes, m.internalDate);
  }
  const keys: number[] = [];
  const append = async () => {
    await ctx.journal.sync('intent to copy');
    const left = await appendTogether(ctx, ready.splice(0), keys);
    for (const r of left) {
      const key = await skipIfRefused(ctx, r.copy, () => appendOne(ctx, r));
      if (key === 'refused') ctx.journal.append({ op: 'intentDone', id: r.intent.id });
      else keys.push(key);
    }
  };
  await append();
  for (const copy of batch.filter((c) => !whole.has(c.sourceId))) {
    const content = await skipIfRefused(ctx, copy, () => source.read(copy.sourceId));
    if (content === 'refused') continue;
    if (!content) {
      vanished(ctx);
      continue;
    }
    await prepare(copy, await collect(content.stream), content.internalDate);
    await append();
  }
  return keys;
}

interface ReadyAppend {
  copy: CopyAction;
  bytes: Buffer;
  internalDate: Date;
  identity: FullIdentity;
  ticket: AppendTicket;
  intent: CreateIntent;
}

/** Messages per MULTIAPPEND are capped by bytes too, so one command never holds a huge batch. */
const TOGETHER_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Appends `ready` (their intents durable) in as few commands as the target allows (IMAP
 * MULTIAPPEND: all or none per command). Returns what is left to append one by one: all of it
 * when the target cannot, and the rest of a chunk the server refused, so the message it
 * refused is found and skipped alone.
 */
async function appendTogether(ctx: FolderContext, ready: ReadyAppend[], keys: number[]): Promise<ReadyAppend[]> {
  const target = ctx.sessions[ready[0]?.copy.to ?? 'remote'];
  let from = 0;
  while (ready.length - from > 1 && target.appendMany) {
    let to = from + 1;
    for (let bytes = ready[from]!.bytes.length; to < ready.length && bytes + ready[to]!.bytes.length <= TOGETHER_MAX_BYTES; to++) bytes += ready[to]!.bytes.length;
    const chunk = ready.slice(from, to);
    let ids;
    try {
      ids = await target.appendMany(chunk.map((r) => ({ ticket: r.ticket, content: r.bytes, flags: r.copy.flags, internalDate: r.internalDate })));
    } catch (err) {
      if (isRefusedMessage(err)) break;
      throw err;
    }
    if (ids === null) break;
    for (const [i, r] of chunk.entries()) keys.push(await finishAppend(ctx, r, ids[i] ?? null));
    from = to;
  }
  return ready.slice(from);
}

async function appendOne(ctx: FolderContext, r: ReadyAppend): Promise<number> {
  const id = await ctx.sessions[r.copy.to].append({ ticket: r.ticket, content: r.bytes, flags: r.copy.flags, internalDate: r.internalDate });
  return finishAppend(ctx, r, id);
}

/** Records an appended message; without its id (no APPENDUID), finds it by identity first. */
async function finishAppend(ctx: FolderContext, r: ReadyAppend, id: string | null): Promise<number> {
  if (id === null) {
    const found = await ctx.sessions[r.copy.to].recoverAppend(r.ticket, r.identity, pairedIds(ctx.state, r.copy.to));
    id = found[found.length - 1] ?? null;
    if (id === null) throw new Error(`the server accepted a message but it cannot be found in "${ctx.folder}"`);
  }
  return completeCopy(ctx, r.copy, r.intent, id, r.identity, r.bytes.length);
}

/**
 * Some servers add or rewrite headers on APPEND. The pairs of messages just uploaded take the
 * identity the server reports, or a later re-pairing by identity would not recognise them.
 */
async function adoptServerIdentities(ctx: FolderContext, to: Side, keys: number[]): Promise<void> {
  const pairs = keys.flatMap((k) => {
    const p = ctx.state.pairs.get(k);
    return p && p[to] !== null ? [p] : [];
  });
  const seen = await ctx.sessions[to].identify(pairs.map((p) => p[to]!));
  for (const p of pairs) {
    const s = seen.get(p[to]!);
    if (s && (s.size !== p.identity.size || s.headerSha256 !== p.identity.headerSha256)) {
      ctx.journal.append({ op: 'pair', pair: { ...p, identity: { ...p.identity, ...s } } });
    }
  }
}

function journalIntent(ctx: FolderContext, copy: CopyAction, ticket: AppendTicket, identity: FullIdentity | null): CreateIntent {
  const intent: CreateIntent = {
    id: ctx.state.nextIntent,
    target: copy.to,
    ticket,
    sourceId: copy.sourceId,
    identity,
    flags: copy.flags,
    pairKey: copy.pairKey,
  };
  ctx.journal.append({ op: 'intent', intent });
  return intent;
}

function completeCopy(ctx: FolderContext, copy: CopyAction, intent: CreateIntent, newId: string, identity: FullIdentity, bytes: number): number {
  const existing = copy.pairKey === null ? undefined : ctx.state.pairs.get(copy.pairKey);
  const pair: Pair = existing
    ? { ...existing, flags: copy.flags }
    : { key: ctx.state.nextKey, remote: null, local: null, flags: copy.flags, identity };
  pair[copy.to] = newId;
  if (!existing) pair[otherSide(copy.to)] = copy.sourceId;
  ctx.journal.append({ op: 'pair', pair });
  ctx.journal.append({ op: 'intentDone', id: intent.id });
  ctx.summary.copied[eachWayKey(copy.to)]++;
  ctx.summary.bytes[eachWayKey(copy.to)] += bytes;
  return pair.key;
}

const NAMED_REFUSALS = 5;

/** Runs one message's read or write; a refusal of that message alone is recorded as pending, not thrown. */
async function skipIfRefused<T>(ctx: FolderContext, copy: CopyAction, work: () => Promise<T>): Promise<T | 'refused'> {
  try {
    return await work();
  } catch (err) {
    if (!isRefusedMessage(err)) throw err;
    const reason = describeError(err);
    notDone(ctx, 'copies', copy.to, reason);
    // The first few by name, so they can be found; the folder's outcome gives the count.
    const { copies } = ctx.summary.pending;
    if (copies.toLocal + copies.toRemote <= NAMED_REFUSALS) ctx.summary.notes.push(`message ${copy.sourceId} on the ${otherSide(copy.to)} side was not copied (${reason})`);
    return 'refused';
  }
}

function vanished(ctx: FolderContext): void {
  // Deleted by someone else since we listed it: nothing to copy; next run sees it gone.
  ctx.summary.vanished++;
}

/** Passes a stream through while hashing it, so identity costs no second read. */
function hashing(source: NodeJS.ReadableStream): { stream: Transform; digest: () => [FullIdentity, number] } {
  const hasher = new IdentityHasher();
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, next) {
      hasher.update(chunk);
      size += chunk.length;
      next(null, chunk);
    },
  });
  source.on('error', (err) => stream.destroy(err));
  source.pipe(stream);
  return { stream, digest: () => [hasher.digest(), size] };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
