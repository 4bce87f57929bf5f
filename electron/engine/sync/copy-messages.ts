import { Transform } from 'node:stream';
import type { FullIdentity } from '../../../shared/identity.js';
import { fullIdentityOf, IdentityHasher } from '../identity-hasher.js';
import type { CopyAction } from '../plan/folder-plan.js';
import { otherSide, type CreateIntent, type Pair, type Side } from '../state/folder-state.js';
import type { AppendTicket } from '../store/mail-store.js';
import { eachWayKey, pairedIds, type FolderContext } from './folder-context.js';

/** Maildir copies journal their intents this many at a time (one fsync per batch). */
const MAILDIR_BATCH = 64;

/**
 * Carries out the plan's copies, exactly once across crashes: every create is journaled as an
 * intent (durable) before it is attempted, and the pair plus "intent done" are journaled after
 * the copy is durable on the target. See recover-intents.ts for the other half.
 */
export async function copyMessages(ctx: FolderContext, copies: CopyAction[]): Promise<void> {
  let done = 0;
  const report = () =>
    ctx.reporter.progress({
      account: ctx.account,
      folder: ctx.folder,
      phase: 'copying',
      messagesDone: done,
      messagesTotal: copies.length,
      bytesDone: ctx.summary.bytes.toLocal + ctx.summary.bytes.toRemote,
    });
  for (const to of ['local', 'remote'] as const) {
    const mine = copies.filter((c) => c.to === to);
    const buffered = ctx.sessions[to].status.uidValidity !== 'maildir';
    const batchSize = buffered ? 1 : MAILDIR_BATCH;
    const uploaded: number[] = [];
    for (let i = 0; i < mine.length; i += batchSize) {
      const batch = mine.slice(i, i + batchSize);
      if (buffered) {
        const key = await copyBuffered(ctx, batch[0]!);
        if (key !== null) uploaded.push(key);
      } else {
        await copyStreamedBatch(ctx, batch);
      }
      done += batch.length;
      report();
    }
    if (uploaded.length > 0) await adoptServerIdentities(ctx, to, uploaded);
  }
  await ctx.journal.sync('copies recorded');
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

/**
 * To IMAP: the message is read whole (APPEND needs its size up front) and its identity
 * journaled. Returns the key of the pair made, or null when the source had vanished.
 */
async function copyBuffered(ctx: FolderContext, copy: CopyAction): Promise<number | null> {
  const source = ctx.sessions[otherSide(copy.to)];
  const target = ctx.sessions[copy.to];
  const content = await source.read(copy.sourceId);
  if (!content) {
    vanished(ctx);
    return null;
  }
  const bytes = await collect(content.stream);
  const identity = fullIdentityOf(bytes);
  const ticket = await target.appendTicket();
  const intent = journalIntent(ctx, copy, ticket, identity);
  await ctx.journal.sync('intent to copy');
  let id = await target.append({ ticket, content: bytes, flags: copy.flags, internalDate: content.internalDate });
  if (id === null) {
    // No APPENDUID: find the copy we just made by its identity among UIDs from the ticket on.
    const found = await target.recoverAppend(ticket, identity, pairedIds(ctx.state, copy.to));
    id = found[found.length - 1] ?? null;
    if (id === null) throw new Error(`the server accepted a message but it cannot be found in "${ctx.folder}"`);
  }
  return completeCopy(ctx, copy, intent, id, identity, bytes.length);
}

/** To Maildir: streamed straight to tmp/ while hashing, in batches sharing one intent fsync. */
async function copyStreamedBatch(ctx: FolderContext, batch: CopyAction[]): Promise<void> {
  const target = (to: Side) => ctx.sessions[to];
  const planned: { copy: CopyAction; ticket: AppendTicket; intent: CreateIntent }[] = [];
  for (const copy of batch) {
    const ticket = await target(copy.to).appendTicket();
    planned.push({ copy, ticket, intent: journalIntent(ctx, copy, ticket, null) });
  }
  await ctx.journal.sync('intent to copy');
  for (const { copy, ticket, intent } of planned) {
    const content = await ctx.sessions[otherSide(copy.to)].read(copy.sourceId);
    if (!content) {
      ctx.journal.append({ op: 'intentDone', id: intent.id });
      vanished(ctx);
      continue;
    }
    const hasher = new IdentityHasher();
    let size = 0;
    // Hashes the bytes on their way to the file, so identity costs no second read.
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hasher.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    content.stream.on('error', (err) => tee.destroy(err));
    content.stream.pipe(tee);
    const id = await target(copy.to).append({ ticket, content: tee, flags: copy.flags, internalDate: content.internalDate });
    if (id === null) throw new Error(`could not store a message in "${ctx.folder}"`);
    completeCopy(ctx, copy, intent, id, hasher.digest(), size);
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

function vanished(ctx: FolderContext): void {
  // Deleted by someone else since we listed it: nothing to copy; next run sees it gone.
  ctx.summary.vanished++;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
