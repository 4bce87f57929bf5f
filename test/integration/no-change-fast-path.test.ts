import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTIONS, type AccountConfig } from '../../shared/config.js';
import type { AccountSummary } from '../../shared/sync-summary.js';
import { ImapStore } from '../../electron/engine/store/imap/imap-store.js';
import { MaildirStore } from '../../electron/engine/store/maildir/maildir-store.js';
import type { MailStore } from '../../electron/engine/store/mail-store.js';
import { syncAccount } from '../../electron/engine/sync/sync-account.js';
import { silentReporter } from '../../electron/engine/sync/sync-reporter.js';
import { decorateStore } from '../support/store-decorator.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { deliverLocal, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

/*
 * A resync with nothing new skips every folder without selecting it or reading its state
 * (LIST-STATUS plus the hints in quiet-folders.json); these tests check that the skip never
 * hides a change, and that servers without LIST-STATUS take the ordinary path to the same result.
 */

/** Counts the folders a pass opened (SELECT on IMAP, a listing on Maildir) per side, on all its connections. */
function counting(store: MailStore, opened: string[]): MailStore {
  return decorateStore(store, (name, inner) => {
    opened.push(name);
    return inner.openFolder(name);
  });
}

const FOLDERS = ['INBOX', 'Archive', 'Work/Projects'];
/** Maildir change tokens vouch only for directories left alone this long (maildir-session.ts). */
const SETTLE_MS = 2100;

async function account(server: DovecotServer, mode: 'maildir' | 'imap') {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-fastpath-'));
  const user = await server.addUser();
  const localUser = mode === 'imap' ? await server.addUser() : null;
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const imap = (u: { user: string; password: string }) => ({ host: server.host, port: server.port, security: 'none' as const, user: u.user, password: u.password });
  const config = {
    name: 'fast',
    remote: { type: 'imap', ...imap(user) },
    local: localUser ? { type: 'imap', ...imap(localUser) } : { type: 'maildir', path: maildir },
    folders: { include: ['*'], exclude: [] },
    direction: 'both',
    propagateDeletes: true,
    connections: DEFAULT_CONNECTIONS,
  } as AccountConfig;
  const remote = await connect(server, user);
  const local = localUser ? await connect(server, localUser) : null;
  for (const f of FOLDERS.filter((f) => f !== 'INBOX')) await remote.createFolder(f);
  for (const [i, f] of FOLDERS.entries()) {
    for (let n = 0; n < 3; n++) await remote.append(f, makeMessage({ subject: `${f} ${n}`, messageId: `<${i}.${n}@fast>` }), { flags: n === 0 ? ['\\Seen'] : [] });
  }
  const opened = { remote: [] as string[], local: [] as string[] };
  const sync = (): Promise<AccountSummary> => {
    opened.remote = [];
    opened.local = [];
    return syncAccount(config, {
      stateDir: join(dir, 'state'),
      folders: [],
      dryRun: false,
      allowMassDelete: false,
      reporter: silentReporter,
      secretEnvNames: [],
      connect: async () => ({
        remote: counting(await ImapStore.connect(imap(user)), opened.remote),
        local: counting(localUser ? await ImapStore.connect(imap(localUser)) : await MaildirStore.open(maildir), opened.local),
      }),
    });
  };
  const close = async () => {
    await remote.close();
    await local?.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, maildir, remote, local, opened, sync, close };
}

/** Syncs until a pass changes nothing (Maildir tokens need the directories to settle first). */
async function settle(a: Awaited<ReturnType<typeof account>>): Promise<void> {
  await a.sync();
  await sleep(SETTLE_MS);
  await a.sync();
}

const outcomes = (s: AccountSummary) => Object.fromEntries(s.folders.map((f) => [f.folder, f.outcome]));
const flagsOf = async (fx: ImapFixture, folder: string) => (await fx.messages(folder)).map((m) => m.flags.filter((f) => f !== '\\Recent').sort().join(' '));

