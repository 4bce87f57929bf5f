import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../shared/sync-summary.js';
import type { MailStore } from '../../electron/engine/store/mail-store.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { changesMade, syncWorldInProcess } from '../support/in-process-sync.js';
import { deliverLocal } from '../support/local-maildir.js';
import { largeMessage, makeMessage } from '../support/messages.js';
import { SyncWorld } from '../support/sync-world.js';
import { decorateSession, decorateStore } from '../support/store-decorator.js';

/**
 * Folders carried out in parallel, one per connection (`connections` in the account): the
 * account's setting is honoured, every message lands once with its flags whatever runs at the
 * same time, and a server that refuses more logins only costs speed.
 */
const PER_FOLDER = 70;

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const mail = (folder: string, i: number) => makeMessage({ subject: `${folder} ${i}`, messageId: `<${i}.${folder}@parallel.test>` });

/** Three server folders and one replica folder, each with enough new mail to earn a connection. */
async function fill(w: SyncWorld): Promise<void> {
  for (const folder of ['INBOX', 'Lists', 'Archive/2025']) {
    if (folder !== 'INBOX') await w.remote.createFolder(folder);
    for (let i = 0; i < PER_FOLDER; i++) await w.remote.append(folder, mail(folder, i), { flags: i % 5 === 0 ? ['\\Seen'] : [] });
  }
  if (w.localImap) await w.localImap.createFolder('Drafts');
  for (let i = 0; i < PER_FOLDER; i++) {
    if (w.localImap) await w.localImap.append('Drafts', mail('Drafts', i), { flags: i % 7 === 0 ? ['\\Flagged'] : [] });
    else await deliverLocal(w.maildir, 'Drafts', mail('Drafts', i), { letters: i % 7 === 0 ? 'F' : '' });
  }
}

interface Seen {
  logins: number;
  open: number;
  peak: number;
  /** Every folder opened, in order. */
  opened: string[];
}
const nothingSeen = (): Seen => ({ logins: 0, open: 0, peak: 0, opened: [] });

/** Wraps the pass's remote store to count its logins, the folders it opened and the most it had open at once. */
function counting(store: MailStore, seen: Seen): MailStore {
  return decorateStore(
    store,
    async (name, inner) => {
      const session = await inner.openFolder(name);
      seen.opened.push(name);
      seen.peak = Math.max(seen.peak, ++seen.open);
      return decorateSession(session, 'close', (real) => async () => {
        seen.open--;
        return real.close();
      });
    },
    () => seen.logins++,
  );
}

