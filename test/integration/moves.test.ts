import { link, mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import type { ImapFixture } from '../support/imap-fixture.js';
import { deleteLocal, folderDir, localFolderNames, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function imapMove(fx: ImapFixture, from: string, uids: number[], to: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(from));
  try {
    await fx.client.messageMove(uids.join(','), fx.serverName(to), { uid: true });
  } finally {
    lock.release();
  }
}

/** Moves a file between Maildir folders keeping its base name, as mail clients do. */
async function maildirMove(root: string, from: string, unique: string, to: string): Promise<void> {
  const m = (await localMessages(root, from)).find((x) => x.unique === unique)!;
  const name = m.file.split('/')[1]!;
  await link(join(folderDir(root, from), m.file), join(folderDir(root, to), 'cur', name.includes(':2,') ? name : `${name}:2,`));
  await unlink(join(folderDir(root, from), m.file));
}

const subject = (b: Buffer) => /Subject: (.*?)\r?\n/.exec(b.toString('latin1'))![1];

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('moves, %s', (_name, localImap) => {
  async function synced(n = 3): Promise<{ w: SyncWorld; uids: number[] }> {
    const w = await SyncWorld.create(server, { localImap });
    await w.remote.createFolder('Archive');
    const uids = [];
    for (let i = 1; i <= n; i++) uids.push(await w.remote.append('INBOX', makeMessage({ subject: `m${i}` })));
    await w.syncJson();
    return { w, uids };
  }

  async function localIdOf(w: SyncWorld, folder: string, s: string): Promise<string> {
    if (w.localImap) return String((await w.localImap.messages(folder)).find((m) => subject(m.bytes) === s)!.uid);
    return (await localMessages(w.maildir, folder)).find((m) => subject(m.bytes) === s)!.unique;
  }

  async function moveLocal(w: SyncWorld, s: string): Promise<void> {
    const id = await localIdOf(w, 'INBOX', s);
    if (w.localImap) await imapMove(w.localImap, 'INBOX', [Number(id)], 'Archive');
    else await maildirMove(w.maildir, 'INBOX', id, 'Archive');
  }

  it('a move on the server is carried out as a move on the replica, without transferring the message', async () => {
    const { w, uids } = await synced();
    await imapMove(w.remote, 'INBOX', [uids[0]!], 'Archive');
    const r = await w.syncJson();
    const byName = Object.fromEntries(r.accounts[0]!.folders.map((f) => [f.folder, f]));
    expect(byName.Archive!.moved).toEqual({ toLocal: 1, toRemote: 0 });
    for (const f of r.accounts[0]!.folders) {
      expect(f.copied).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.bytes).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.deleted).toEqual({ toLocal: 0, toRemote: 0 });
    }
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    expect((await w.localView(['Archive'])).Archive).toHaveLength(1);
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders.every((f) => f.moved.toLocal + f.copied.toLocal + f.copied.toRemote === 0)).toBe(true);
    await w.close();
  });

  it('a move on the replica is carried out on the server with MOVE, without uploading the message', async () => {
    const { w } = await synced();
    await moveLocal(w, 'm2');
    const r = await w.syncJson();
    const archive = r.accounts[0]!.folders.find((f) => f.folder === 'Archive')!;
    expect(archive.moved).toEqual({ toLocal: 0, toRemote: 1 });
    expect(r.accounts[0]!.folders.every((f) => f.bytes.toRemote === 0 && f.deleted.toRemote === 0)).toBe(true);
    expect((await w.remote.messages('Archive')).map((m) => subject(m.bytes))).toEqual(['m2']);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });

  it('moved on one side and flagged on the other before the sync: one copy, in the destination, with both changes', async () => {
    const { w, uids } = await synced();
    await moveLocal(w, 'm1');
    const moved = await localIdOf(w, 'Archive', 'm1');
    if (w.localImap) await w.localImap.addFlags('Archive', [Number(moved)], ['\\Seen']);
    else await setLocalLetters(w.maildir, 'Archive', moved, 'S');
    await w.remote.addFlags('INBOX', [uids[0]!], ['\\Flagged']);
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders.every((f) => f.conflicts === 0 && f.bytes.toLocal + f.bytes.toRemote === 0)).toBe(true);
    const archive = await w.remote.messages('Archive');
    expect(archive.map((m) => [subject(m.bytes), m.flags.sort()])).toEqual([['m1', ['\\Flagged', '\\Seen']]]);
    expect((await w.remote.messages('INBOX')).map((m) => subject(m.bytes)).sort()).toEqual(['m2', 'm3']);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });

  it('moved on one side and deleted on the other: the move wins, the message ends up in the destination on both', async () => {
    const { w } = await synced();
    const uid = (await w.remote.messages('INBOX')).find((m) => subject(m.bytes) === 'm3')!.uid;
    await imapMove(w.remote, 'INBOX', [uid], 'Archive');
    const id = await localIdOf(w, 'INBOX', 'm3');
    if (w.localImap) await w.localImap.expunge('INBOX', [Number(id)]);
    else await deleteLocal(w.maildir, 'INBOX', id);
    await w.syncJson();
    expect((await w.remote.messages('Archive')).map((m) => subject(m.bytes))).toEqual(['m3']);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });

  it('moved to different folders on the two sides: the remote side\'s folder wins, one copy each side, a conflict to revisit', async () => {
    const { w, uids } = await synced();
    await w.remote.createFolder('Later');
    if (w.localImap) await w.localImap.createFolder('Later');
    else for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(w.maildir, 'Later', sub), { recursive: true });
    await w.syncJson();
    await imapMove(w.remote, 'INBOX', [uids[0]!], 'Archive');
    const id = await localIdOf(w, 'INBOX', 'm1');
    if (w.localImap) await imapMove(w.localImap, 'INBOX', [Number(id)], 'Later');
    else await maildirMove(w.maildir, 'INBOX', id, 'Later');
    const r = await w.syncJson();
    const byName = Object.fromEntries(r.accounts[0]!.folders.map((f) => [f.folder, f]));
    expect(byName.Archive!.conflicts).toBe(1);
    expect(r.accounts[0]!.folders.every((f) => f.bytes.toLocal + f.bytes.toRemote === 0)).toBe(true);
    const folders = ['INBOX', 'Archive', 'Later'];
    const view = await w.remoteView(folders);
    expect(view.Archive).toHaveLength(1);
    expect(view.Later).toHaveLength(0);
    expect(view.INBOX).toHaveLength(2);
    expect(await w.localView(folders)).toEqual(view);
    await w.close();
  });

  // Mail clients and server filters move a message out and back before the next sync; the
  // server gives it a new UID (Exchange also renumbers single messages). Meanwhile the other
  // side changed its flags. Same message: one copy each side, both flag changes, no transfer.
  it('moved out of a folder and back on the server while the replica flagged it: one copy each side, flags merged, nothing copied', async () => {
    const { w, uids } = await synced();
    await imapMove(w.remote, 'INBOX', [uids[1]!], 'Archive');
    const back = (await w.remote.messages('Archive'))[0]!.uid;
    await imapMove(w.remote, 'Archive', [back], 'INBOX');
    await w.remote.addFlags('INBOX', [(await w.remote.messages('INBOX')).at(-1)!.uid], ['\\Seen']);
    const id = await localIdOf(w, 'INBOX', 'm2');
    if (w.localImap) await w.localImap.addFlags('INBOX', [Number(id)], ['\\Flagged']);
    else await setLocalLetters(w.maildir, 'INBOX', id, 'F');
    const r = await w.syncJson();
    for (const f of r.accounts[0]!.folders) {
      expect(f.copied, f.folder).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.conflicts, f.folder).toBe(0);
    }
    const inbox = await w.remote.messages('INBOX');
    expect(inbox.map((m) => [subject(m.bytes), m.flags.sort()])).toEqual([['m1', []], ['m3', []], ['m2', ['\\Flagged', '\\Seen']]]);
    expect(await w.remote.messages('Archive')).toEqual([]);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders.every((f) => f.copied.toLocal + f.copied.toRemote + f.deleted.toLocal + f.deleted.toRemote === 0)).toBe(true);
    await w.close();
  });

  it('moved out of a folder and back on the replica (a new file name or UID) while the server flagged it: one copy each side, flags merged', async () => {
    const { w, uids } = await synced();
    const id = await localIdOf(w, 'INBOX', 'm1');
    if (w.localImap) {
      await imapMove(w.localImap, 'INBOX', [Number(id)], 'Archive');
      const out = await localIdOf(w, 'Archive', 'm1');
      await imapMove(w.localImap, 'Archive', [Number(out)], 'INBOX');
    } else {
      // Out under its own name, back under a new one, as a mail client that re-delivers it would.
      const m = (await localMessages(w.maildir, 'INBOX')).find((x) => x.unique === id)!;
      await rename(join(folderDir(w.maildir, 'INBOX'), m.file), join(folderDir(w.maildir, 'Archive'), 'cur', `${id}:2,S`));
      await rename(join(folderDir(w.maildir, 'Archive'), 'cur', `${id}:2,S`), join(folderDir(w.maildir, 'INBOX'), 'cur', `1800000000.back.testhost:2,S`));
    }
    if (w.localImap) await w.localImap.addFlags('INBOX', [Number(await localIdOf(w, 'INBOX', 'm1'))], ['\\Seen']);
    await w.remote.addFlags('INBOX', [uids[0]!], ['\\Answered']);
    const r = await w.syncJson();
    for (const f of r.accounts[0]!.folders) {
      expect(f.copied, f.folder).toEqual({ toLocal: 0, toRemote: 0 });
      expect(f.conflicts, f.folder).toBe(0);
    }
    const inbox = await w.remote.messages('INBOX');
    expect(inbox.map((m) => [subject(m.bytes), m.flags.sort()])).toEqual([['m1', ['\\Answered', '\\Seen']], ['m2', []], ['m3', []]]);
    expect(inbox[0]!.uid).toBe(uids[0]);
    expect(await w.remote.messages('Archive')).toEqual([]);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });

  it('archiving many messages at once is done as moves, not stopped as a mass delete', async () => {
    const { w, uids } = await synced(40);
    await imapMove(w.remote, 'INBOX', uids.slice(0, 35), 'Archive');
    const r = await w.syncJson();
    const archive = r.accounts[0]!.folders.find((f) => f.folder === 'Archive')!;
    expect(archive.moved.toLocal).toBe(35);
    expect(r.accounts[0]!.folders.every((f) => f.outcome !== 'stopped' && f.bytes.toLocal === 0)).toBe(true);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    await w.close();
  });
});

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('folder renames, %s', (_name, localImap) => {
  it('a folder renamed on the server is renamed on the replica, not copied again', async () => {
    const w = await SyncWorld.create(server, { localImap });
    await w.remote.createFolder('Projects');
    await w.remote.createFolder('Projects/Old');
    for (let i = 0; i < 3; i++) await w.remote.append('Projects', makeMessage({ subject: `p${i}` }));
    await w.remote.append('Projects/Old', makeMessage({ subject: 'nested' }));
    await w.syncJson();
    await w.remote.client.mailboxRename(w.remote.serverName('Projects'), w.remote.serverName('Clients'));
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders.every((f) => f.bytes.toLocal + f.bytes.toRemote === 0 && f.copied.toLocal + f.copied.toRemote === 0)).toBe(true);
    const folders = ['INBOX', 'Clients', 'Clients/Old'];
    expect(await w.localView(folders)).toEqual(await w.remoteView(folders));
    expect((await w.localView(['Clients'])).Clients).toHaveLength(3);
    if (!w.localImap) expect(await localFolderNames(w.maildir)).toEqual(['Clients', 'Clients/Old', 'INBOX']);
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders.every((f) => f.copied.toLocal + f.copied.toRemote + f.deleted.toLocal + f.deleted.toRemote === 0)).toBe(true);
    await w.close();
  });

  it('a folder renamed on the replica is renamed on the server', async () => {
    const w = await SyncWorld.create(server, { localImap });
    await w.remote.createFolder('Work');
    for (let i = 0; i < 3; i++) await w.remote.append('Work', makeMessage({ subject: `w${i}` }));
    await w.syncJson();
    if (w.localImap) await w.localImap.client.mailboxRename(w.localImap.serverName('Work'), w.localImap.serverName('Job'));
    else await rename(join(w.maildir, 'Work'), join(w.maildir, 'Job'));
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders.every((f) => f.bytes.toRemote === 0 && f.deleted.toRemote === 0)).toBe(true);
    const names = (await w.remote.client.list()).map((b) => b.path).sort();
    expect(names).toEqual(['INBOX', 'Job']);
    expect((await w.remote.messages('Job')).length).toBe(3);
    await w.close();
  });
});
