import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import { deliverLocal, folderDir, localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const fixed = (n: string, extra: string[] = []) => makeMessage({ subject: n, messageId: `<${n}@merge.test>`, body: `Body of ${n}.\r\n`, headers: extra });

describe('merging replicas that already share mail', () => {
  it('a folder created on both sides independently becomes one folder with the union, nothing twice', async () => {
    const w = await SyncWorld.create(server);
    await w.syncJson();
    await w.remote.createFolder('Projects/X');
    for (const n of ['shared-1', 'shared-2', 'remote-only']) await w.remote.append('Projects/X', fixed(n), { flags: n === 'shared-1' ? ['\\Seen'] : [] });
    for (const n of ['shared-1', 'shared-2', 'local-only']) await deliverLocal(w.maildir, 'Projects/X', fixed(n), { letters: n === 'shared-2' ? 'F' : undefined });
    const r = await w.syncJson();
    const x = r.accounts[0]!.folders.find((f) => f.folder === 'Projects/X')!;
    expect(x).toMatchObject({ paired: 2, copied: { toLocal: 1, toRemote: 1 } });
    const view = await w.remoteView(['Projects/X']);
    expect(view['Projects/X']).toHaveLength(4);
    // Flags of the first pairing are united: \Seen from the server, \Flagged from the replica.
    expect(view['Projects/X']!.filter((l) => l.endsWith('\\Seen') || l.endsWith('\\Flagged'))).toHaveLength(2);
    expect(await w.localView(['Projects/X'])).toEqual(view);
    await w.close();
  });

  it('the same Message-ID with different bytes (a list copy and the sent copy) stays two messages', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.append('INBOX', fixed('hello', ['List-Id: <team.example.org>']));
    await deliverLocal(w.maildir, 'INBOX', fixed('hello'));
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!).toMatchObject({ paired: 0, copied: { toLocal: 1, toRemote: 1 } });
    expect(await w.remote.messages('INBOX')).toHaveLength(2);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });

  it('a file copied within a Maildir folder is a new message: both kept, the copy uploaded once', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.append('INBOX', fixed('original'));
    await w.syncJson();
    const [m] = await localMessages(w.maildir, 'INBOX');
    await mkdir(join(folderDir(w.maildir, 'INBOX'), 'cur'), { recursive: true });
    await copyFile(join(folderDir(w.maildir, 'INBOX'), m!.file), join(folderDir(w.maildir, 'INBOX'), 'cur', '1700000000.M9P9.copy:2,'));
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.copied).toEqual({ toLocal: 0, toRemote: 1 });
    expect(await w.remote.messages('INBOX')).toHaveLength(2);
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders[0]!.copied).toEqual({ toLocal: 0, toRemote: 0 });
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(2);
    await w.close();
  });
});
