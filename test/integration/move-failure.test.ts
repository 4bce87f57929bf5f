import { link, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { folderDir, localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { syncWorldInProcess } from '../support/in-process-sync.js';
import { decorateSession, decorateStore } from '../support/store-decorator.js';
import { SyncWorld } from '../support/sync-world.js';

/**
 * A move the server refuses leaves the message in its new folder on one side only; the pass
 * must say so (the folder incomplete, pending work) rather than finish as if all were in step,
 * and the next pass carries the move out.
 */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

describe('a move the server refuses', () => {
  it('leaves the destination folder incomplete with the message counted, and the next pass moves it', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.createFolder('Archive');
    await w.remote.append('INBOX', makeMessage({ subject: 'to-archive', messageId: '<a@move.test>' }));
    await w.remote.append('INBOX', makeMessage({ subject: 'stays', messageId: '<b@move.test>' }));
    await syncWorldInProcess(w);
    // A mail client moves the file into Archive (same name, as clients do).
    const m = (await localMessages(w.maildir, 'INBOX')).find((x) => x.bytes.includes('to-archive'))!;
    await link(join(folderDir(w.maildir, 'INBOX'), m.file), join(folderDir(w.maildir, 'Archive'), 'cur', `${m.unique}:2,`));
    await unlink(join(folderDir(w.maildir, 'INBOX'), m.file));

    const failed = await syncWorldInProcess(w, {
      remote: (store) =>
        decorateStore(store, async (name, inner) =>
          decorateSession(await inner.openFolder(name), 'moveTo', () => async () => {
            throw Object.assign(new Error('Permission denied'), { responseStatus: 'NO' });
          }),
        ),
    });
    const archive = failed.folders.find((f) => f.folder === 'Archive')!;
    expect(archive.outcome).toBe('incomplete');
    expect(archive.pending.copies).toEqual({ toLocal: 0, toRemote: 1 });
    expect(archive.error).toMatch(/^1 message only on the local side \(moving messages between folders failed/);
    // Nothing lost on the server, nothing duplicated.
    expect((await w.remote.messages('INBOX')).length).toBe(2);
    expect(await w.remote.messages('Archive')).toEqual([]);

    const healed = await syncWorldInProcess(w);
    const archived = healed.folders.find((f) => f.folder === 'Archive')!;
    expect(archived.outcome).toBe('synced');
    expect(archived.moved).toEqual({ toLocal: 0, toRemote: 1 });
    expect((await w.remote.messages('Archive')).map((x) => x.bytes.includes('to-archive'))).toEqual([true]);
    expect(await w.localView()).toEqual(await w.remoteView());
    await w.close();
  });
});
