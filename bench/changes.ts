import type { DovecotServer, DovecotUser } from '../test/support/dovecot.js';
import { connect, type ImapFixture } from '../test/support/imap-fixture.js';
import { corpusFolders, corpusMessage, prng, type CorpusSpec } from './corpus.js';

/** What one round of W3/W6 does to the server, as fractions of the messages there. */
export const CHANGE_RATES = { flagged: 0.01, added: 0.01, expunged: 0.005, moved: 0.002 };

export type ChangeCounts = Record<keyof typeof CHANGE_RATES, number>;

interface Listed {
  folder: string;
  uid: number;
  seen: boolean;
}

/**
 * Applies one deterministic round of changes on the server through a plain IMAP client: \Seen
 * toggled, new messages appended, some expunged, some moved to the next folder. Every tool then
 * syncs the same delta.
 */
export async function applyChanges(server: DovecotServer, user: DovecotUser, spec: CorpusSpec, round: number): Promise<ChangeCounts> {
  const folders = corpusFolders(spec).map((f) => f.name);
  const fx = await connect(server, user);
  try {
    const all = await listAll(fx, folders);
    const count = (rate: number) => Math.max(1, Math.round(all.length * rate));
    const counts: ChangeCounts = {
      flagged: count(CHANGE_RATES.flagged),
      added: count(CHANGE_RATES.added),
      expunged: count(CHANGE_RATES.expunged),
      moved: count(CHANGE_RATES.moved),
    };
    const rand = prng(spec.seed, 0x0c4a96e5, round);
    const picked = pick(all, counts.expunged + counts.moved + counts.flagged, rand);
    const expunged = picked.slice(0, counts.expunged);
    const moved = picked.slice(counts.expunged, counts.expunged + counts.moved);
    const flagged = picked.slice(counts.expunged + counts.moved);

    for (const [folder, msgs] of byFolder(flagged)) {
      const seen = msgs.filter((m) => m.seen).map((m) => m.uid);
      const unseen = msgs.filter((m) => !m.seen).map((m) => m.uid);
      if (seen.length) await fx.removeFlags(folder, seen, ['\\Seen']);
      if (unseen.length) await fx.addFlags(folder, unseen, ['\\Seen']);
    }
    for (const [folder, msgs] of byFolder(expunged)) await fx.expunge(folder, msgs.map((m) => m.uid));
    for (const [folder, msgs] of byFolder(moved)) {
      const target = folders[(folders.indexOf(folder) + 1) % folders.length]!;
      await move(fx, folder, msgs.map((m) => m.uid), target);
    }
    for (let j = 0; j < counts.added; j++) {
      const folder = folders[Math.floor(rand() * folders.length)]!;
      // Indexes far above any corpus size, so new messages never repeat a corpus message.
      const m = corpusMessage(spec, 50_000_000 + round * 1_000_000 + j, folder);
      await fx.append(folder, Buffer.from(m.bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'), { internalDate: m.internalDate });
    }
    return counts;
  } finally {
    await fx.close();
  }
}

async function listAll(fx: ImapFixture, folders: string[]): Promise<Listed[]> {
  const out: Listed[] = [];
  for (const folder of folders) {
    const lock = await fx.client.getMailboxLock(fx.serverName(folder));
    try {
      if (!fx.client.mailbox || fx.client.mailbox.exists === 0) continue;
      for await (const m of fx.client.fetch('1:*', { uid: true, flags: true }, { uid: true })) {
        out.push({ folder, uid: m.uid, seen: m.flags?.has('\\Seen') ?? false });
      }
    } finally {
      lock.release();
    }
  }
  return out;
}

/** n distinct elements, chosen by a partial Fisher-Yates shuffle. */
function pick<T>(xs: T[], n: number, rand: () => number): T[] {
  const a = [...xs];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

function byFolder(msgs: Listed[]): Map<string, Listed[]> {
  const out = new Map<string, Listed[]>();
  for (const m of msgs) out.set(m.folder, [...(out.get(m.folder) ?? []), m]);
  return out;
}

async function move(fx: ImapFixture, folder: string, uids: number[], target: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(folder));
  try {
    if (!(await fx.client.messageMove(uids.join(','), fx.serverName(target), { uid: true }))) throw new Error(`MOVE from ${folder} failed`);
  } finally {
    lock.release();
  }
}
