import { link, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import { capabilityWithout, startDovecot, type DovecotServer } from '../support/dovecot.js';
import type { ImapFixture } from '../support/imap-fixture.js';
import { deleteLocal, deliverLocal, folderDir, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { runCommand } from '../../electron/engine/store/imap/raw-command.js';
import { SyncWorld, type CliResult } from '../support/sync-world.js';

/**
 * Servers that lack UIDPLUS (Courier, Cyrus configurations) or MOVE, imitated by a Dovecot
 * that announces everything it has except those. Dovecot still sends APPENDUID and COPYUID;
 * the engine relies only on what a server announces, so these runs take the paths a server
 * that really lacks them makes it take. The replica, when IMAP, lacks them too (same server).
 */
let bare: DovecotServer;
let moveOnly: DovecotServer;
beforeAll(async () => {
  [bare, moveOnly] = await Promise.all([startDovecot({ capability: capabilityWithout('UIDPLUS', 'MOVE') }), startDovecot({ capability: capabilityWithout('UIDPLUS') })]);
});
afterAll(async () => {
  await Promise.all([bare?.stop(), moveOnly?.stop()]);
});

const subjectOf = (b: Buffer) => /^Subject: (.*?)\r?$/m.exec(b.toString('latin1'))![1]!;
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

/** Another client on the server marks a message \\Deleted (and leaves the expunge for later). */
async function markDeleted(fx: ImapFixture, folder: string, s: string): Promise<number> {
  const uid = (await fx.messages(folder)).find((m) => subjectOf(m.bytes) === s)!.uid;
  await fx.addFlags(folder, [uid], ['\\Deleted']);
  return uid;
}

/**
 * That client expunges its own message and nothing else. A real client of a server without
 * UIDPLUS could not; Dovecot takes UID EXPUNGE though it does not announce it, which stands in
 * for any way the message goes (the client's EXPUNGE ran when nothing else was marked, or the
 * client took its mark back).
 */
async function expungeOnly(fx: ImapFixture, folder: string, uid: number): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(folder));
  try {
    await runCommand(fx.client, 'UID EXPUNGE', [{ type: 'SEQUENCE', value: String(uid) }]);
  } finally {
    lock.release();
  }
}

