import type { DovecotServer } from './dovecot.js';
import { deleteLocal, localMessages } from './local-maildir.js';
import { makeMessage } from './messages.js';
import { SyncWorld } from './sync-world.js';

/**
 * A synced INBOX ("disputed" and "bystander") where "disputed" was then deleted in the Maildir
 * while the server flagged it, and synced again: one open delete-vs-change conflict.
 */
export async function deleteVsChangeWorld(server: DovecotServer): Promise<SyncWorld> {
  const w = await SyncWorld.create(server);
  const uid = await w.remote.append('INBOX', makeMessage({ subject: 'disputed' }));
  await w.remote.append('INBOX', makeMessage({ subject: 'bystander' }));
  await w.syncJson();
  const m = (await localMessages(w.maildir, 'INBOX')).find((x) => x.bytes.includes('disputed'))!;
  await deleteLocal(w.maildir, 'INBOX', m.unique);
  await w.remote.addFlags('INBOX', [uid], ['\\Flagged']);
  await w.syncJson();
  return w;
}
