import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConflictSides } from '../../shared/conflict-sides.js';
import { accountOverview } from '../../electron/engine/host/account-overview.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import { deleteLocal, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

/**
 * What the engine records about each side of a conflict, against a real Dovecot: the
 * message's headers read from the side that still has it (IMAP or Maildir), each side's flags,
 * and the counts of folder conflicts, as the app's overview reads them from the state.
 */

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

// An encoded subject and a quoted sender: what is recorded is what a person reads.
const SUBJECT = 'Quarterly report: please review – Q3';
const ENCODED_SUBJECT = '=?utf-8?q?Quarterly_report=3A_please_review_=E2=80=93?= Q3';
const FROM = 'Alice <alice@example.org>';
const DATE = new Date('2024-03-01T10:00:00Z');

async function recorded(w: SyncWorld): Promise<{ folder: string; kind: string; sides: ConflictSides | null }[]> {
  const overview = await accountOverview(join(w.dir, 'state'), 'test');
  return overview.folders.flatMap((f) => f.conflicts.map((c) => ({ folder: f.folder, kind: c.kind, sides: c.sides })));
}

async function withDisputed(): Promise<{ w: SyncWorld; uid: number; size: number; unique: string }> {
  const w = await SyncWorld.create(server);
  const bytes = makeMessage({ subject: ENCODED_SUBJECT, date: DATE });
  const uid = await w.remote.append('INBOX', bytes, { flags: ['\\Seen'] });
  await w.remote.append('INBOX', makeMessage({ subject: 'bystander' }));
  await w.syncJson();
  const local = (await localMessages(w.maildir, 'INBOX')).find((m) => m.bytes.includes('Quarterly'))!;
  return { w, uid, size: bytes.length, unique: local.unique };
}

describe('the sides of a recorded conflict', () => {
  it('deleted here, flagged on the server: the server copy\'s headers and flags, and the flags it had here', async () => {
    const { w, uid, size, unique } = await withDisputed();
    await deleteLocal(w.maildir, 'INBOX', unique);
    await w.remote.addFlags('INBOX', [uid], ['\\Flagged']);
    await w.syncJson();
    const message = { subject: SUBJECT, from: FROM, date: DATE.toISOString(), size };
    expect(await recorded(w)).toEqual([
      {
        folder: 'INBOX',
        kind: 'delete-vs-change',
        sides: {
          remote: { change: 'flags-changed', folder: 'INBOX', message: { ...message, flags: ['\\Flagged', '\\Seen'], present: true } },
          local: { change: 'deleted', folder: 'INBOX', message: { ...message, flags: ['\\Seen'], present: false } },
        },
      },
    ]);
    await w.close();
  });

  it('deleted on the server, flagged here: the headers come from the Maildir file', async () => {
    const { w, uid, size, unique } = await withDisputed();
    await w.remote.expunge('INBOX', [uid]);
    await setLocalLetters(w.maildir, 'INBOX', unique, 'FS');
    await w.syncJson();
    const [c] = await recorded(w);
    expect(c!.sides).toEqual({
      remote: { change: 'deleted', folder: 'INBOX', message: { subject: SUBJECT, from: FROM, date: DATE.toISOString(), size, flags: ['\\Seen'], present: false } },
      local: { change: 'flags-changed', folder: 'INBOX', message: { subject: SUBJECT, from: FROM, date: DATE.toISOString(), size, flags: ['\\Flagged', '\\Seen'], present: true } },
    });
    await w.close();
  });

  it('moved to different folders: where each side put it, from where, with each side\'s flags', async () => {
    const { w, uid, size, unique } = await withDisputed();
    for (const f of ['Archive', 'Later']) {
      await w.remote.createFolder(f);
      for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(w.maildir, f, sub), { recursive: true });
    }
    await w.syncJson();
    const lock = await w.remote.client.getMailboxLock(w.remote.serverName('INBOX'));
    try {
      await w.remote.client.messageMove(String(uid), w.remote.serverName('Archive'), { uid: true });
    } finally {
      lock.release();
    }
    // A mail client here moves it elsewhere, flagging it on the way.
    const m = (await localMessages(w.maildir, 'INBOX')).find((x) => x.unique === unique)!;
    await rename(join(w.maildir, 'INBOX', m.file), join(w.maildir, 'Later', 'cur', `${unique}:2,FS`));
    await w.syncJson();
    const message = { subject: SUBJECT, from: FROM, date: DATE.toISOString(), size, present: true };
    expect(await recorded(w)).toEqual([
      {
        folder: 'Archive',
        kind: 'moved-to-different-folders',
        sides: {
          remote: { change: 'moved', folder: 'Archive', previousFolder: 'INBOX', message: { ...message, flags: ['\\Seen'] } },
          local: { change: 'moved', folder: 'Later', previousFolder: 'INBOX', message: { ...message, flags: ['\\Flagged', '\\Seen'] } },
        },
      },
    ]);
    await w.close();
  });

  it('a folder deleted here while the server holds mail in it, some of it never synced', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.createFolder('Full');
    await w.remote.append('Full', makeMessage({ subject: 'synced' }));
    await w.syncJson();
    await rm(join(w.maildir, 'Full'), { recursive: true });
    await w.remote.append('Full', makeMessage({ subject: 'new since' }));
    expect((await w.sync()).code).toBe(1);
    expect(await recorded(w)).toEqual([
      {
        folder: 'Full',
        kind: 'folder-deleted-not-empty',
        sides: { remote: { change: 'folder-kept', folder: 'Full', messages: 2, unsynced: 1 }, local: { change: 'folder-deleted', folder: 'Full' } },
      },
    ]);
    await w.close();
  });

  it('a mass delete stopped: how many disappeared here and how many deletions on the server were stopped', async () => {
    const w = await SyncWorld.create(server);
    for (let i = 0; i < 12; i++) await w.remote.append('INBOX', makeMessage({ subject: `m${i}` }));
    await w.syncJson();
    for (const m of await localMessages(w.maildir, 'INBOX')) await deleteLocal(w.maildir, 'INBOX', m.unique);
    expect((await w.sync()).code).toBe(1);
    expect(await recorded(w)).toEqual([
      {
        folder: 'INBOX',
        kind: 'mass-delete-stopped',
        sides: {
          remote: { change: 'deletions-stopped', folder: 'INBOX', messages: 12, deletionsStopped: 12 },
          local: { change: 'messages-removed', folder: 'INBOX', messages: 0, removed: 12 },
        },
      },
    ]);
    await w.close();
  });
});
