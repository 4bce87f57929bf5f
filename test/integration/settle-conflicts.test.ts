import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { runCli, SyncWorld } from '../support/sync-world.js';
import { deleteLocal, localFolderNames, localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { deleteVsChangeWorld } from '../support/conflict-scenarios.js';
import { settleConflict } from '../../electron/engine/conflicts/settle-conflict.js';
import type { ConflictChoice } from '../../shared/conflicts.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function openConflicts(w: SyncWorld): Promise<{ folder: string; id: string; kind: string }[]> {
  const r = await runCli(['status', '--config', w.configPath, '--json']);
  return JSON.parse(r.stdout).accounts[0].folders.flatMap((f: { folder: string; conflicts: { id: string; kind: string }[] }) =>
    f.conflicts.map((c) => ({ folder: f.folder, id: c.id, kind: c.kind })),
  );
}

async function settle(w: SyncWorld, choice: ConflictChoice): Promise<void> {
  const [c] = await openConflicts(w);
  await settleConflict(join(w.dir, 'state'), 'test', c!.folder, c!.id, choice);
}

describe('settling conflicts', () => {
  async function deleteVsChange(): Promise<SyncWorld> {
    const w = await deleteVsChangeWorld(server);
    expect(await openConflicts(w)).toMatchObject([{ kind: 'delete-vs-change' }]);
    return w;
  }

  it('delete vs change, "delete on both": the next pass deletes it on both sides and the conflict is gone', async () => {
    const w = await deleteVsChange();
    await settle(w, 'delete-both');
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.deleted).toEqual({ toLocal: 1, toRemote: 1 });
    expect((await w.remote.messages('INBOX')).map((m) => m.bytes.toString()).join()).not.toContain('disputed');
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(1);
    expect(await openConflicts(w)).toEqual([]);
    await w.close();
  });

  it('delete vs change, "keep on both": nothing changes and the conflict is gone', async () => {
    const w = await deleteVsChange();
    await settle(w, 'keep-both');
    expect(await openConflicts(w)).toEqual([]);
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!).toMatchObject({ deleted: { toLocal: 0, toRemote: 0 }, copied: { toLocal: 0, toRemote: 0 } });
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(2);
    await w.close();
  });

  it('a choice that does not fit the conflict is refused', async () => {
    const w = await deleteVsChange();
    const [c] = await openConflicts(w);
    await expect(settleConflict(join(w.dir, 'state'), 'test', c!.folder, c!.id, 'allow-deletion')).rejects.toThrow(/does not settle a delete-vs-change conflict/);
    await w.close();
  });

  async function massDeleteStopped(): Promise<SyncWorld> {
    const w = await SyncWorld.create(server);
    for (let i = 0; i < 12; i++) await w.remote.append('INBOX', makeMessage({ subject: `m${i}` }));
    await w.syncJson();
    for (const m of await localMessages(w.maildir, 'INBOX')) await deleteLocal(w.maildir, 'INBOX', m.unique);
    expect((await w.sync()).code).toBe(1);
    expect(await openConflicts(w)).toMatchObject([{ kind: 'mass-delete-stopped' }]);
    return w;
  }

  it('mass delete stopped, "allow": the deletions go through on the next pass', async () => {
    const w = await massDeleteStopped();
    await settle(w, 'allow-deletion');
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.deleted.toRemote).toBe(12);
    expect(await w.remote.messages('INBOX')).toHaveLength(0);
    expect(await openConflicts(w)).toEqual([]);
    await w.close();
  });

  it('mass delete stopped, "keep": the messages are restored on the side that lost them', async () => {
    const w = await massDeleteStopped();
    await settle(w, 'keep-both');
    const r = await w.syncJson();
    expect(r.accounts[0]!.folders[0]!.copied.toLocal).toBe(12);
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(12);
    expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    expect(await openConflicts(w)).toEqual([]);
    await w.close();
  });

  it.each([
    ['keep-both', ['Full', 'INBOX'], 1],
    ['delete-both', ['INBOX'], 0],
  ] as const)('folder deleted while it has mail, "%s"', async (choice, localFolders, remoteCount) => {
    const w = await SyncWorld.create(server);
    await w.remote.createFolder('Full');
    await w.remote.append('Full', makeMessage({ subject: 'keep me' }));
    await w.syncJson();
    await rm(join(w.maildir, 'Full'), { recursive: true });
    expect((await w.sync()).code).toBe(1);
    await settle(w, choice);
    const r = await w.sync(['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await localFolderNames(w.maildir)).toEqual(localFolders);
    const onServer = (await w.remote.client.list()).map((b) => b.path);
    expect(onServer.includes('Full')).toBe(remoteCount > 0);
    if (remoteCount) expect(await localMessages(w.maildir, 'Full')).toHaveLength(1);
    expect(await openConflicts(w)).toEqual([]);
    await w.close();
  });
});