describe('no-change fast path against a Dovecot with LIST-STATUS', () => {
  let server: DovecotServer;
  beforeAll(async () => {
    server = await startDovecot();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('IMAP<->Maildir: a quiet resync opens no folder on either side, and every later change is still seen', async () => {
    const a = await account(server, 'maildir');
    try {
      await settle(a);
      const quiet = await a.sync();
      expect(quiet.error).toBeNull();
      expect(outcomes(quiet)).toEqual({ INBOX: 'unchanged', Archive: 'unchanged', 'Work/Projects': 'unchanged' });
      expect(a.opened).toEqual({ remote: [], local: [] });

      // A flag set on the server, and a message a mail client delivered locally.
      const [archived] = await a.remote.messages('Archive');
      await a.remote.addFlags('Archive', [archived!.uid], ['\\Flagged']);
      await deliverLocal(a.maildir, 'Work/Projects', makeMessage({ subject: 'written offline', messageId: '<new@fast>' }));
      const changed = await a.sync();
      expect(outcomes(changed)).toEqual({ INBOX: 'unchanged', Archive: 'synced', 'Work/Projects': 'synced' });
      expect([...new Set(a.opened.remote)].sort()).toEqual(['Archive', 'Work/Projects']);
      const local = await localMessages(a.maildir, 'Archive');
      expect(local.find((m) => m.bytes.includes(`<0.0@fast>`) || m.bytes.includes('<1.0@fast>'))?.letters).toContain('F');
      expect((await a.remote.messages('Work/Projects')).some((m) => m.bytes.includes('<new@fast>'))).toBe(true);

      // A flag changed by renaming a Maildir file, after the folder settled again.
      await settle(a);
      const [inboxFile] = await localMessages(a.maildir, 'INBOX');
      await setLocalLetters(a.maildir, 'INBOX', inboxFile!.unique, 'RS');
      expect(outcomes(await a.sync()).INBOX).toBe('synced');
      expect(await flagsOf(a.remote, 'INBOX')).toContain('\\Answered \\Seen');
    } finally {
      await a.close();
    }
  });

  it('IMAP<->IMAP: a quiet resync opens no folder; a damaged hint file only costs the fast path', async () => {
    const a = await account(server, 'imap');
    try {
      await a.sync();
      await a.sync();
      expect(outcomes(await a.sync())).toEqual({ INBOX: 'unchanged', Archive: 'unchanged', 'Work/Projects': 'unchanged' });
      expect(a.opened).toEqual({ remote: [], local: [] });

      const hints = join(a.dir, 'state', 'fast', 'quiet-folders.json');
      expect(JSON.parse(await readFile(hints, 'utf8')).folders).toHaveProperty('Work/Projects');
      await writeFile(hints, '{"version":1,"folders":{"INBOX":');
      const [inbox] = await a.local!.messages('INBOX');
      await a.local!.expunge('INBOX', [inbox!.uid]);
      const after = await a.sync();
      expect(outcomes(after)).toEqual({ INBOX: 'synced', Archive: 'unchanged', 'Work/Projects': 'unchanged' });
      expect(after.folders.find((f) => f.folder === 'INBOX')?.deleted.toRemote).toBe(1);
      expect((await a.remote.messages('INBOX')).length).toBe(2);
      // Every folder took the ordinary path once, and the hints were written anew.
      expect([...new Set(a.opened.remote)].sort()).toEqual(['Archive', 'INBOX', 'Work/Projects']);
      expect(JSON.parse(await readFile(hints, 'utf8')).folders).toHaveProperty('Archive');
    } finally {
      await a.close();
    }
  });
});

describe('no-change resync against a Dovecot without LIST-STATUS (the fallback)', () => {
  let server: DovecotServer;
  beforeAll(async () => {
    server = await startDovecot({ capability: 'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE CHILDREN LIST-EXTENDED CONDSTORE QRESYNC UIDPLUS MOVE SPECIAL-USE' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('selects each folder to learn its status, finds nothing to do, and still carries a change', async () => {
    const a = await account(server, 'imap');
    try {
      await a.sync();
      await a.sync();
      const quiet = await a.sync();
      expect(outcomes(quiet)).toEqual({ INBOX: 'unchanged', Archive: 'unchanged', 'Work/Projects': 'unchanged' });
      expect([...new Set(a.opened.remote)].sort()).toEqual(['Archive', 'INBOX', 'Work/Projects']);
      const [msg] = await a.remote.messages('Work/Projects');
      await a.remote.addFlags('Work/Projects', [msg!.uid], ['$Label1']);
      expect(outcomes(await a.sync())['Work/Projects']).toBe('synced');
      expect((await a.local!.messages('Work/Projects')).find((m) => m.bytes.equals(msg!.bytes))?.flags).toContain('$Label1');
    } finally {
      await a.close();
    }
  });
});