async function remoteSubjects(w: SyncWorld, folder: string): Promise<string[][]> {
  return (await w.remote.messages(folder)).map((m) => [subjectOf(m.bytes), ...m.flags]).sort((a, b) => a[0]!.localeCompare(b[0]!));
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

  async function deleteOnLocal(w: SyncWorld, folder: string, s: string): Promise<void> {
    const id = await localIdOf(w, folder, s);
    if (w.localImap) await w.localImap.expunge(folder, [Number(id)]);
    else await deleteLocal(w.maildir, folder, id);
  }

  async function flagOnLocal(w: SyncWorld, folder: string, s: string): Promise<void> {
    const id = await localIdOf(w, folder, s);
    if (w.localImap) await w.localImap.addFlags(folder, [Number(id)], ['\\Flagged']);
    else await setLocalLetters(w.maildir, folder, id, 'F');
  }

  it('deletions go through with EXPUNGE when no other message in the folder is marked \\Deleted, both ways', async () => {
    const w = await SyncWorld.create(bare, { localImap });
    for (const s of ['keep', 'gone-here', 'gone-there']) await w.remote.append('INBOX', msg(s));
    await w.syncJson();
    await deleteOnLocal(w, 'INBOX', 'gone-here');
    const uid = (await w.remote.messages('INBOX')).find((m) => subjectOf(m.bytes) === 'gone-there')!.uid;
    await w.remote.expunge('INBOX', [uid]);
    const r = await w.sync(['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(folderOf(r, 'INBOX')).toMatchObject({ outcome: 'synced', deleted: { toLocal: 1, toRemote: 1 }, pending: { deletes: { toLocal: 0, toRemote: 0 } } });
    expect(await remoteSubjects(w, 'INBOX')).toEqual([['keep']]);
    expect(await localSubjects(w, 'INBOX')).toEqual(['keep']);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });

  it('another client\'s message marked \\Deleted: ours stay marked, theirs is not expunged, the rest of the folder syncs, the run says why and exits 1 until that message is gone', async () => {
    const w = await SyncWorld.create(bare, { localImap });
    for (const s of ['keep', 'flag-me', 'gone-1', 'gone-2', 'theirs']) await w.remote.append('INBOX', msg(s));
    await w.syncJson();
    const theirs = await markDeleted(w.remote, 'INBOX', 'theirs');
    await deleteOnLocal(w, 'INBOX', 'gone-1');
    await deleteOnLocal(w, 'INBOX', 'gone-2');
    await flagOnLocal(w, 'INBOX', 'flag-me');
    await addLocal(w, 'INBOX', msg('new-here'));
    await w.remote.append('INBOX', msg('new-there'));

    const first = await w.sync(['--json']);
    expect(first.code, first.stderr).toBe(1);
    const f1 = folderOf(first, 'INBOX');
    expect(f1.outcome).toBe('incomplete');
    expect(f1.pending.deletes).toEqual({ toLocal: 0, toRemote: 2 });
    expect(f1.deleted).toEqual({ toLocal: 0, toRemote: 0 });
    // Everything else in the folder was carried out in the same pass.
    expect(f1.copied).toEqual({ toLocal: 1, toRemote: 1 });
    expect(f1.flagUpdates.toRemote).toBeGreaterThanOrEqual(1);
    expect(f1.error).toMatch(/^2 messages deleted on the local side but still on the server \(the server lacks UIDPLUS .*marked \\Deleted.*\); tried again at every sync$/);
    const notes = f1.notes.filter((n) => /UIDPLUS/.test(n));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/"INBOX" on the server: .*another client.*expunge/);
    expect(await remoteSubjects(w, 'INBOX')).toEqual([
      ['flag-me', '\\Flagged'],
      ['gone-1', '\\Deleted'],
      ['gone-2', '\\Deleted'],
      ['keep'],
      ['new-here'],
      ['new-there'],
      ['theirs', '\\Deleted'],
    ]);
    // Nothing of ours comes back to the replica; their mark is carried over like any flag.
    expect(await localSubjects(w, 'INBOX')).toEqual(['flag-me', 'keep', 'new-here', 'new-there', 'theirs']);

    // Every later run retries, also once the replica is old enough to look unchanged.
    for (const wait of [false, true]) {
      if (wait) await settle();
      const again = await w.sync(['--json']);
      expect(again.code, again.stderr).toBe(1);
      const f = folderOf(again, 'INBOX');
      expect(f).toMatchObject({ outcome: 'incomplete', pending: { deletes: { toLocal: 0, toRemote: 2 } }, copied: { toLocal: 0, toRemote: 0 } });
      expect(await localSubjects(w, 'INBOX')).toEqual(['flag-me', 'keep', 'new-here', 'new-there', 'theirs']);
    }
    expect((await w.status()).stdout).toMatch(/NOT IN STEP: 2 messages deleted on (this computer|the local account) but still on the server \(the server lacks UIDPLUS/);

    // That client expunges its message: the next run expunges ours, and all is in step.
    await expungeOnly(w.remote, 'INBOX', theirs);
    const healed = await w.sync(['--json']);
    expect(healed.code, healed.stderr).toBe(0);
    const f2 = folderOf(healed, 'INBOX');
    expect(f2).toMatchObject({ outcome: 'synced', deleted: { toLocal: 1, toRemote: 2 }, pending: { deletes: { toLocal: 0, toRemote: 0 } } });
    expect(await remoteSubjects(w, 'INBOX')).toEqual([['flag-me', '\\Flagged'], ['keep'], ['new-here'], ['new-there']]);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    expect((await w.status()).stdout).not.toMatch(/NOT IN STEP/);
    const after = await w.syncJson();
    expect(totals(after)).toEqual({ copied: 0, deleted: 0, paired: 0 });
    await w.close();
  });

  it('a move on the replica is carried out on the server as COPY and a delete: one copy each side, in the destination, with its flags', async () => {
    const w = await SyncWorld.create(bare, { localImap });
    await w.remote.createFolder('Archive');
    for (const s of ['m1', 'm2', 'm3']) await w.remote.append('INBOX', msg(s), { flags: s === 'm1' ? ['\\Seen'] : [] });
    await w.syncJson();
    await moveLocal(w, 'm1', 'INBOX', 'Archive');
    await flagOnLocal(w, 'Archive', 'm1');
    const r = await w.syncJson();
    expect(folderOf(r, 'Archive').moved).toEqual({ toLocal: 0, toRemote: 1 });
    for (const f of r.accounts[0]!.folders) {
      expect(f.copied).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.bytes).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.deleted).toEqual({ toLocal: 0, toRemote: 0 });
    }
    expect(await remoteSubjects(w, 'INBOX')).toEqual([['m2'], ['m3']]);
    // Both sides' changes since the last sync, merged: the Maildir's new letters (F) replaced S.
    const flagged = localImap ? ['m1', '\\Flagged', '\\Seen'] : ['m1', '\\Flagged'];
    expect(await remoteSubjects(w, 'Archive')).toEqual([flagged]);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    const again = await w.syncJson();
    expect(totals(again).copied).toBe(0);
    expect(await localSubjects(w, 'Archive')).toEqual(['m1']);
    expect(await remoteSubjects(w, 'Archive')).toEqual([flagged]);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });

  it('a move whose source copy cannot be expunged: in the destination once, the marked copy never comes back, retried until it can go', async () => {
    const w = await SyncWorld.create(bare, { localImap });
    await w.remote.createFolder('Archive');
    for (const s of ['m1', 'm2', 'theirs']) await w.remote.append('INBOX', msg(s));
    await w.syncJson();
    const theirs = await markDeleted(w.remote, 'INBOX', 'theirs');
    await moveLocal(w, 'm1', 'INBOX', 'Archive');
    const first = await w.sync(['--json']);
    expect(first.code, first.stderr).toBe(1);
    expect(folderOf(first, 'Archive')).toMatchObject({ outcome: 'synced', moved: { toLocal: 0, toRemote: 1 } });
    expect(folderOf(first, 'INBOX')).toMatchObject({ outcome: 'incomplete', pending: { deletes: { toLocal: 0, toRemote: 1 } } });
    expect(await remoteSubjects(w, 'Archive')).toEqual([['m1']]);
    expect(await remoteSubjects(w, 'INBOX')).toEqual([['m1', '\\Deleted'], ['m2'], ['theirs', '\\Deleted']]);

    for (const wait of [false, true]) {
      if (wait) await settle();
      const again = await w.sync(['--json']);
      expect(again.code, again.stderr).toBe(1);
      expect(totals(JSON.parse(again.stdout) as SyncSummary).copied).toBe(0);
      expect(folderOf(again, 'INBOX')).toMatchObject({ outcome: 'incomplete', pending: { deletes: { toLocal: 0, toRemote: 1 } } });
      expect(await localSubjects(w, 'INBOX')).toEqual(['m2', 'theirs']);
      expect(await localSubjects(w, 'Archive')).toEqual(['m1']);
      expect(await remoteSubjects(w, 'Archive')).toEqual([['m1']]);
    }

    await expungeOnly(w.remote, 'INBOX', theirs);
    const healed = await w.sync(['--json']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(await remoteSubjects(w, 'INBOX')).toEqual([['m2']]);
    expect(await remoteSubjects(w, 'Archive')).toEqual([['m1']]);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    const after = await w.syncJson();
    expect(totals(after)).toEqual({ copied: 0, deleted: 0, paired: 0 });
    await w.close();
  });

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
