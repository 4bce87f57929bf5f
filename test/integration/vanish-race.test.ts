import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { inProcessAccount } from '../support/in-process-sync.js';
import type { FolderSession, MailStore } from '../../electron/engine/store/mail-store.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * Another client expunges a message after the engine listed the folder and before it fetches
 * the message. The real server and Maildir are used; the only thing added is the moment: the
 * remote store runs the other client's expunge right before the engine reads that UID (alone
 * or in a batch).
 */
function expungeBeforeRead(store: MailStore, victim: () => number, expunge: (uid: number) => Promise<void>): MailStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'openFolder') return Reflect.get(target, prop, receiver);
      return async (name: string): Promise<FolderSession> => {
        const session = await target.openFolder(name);
        return new Proxy(session, {
          get(s, p, r) {
            if (p === 'read') {
              return async (id: string) => {
                if (Number(id) === victim()) await expunge(Number(id));
                return s.read(id);
              };
            }
            if (p === 'readMany') {
              return async function* (ids: string[], maxBytes: number) {
                if (ids.map(Number).includes(victim())) await expunge(victim());
                yield* s.readMany(ids, maxBytes);
              };
            }
            return Reflect.get(s, p, r);
          },
        });
      };
    },
  });
}

describe('a message deleted by another client between listing and fetch', () => {
  it('is skipped quietly: the folder still syncs, the next run neither fails nor copies it', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    const uids = [];
    for (const s of ['a', 'b', 'c']) uids.push(await fx.append('INBOX', makeMessage({ subject: s })));
    const { maildir, sync } = await inProcessAccount(server, user);
    const other = await connect(server, user);
    const run = (victim: number) => sync((remote) => expungeBeforeRead(remote, () => victim, (uid) => other.expunge('INBOX', [uid])));

    const first = await run(uids[1]!);
    const inbox = first.folders.find((f) => f.folder === 'INBOX')!;
    expect(inbox).toMatchObject({ outcome: 'synced', error: null, vanished: 1, copied: { toLocal: 2, toRemote: 0 } });
    const subjects = (await localMessages(maildir, 'INBOX')).map((m) => /Subject: (\w+)/.exec(m.bytes.toString())![1]).sort();
    expect(subjects).toEqual(['a', 'c']);

    const second = await run(-1);
    expect(second.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ outcome: 'synced', vanished: 0, copied: { toLocal: 0, toRemote: 0 }, deleted: { toLocal: 0, toRemote: 0 } });
    expect((await fx.messages('INBOX')).length).toBe(2);
    await other.close();
    await fx.close();
  });
});
