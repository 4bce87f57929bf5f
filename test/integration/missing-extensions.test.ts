import { link, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import type { ImapFixture } from '../support/imap-fixture.js';
import { deliverLocal, folderDir, localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { SyncWorld, type CliResult } from '../support/sync-world.js';

/**
 * Servers that lack UIDPLUS (Courier, Cyrus configurations) or MOVE, imitated by a Dovecot
 * that announces everything it has except those. Dovecot still sends APPENDUID and COPYUID;
 * the engine relies only on what a server announces, so these runs take the paths a server
 * that really lacks them makes it take. The replica, when IMAP, lacks them too (same server).
 */
const DOVECOT_CAPS = [
  'IMAP4rev1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'SORT', 'SORT=DISPLAY', 'THREAD=REFERENCES', 'THREAD=REFS',
  'THREAD=ORDEREDSUBJECT', 'MULTIAPPEND', 'URL-PARTIAL', 'CATENATE', 'UNSELECT', 'CHILDREN', 'NAMESPACE', 'UIDPLUS', 'LIST-EXTENDED',
  'I18NLEVEL=1', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'ESORT', 'SEARCHRES', 'WITHIN', 'CONTEXT=SEARCH', 'LIST-STATUS', 'BINARY', 'MOVE',
  'SNIPPET=FUZZY', 'PREVIEW=FUZZY', 'PREVIEW', 'STATUS=SIZE', 'SAVEDATE', 'LITERAL+', 'NOTIFY', 'SPECIAL-USE',
];
const without = (...missing: string[]) => DOVECOT_CAPS.filter((c) => !missing.includes(c)).join(' ');

let bare: DovecotServer;
let moveOnly: DovecotServer;
beforeAll(async () => {
  [bare, moveOnly] = await Promise.all([startDovecot({ capability: without('UIDPLUS', 'MOVE') }), startDovecot({ capability: without('UIDPLUS') })]);
});
afterAll(async () => {
  await Promise.all([bare?.stop(), moveOnly?.stop()]);
});

const subjectOf = (b: Buffer) => /^Subject: (.*)\r$/m.exec(b.toString('latin1'))![1]!;
const msg = (s: string) => makeMessage({ subject: s, messageId: `<${s}@caps.test>`, body: `Body of ${s}.\r\n` });

/** Past the 2 s in which a Maildir directory's mtime vouches for nothing. */
const settle = () => new Promise((r) => setTimeout(r, 2300));

function folderOf(r: CliResult | SyncSummary, folder: string): FolderSummary {
  const summary = 'stdout' in r ? (JSON.parse(r.stdout) as SyncSummary) : r;
  const f = summary.accounts[0]?.folders.find((x) => x.folder === folder);
  if (!f) throw new Error(`no ${folder} in ${JSON.stringify(summary)}`);
  return f;
}

const totals = (s: SyncSummary) =>
  s.accounts[0]!.folders.reduce(
    (t, f) => ({ copied: t.copied + f.copied.toLocal + f.copied.toRemote, deleted: t.deleted + f.deleted.toLocal + f.deleted.toRemote, paired: t.paired + f.paired }),
    { copied: 0, deleted: 0, paired: 0 },
  );

async function imapMove(fx: ImapFixture, from: string, uids: number[], to: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(from));
  try {
    if (!(await fx.client.messageMove(uids.join(','), fx.serverName(to), { uid: true }))) throw new Error('move failed');
  } finally {
    lock.release();
  }
}

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('servers without UIDPLUS or MOVE, %s', (_name, localImap) => {
  async function addLocal(w: SyncWorld, folder: string, bytes: Buffer, flags: string[] = []): Promise<void> {
    if (w.localImap) await w.localImap.append(folder, bytes, { flags });
    else await deliverLocal(w.maildir, folder, bytes, flags.length > 0 ? { letters: flags.map((f) => ({ '\\Seen': 'S', '\\Flagged': 'F' })[f]!).join('') } : {});
  }

  async function localSubjects(w: SyncWorld, folder: string): Promise<string[]> {
    const all = w.localImap ? (await w.localImap.messages(folder)).map((m) => m.bytes) : (await localMessages(w.maildir, folder)).map((m) => m.bytes);
    return all.map(subjectOf).sort();
  }

  async function localIdOf(w: SyncWorld, folder: string, s: string): Promise<string> {
    if (w.localImap) return String((await w.localImap.messages(folder)).find((m) => subjectOf(m.bytes) === s)!.uid);
    return (await localMessages(w.maildir, folder)).find((m) => subjectOf(m.bytes) === s)!.unique;
  }

  async function moveLocal(w: SyncWorld, s: string, from: string, to: string): Promise<void> {
    const id = await localIdOf(w, from, s);
    if (w.localImap) return imapMove(w.localImap, from, [Number(id)], to);
    const m = (await localMessages(w.maildir, from)).find((x) => x.unique === id)!;
    const name = m.file.split('/')[1]!;
    await link(join(folderDir(w.maildir, from), m.file), join(folderDir(w.maildir, to), 'cur', name.includes(':2,') ? name : `${name}:2,`));
    await unlink(join(folderDir(w.maildir, from), m.file));
  }

  it('a first sync without APPENDUID pairs every message it copies exactly once: the next run copies nothing', async () => {
    const w = await SyncWorld.create(bare, { localImap });
    const up = ['up1', 'up2', 'up3', 'up4'];
    const down = ['down1', 'down2', 'down3'];
    for (const s of up) await addLocal(w, 'INBOX', msg(s), s === 'up2' ? ['\\Seen'] : []);
    // Two copies of one message: two messages to pair, each with its own copy.
    await addLocal(w, 'INBOX', msg('twice'));
    await addLocal(w, 'INBOX', msg('twice'));
    for (const s of down) await w.remote.append('INBOX', msg(s), { flags: s === 'down1' ? ['\\Flagged'] : [] });

    const first = await w.syncJson();
    expect(folderOf(first, 'INBOX').copied).toEqual({ toLocal: down.length, toRemote: up.length + 2 });
    const all = [...up, ...down, 'twice', 'twice'].sort();
    expect((await w.remote.messages('INBOX')).map((m) => subjectOf(m.bytes)).sort()).toEqual(all);
    expect(await localSubjects(w, 'INBOX')).toEqual(all);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));

    const second = await w.syncJson();
    expect(totals(second)).toEqual({ copied: 0, deleted: 0, paired: 0 });
    expect(folderOf(second, 'INBOX').duplicatesRemoved).toBe(0);
    expect((await w.remote.messages('INBOX')).length).toBe(all.length);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });

  it('a move carried out with MOVE but without COPYUID is paired in the destination, never copied there again', async () => {
    const w = await SyncWorld.create(moveOnly, { localImap });
    await w.remote.createFolder('Archive');
    for (const s of ['m1', 'm2']) await w.remote.append('INBOX', msg(s));
    await w.syncJson();
    await moveLocal(w, 'm1', 'INBOX', 'Archive');
    // Old enough that the replica's folders vouch for their state: the next runs trust them.
    await settle();
    const moved = await w.syncJson();
    expect(folderOf(moved, 'Archive').moved).toEqual({ toLocal: 0, toRemote: 1 });
    expect(totals(moved).copied).toBe(0);
    expect((await w.remote.messages('Archive')).map((m) => subjectOf(m.bytes))).toEqual(['m1']);

    const after = await w.syncJson();
    expect(totals(after).copied).toBe(0);
    expect(await localSubjects(w, 'Archive')).toEqual(['m1']);
    expect(await localSubjects(w, 'INBOX')).toEqual(['m2']);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    const quiet = await w.syncJson();
    expect(totals(quiet)).toEqual({ copied: 0, deleted: 0, paired: 0 });
    await w.close();
  });
});