async function expectBothSidesComplete(w: SyncWorld): Promise<void> {
  const remote = await w.remoteView();
  expect(await w.localView()).toEqual(remote);
  expect(Object.fromEntries(Object.entries(remote).map(([f, msgs]) => [f, msgs.length]))).toEqual({
    INBOX: PER_FOLDER,
    Lists: PER_FOLDER,
    'Archive/2025': PER_FOLDER,
    Drafts: PER_FOLDER,
  });
}

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('folders in parallel, %s', (_name, localImap) => {
  it.each([
    { connections: 3, logins: 3, peak: 3 },
    { connections: 2, logins: 2, peak: 2 },
    { connections: 1, logins: 1, peak: 1 },
  ])('connections $connections: $peak folder(s) at once, every message once on both sides', async ({ connections, logins, peak }) => {
    const w = await SyncWorld.create(server, { localImap, account: { connections } });
    try {
      await fill(w);
      const seen = nothingSeen();
      const first = await syncWorldInProcess(w, { remote: (s) => counting(s, seen) });
      expect(first.error).toBeNull();
      for (const f of first.folders) expect(f.error, f.folder).toBeNull();
      expect({ logins: seen.logins, open: seen.open, peak: seen.peak }).toEqual({ logins, open: 0, peak });
      await expectBothSidesComplete(w);
      const again = await syncWorldInProcess(w);
      expect(changesMade(again), JSON.stringify(again.folders)).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('one large download into a Maildir, read over the idle connections', () => {
  // Five batches of 64: one more reader; the other folders have nothing to copy.
  const LARGE = 300;
  async function large(): Promise<SyncWorld> {
    const w = await SyncWorld.create(server, { account: { connections: 3 } });
    await w.remote.createFolder('Quiet');
    for (let i = 0; i < LARGE; i++) await w.remote.append('INBOX', mail('INBOX', i), { flags: i % 9 === 0 ? ['\\Flagged'] : [] });
    return w;
  }
  async function expectComplete(w: SyncWorld): Promise<void> {
    const remote = await w.remoteView();
    expect(await w.localView()).toEqual(remote);
    expect(remote.INBOX).toHaveLength(LARGE);
    expect(remote.INBOX!.filter((m) => m.endsWith('\\Flagged'))).toHaveLength(Math.ceil(LARGE / 9));
  }

  it('reads the folder on two connections at once and lands every message once', async () => {
    const w = await large();
    try {
      const seen = nothingSeen();
      const first = await syncWorldInProcess(w, { remote: (s) => counting(s, seen) });
      expect(first.folders.find((f) => f.folder === 'INBOX')!.copied.toLocal).toBe(LARGE);
      expect(seen.logins).toBe(2);
      expect(seen.peak).toBe(2);
      expect(seen.opened.filter((f) => f === 'INBOX').length).toBe(3);
      await expectComplete(w);
    } finally {
      await w.close();
    }
  });

  it.each([40, 170, 290])('killed after durable step %i: the resumed run lands every message once', async (step) => {
    const w = await large();
    try {
      const crashed = await w.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
      expect(crashed.code, crashed.stderr).toBe(86);
      const resumed = await w.sync(['--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      await expectComplete(w);
      const again = await syncWorldInProcess(w);
      expect(changesMade(again), JSON.stringify(again.folders)).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe('memory held by a download', () => {
  it('each batch read whole holds at most 4 MB of messages, and every message lands', async () => {
    const w = await SyncWorld.create(server, { account: { connections: 1 } });
    try {
      const big = Array.from({ length: 20 }, () => largeMessage(600_000));
      for (const m of big) await w.remote.append('INBOX', m);
      const sizes = new Map((await w.remote.messages('INBOX')).map((m) => [String(m.uid), m.bytes.length]));
      const batches: number[] = [];
      const watching = (store: MailStore): MailStore =>
        decorateStore(store, async (name, inner) =>
          decorateSession(await inner.openFolder(name), 'readMany', (real) => (ids, maxBytes) => {
            batches.push(ids.reduce((sum, id) => sum + sizes.get(id)!, 0));
            return real.readMany(ids, maxBytes);
          }),
        );
      await syncWorldInProcess(w, { remote: watching });
      expect(batches.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...batches)).toBeLessThanOrEqual(4 * 1024 * 1024);
      expect(batches.reduce((a, b) => a + b, 0)).toBe([...sizes.values()].reduce((a, b) => a + b, 0));
      const remote = await w.remoteView();
      expect(await w.localView()).toEqual(remote);
      expect(remote.INBOX).toHaveLength(20);
    } finally {
      await w.close();
    }
  });
});

describe('a server that refuses more logins', () => {
  let strict: DovecotServer;
  beforeAll(async () => {
    // Two logins per user: the test's own connection and the pass's first one.
    strict = await startDovecot({ maxConnections: 2 });
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('the pass goes on with the connection it has, says so, and copies everything', async () => {
    const w = await SyncWorld.create(strict, { account: { connections: 3 } });
    try {
      await fill(w);
      const r = await w.sync(['--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/could not open another connection \(.*\); syncing with 1/);
      const summary = JSON.parse(r.stdout) as SyncSummary;
      expect(summary.accounts[0]!.folders.map((f) => f.outcome)).toEqual(['synced', 'synced', 'synced', 'synced']);
      await expectBothSidesComplete(w);
    } finally {
      await w.close();
    }
  });
});
