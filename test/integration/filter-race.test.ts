import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { inProcessAccount } from '../support/in-process-sync.js';
import type { MailStore } from '../../electron/engine/store/mail-store.js';
import { decorateStore } from '../support/store-decorator.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

/** Runs `race` once, right before the engine opens folder `when` on the server for the `nth` time. */
function before(store: MailStore, when: string, nth: number, race: () => Promise<void>): MailStore {
  let seen = 0;
  return decorateStore(store, async (name, inner) => {
    if (name === when && ++seen === nth) await race();
    return inner.openFolder(name);
  });
}

async function move(fx: ImapFixture, uid: number, from: string, to: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(from));
  try {
    await fx.client.messageMove(String(uid), fx.serverName(to), { uid: true });
  } finally {
    lock.release();
  }
}

describe('a server-side filter moving mail while a sync runs', () => {
  // The engine lists INBOX, then Junk, then carries out INBOX's plan, then Junk's.
  it.each([
    ['after INBOX was listed, before Junk was', 'Junk', 1],
    ['after both were listed, before the changes were carried out', 'INBOX', 2],
  ] as const)('moved %s: never zero copies, one copy in Junk on both sides within two runs', async (_name, openedAfterMove, nth) => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    await fx.createFolder('Junk');
    const uid = await fx.append('INBOX', makeMessage({ subject: 'spam' }));
    await fx.append('INBOX', makeMessage({ subject: 'ham' }));
    const { maildir, sync } = await inProcessAccount(server, user);
    const run = (race: (() => Promise<void>) | null) => sync((remote) => (race ? before(remote, openedAfterMove, nth, race) : remote));
    const subjects = async (folder: string) => (await localMessages(maildir, folder)).map((m) => /Subject: (\w+)/.exec(m.bytes.toString())![1]).sort();
    const copiesEverywhere = async () => (await subjects('INBOX')).concat(await subjects('Junk')).filter((s) => s === 'spam').length + (await fx.messages('INBOX')).concat(await fx.messages('Junk')).filter((m) => m.bytes.includes('Subject: spam')).length;

    expect((await run(null)).error).toBeNull();
    await run(async () => move(fx, uid, 'INBOX', 'Junk'));
    expect(await copiesEverywhere()).toBeGreaterThan(0);
    await run(null);
    expect(await subjects('INBOX')).toEqual(['ham']);
    expect(await subjects('Junk')).toEqual(['spam']);
    expect((await fx.messages('Junk')).map((m) => m.bytes.includes('Subject: spam'))).toEqual([true]);
    expect(await fx.messages('INBOX')).toHaveLength(1);
    await fx.close();
  });
});
