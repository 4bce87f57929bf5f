import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import { deleteLocal, deliverLocal, localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function stateFiles(w: SyncWorld): Promise<string[]> {
  const dir = join(w.dir, 'state', 'test', 'folders');
  return (await readdir(dir)).map((f) => join(dir, f));
}

async function tenSynced(w: SyncWorld): Promise<void> {
  for (let i = 1; i <= 10; i++) await w.remote.append('INBOX', makeMessage({ subject: `m${i}` }));
  await w.syncJson();
}

describe('damaged or lost state', () => {
  it('a corrupt state file is detected, set aside, and never read as "everything was deleted"', async () => {
    const w = await SyncWorld.create(server);
    await tenSynced(w);
    // Meanwhile: the replica loses m3, the server receives m11, and the state file is damaged.
    const m3 = (await localMessages(w.maildir, 'INBOX')).find((m) => /Subject: m3\r?\n/.test(m.bytes.toString('latin1')))!;
    await deleteLocal(w.maildir, 'INBOX', m3.unique);
    await w.remote.append('INBOX', makeMessage({ subject: 'm11' }));
    // A small folder's state may still be all journal (it is folded into a snapshot only once long).
    const files = await stateFiles(w);
    const damaged = files.find((f) => f.endsWith('.snap')) ?? files.find((f) => f.endsWith('.journal'))!;
    const bytes = await readFile(damaged);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x20;
    await writeFile(damaged, bytes);

    const r = await w.syncJson();
    const inbox = r.accounts[0]!.folders[0]!;
    expect(inbox.notes.join(' ')).toMatch(/damaged/);
    expect(inbox.deleted).toEqual({ toLocal: 0, toRemote: 0 });
    expect(inbox.paired).toBe(9);
    // m3 comes back from the server (never lose), m11 arrives once.
    expect(inbox.copied).toEqual({ toLocal: 2, toRemote: 0 });
    expect((await w.remote.messages('INBOX')).length).toBe(11);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    expect((await stateFiles(w)).some((f) => f.includes('.corrupt-'))).toBe(true);
    // And the rebuilt state is trusted from then on.
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders[0]!).toMatchObject({ copied: { toLocal: 0, toRemote: 0 }, paired: 0, notes: [] });
    await w.close();
  });

  it('a deleted state directory makes the next run pair both sides by identity: no duplicates, flags united', async () => {
    const w = await SyncWorld.create(server);
    await tenSynced(w);
    await rm(join(w.dir, 'state'), { recursive: true });
    await w.remote.addFlags('INBOX', [1], ['\\Flagged']);
    await deliverLocal(w.maildir, 'INBOX', makeMessage({ subject: 'local only' }));
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!).toMatchObject({ paired: 10, copied: { toLocal: 0, toRemote: 1 }, deleted: { toLocal: 0, toRemote: 0 } });
    expect((await w.remote.messages('INBOX')).length).toBe(11);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    await w.close();
  });
});

describe('one run at a time', () => {
  it('a second run for a locked account stops with who holds the lock; a stale lock is taken over', async () => {
    const w = await SyncWorld.create(server);
    await tenSynced(w);
    const lockPath = join(w.dir, 'state', 'test', 'lock');
    // A live holder: this test process itself.
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString(), token: 'x' }));
    const locked = await w.sync();
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(new RegExp(`another mailferry process \\(pid ${process.pid}`));
    // A dead holder: a pid that has exited.
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(lockPath, JSON.stringify({ pid: Number(dead), hostname: (await import('node:os')).hostname(), startedAt: new Date().toISOString(), token: 'y' }));
    const taken = await w.sync();
    expect(taken.code, taken.stderr).toBe(0);
    await w.close();
  });
});
