import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld, type SideView } from '../support/sync-world.js';
import { deleteLocal, deliverLocal, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

/**
 * mbsync's discipline, applied to every scenario: kill the sync right after each durable step
 * in turn (MAILFERRY_FAULT_AFTER_STEPS=N), resume, and require exactly the state an
 * uninterrupted run reaches; then one more run must change nothing.
 */
const FAULT_EXIT = 86;

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const msg = (n: string) => makeMessage({ subject: n, messageId: `<${n}@crash.test>`, body: `Body of ${n}.\r\n` });

interface Scenario {
  name: string;
  /** Builds the starting point; may sync and then change both sides. */
  setup(w: SyncWorld): Promise<void>;
}

async function addLocal(w: SyncWorld, bytes: Buffer, flags: string[] = []): Promise<void> {
  if (w.localImap) await w.localImap.append('INBOX', bytes, { flags });
  else await deliverLocal(w.maildir, 'INBOX', bytes, { letters: flags.includes('\\Seen') ? 'S' : undefined });
}

async function localIdOf(w: SyncWorld, subject: string): Promise<string> {
  if (w.localImap) return String((await w.localImap.messages('INBOX')).find((m) => m.bytes.includes(`Subject: ${subject}\r`))!.uid);
  return (await localMessages(w.maildir, 'INBOX')).find((m) => m.bytes.includes(`Subject: ${subject}\r`))!.unique;
}

const scenarios: Scenario[] = [
  {
    name: 'first sync with mail on both sides',
    async setup(w) {
      await w.remote.append('INBOX', msg('r1'), { flags: ['\\Seen'] });
      await w.remote.append('INBOX', msg('r2'));
      await w.remote.createFolder('Work');
      await w.remote.append('Work', msg('w1'), { flags: ['\\Flagged'] });
      await addLocal(w, msg('l1'), ['\\Seen']);
      await addLocal(w, msg('l2'));
    },
  },
  {
    name: 'every kind of change on both sides after a sync',
    async setup(w) {
      const uids: number[] = [];
      for (const s of ['keep', 'flag-both', 'del-remote', 'del-local', 'del-vs-flag']) uids.push(await w.remote.append('INBOX', msg(s)));
      const first = await w.sync();
      if (first.code !== 0) throw new Error(first.stderr);
      await w.remote.addFlags('INBOX', [uids[1]!], ['\\Answered']);
      await w.remote.expunge('INBOX', [uids[2]!]);
      await w.remote.addFlags('INBOX', [uids[4]!], ['\\Flagged']);
      await w.remote.append('INBOX', msg('new-remote'));
      const flagBoth = await localIdOf(w, 'flag-both');
      const delLocal = await localIdOf(w, 'del-local');
      const delVsFlag = await localIdOf(w, 'del-vs-flag');
      if (w.localImap) {
        await w.localImap.addFlags('INBOX', [Number(flagBoth)], ['\\Seen']);
        await w.localImap.expunge('INBOX', [Number(delLocal), Number(delVsFlag)]);
      } else {
        await setLocalLetters(w.maildir, 'INBOX', flagBoth, 'S');
        await deleteLocal(w.maildir, 'INBOX', delLocal);
        await deleteLocal(w.maildir, 'INBOX', delVsFlag);
      }
      await addLocal(w, msg('new-local'), ['\\Seen']);
    },
  },
  {
    name: 'moves between folders on both sides after a sync',
    async setup(w) {
      await w.remote.createFolder('Work');
      const uids: number[] = [];
      for (const s of ['stay', 'moved-remote', 'moved-local']) uids.push(await w.remote.append('INBOX', msg(s)));
      const first = await w.sync();
      if (first.code !== 0) throw new Error(first.stderr);
      const lock = await w.remote.client.getMailboxLock('INBOX');
      try {
        await w.remote.client.messageMove(String(uids[1]), w.remote.serverName('Work'), { uid: true });
      } finally {
        lock.release();
      }
      const id = await localIdOf(w, 'moved-local');
      if (w.localImap) {
        const l = await w.localImap.client.getMailboxLock('INBOX');
        try {
          await w.localImap.client.messageMove(id, w.localImap.serverName('Work'), { uid: true });
        } finally {
          l.release();
        }
      } else {
        const m = (await localMessages(w.maildir, 'INBOX')).find((x) => x.unique === id)!;
        await rename(join(w.maildir, 'INBOX', m.file), join(w.maildir, 'Work', 'cur', `${id}:2,S`));
      }
    },
  },
];

async function views(w: SyncWorld): Promise<{ remote: SideView; local: SideView }> {
  return { remote: await w.remoteView(), local: await w.localView() };
}

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('crash after every durable step, %s', (_name, localImap) => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, scenario) => {
    const reference = await SyncWorld.create(server, { localImap });
    await scenario.setup(reference);
    const clean = await reference.sync();
    expect(clean.code, clean.stderr).toBe(0);
    const expected = await views(reference);
    expect(expected.remote).toEqual(expected.local);
    await reference.close();

    let step = 1;
    for (; step < 200; step++) {
      const w = await SyncWorld.create(server, { localImap });
      await scenario.setup(w);
      const crashed = await w.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
      if (crashed.code === 0) {
        await w.close();
        break;
      }
      expect(crashed.code, `step ${step}: ${crashed.stderr}`).toBe(FAULT_EXIT);
      const resumed = await w.sync();
      expect(resumed.code, `resume after step ${step}: ${resumed.stderr}`).toBe(0);
      expect(await views(w), `after a crash at step ${step} (${crashed.stderr.trim()})`).toEqual(expected);
      const again = await w.syncJson();
      for (const f of again.accounts[0]!.folders) {
        expect(f, `a run after the resume changed something (crash at step ${step})`).toMatchObject({
          copied: { toLocal: 0, toRemote: 0 },
          deleted: { toLocal: 0, toRemote: 0 },
          flagUpdates: { toLocal: 0, toRemote: 0 },
        });
      }
      await w.close();
    }
    // The scenario has durable steps at all, and the loop ended because the run outlived them.
    expect(step).toBeGreaterThan(3);
    expect(step).toBeLessThan(200);
  }, 600_000);
});

describe('an upload the server stores after the crashed run was resumed', () => {
  it('is recognised as our own duplicate and removed; exactly one copy remains on both sides', async () => {
    const w = await SyncWorld.create(server);
    const bytes = msg('late-ghost');
    await deliverLocal(w.maildir, 'INBOX', bytes);
    // Find the step right after the upload's intent was made durable: the crash lands between
    // "intent journaled" and "APPEND sent", so the resumed run finds nothing and sends again.
    let step = 1;
    for (; step < 50; step++) {
      const probe = await SyncWorld.create(server);
      await deliverLocal(probe.maildir, 'INBOX', bytes);
      const r = await probe.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
      await probe.close();
      if (r.stderr.includes('(intent to copy)')) break;
    }
    const crashed = await w.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
    expect(crashed.code).toBe(FAULT_EXIT);
    expect(crashed.stderr).toContain('(intent to copy)');
    const resumed = await w.syncJson();
    expect(resumed.accounts[0]!.folders[0]!.copied.toRemote).toBe(1);
    // The dead process's APPEND lands now, after the resumed run already re-sent it.
    await w.remote.append('INBOX', bytes);
    expect(await w.remote.messages('INBOX')).toHaveLength(2);
    const cleanup = await w.syncJson();
    expect(cleanup.accounts[0]!.folders[0]!.duplicatesRemoved).toBe(1);
    expect(cleanup.accounts[0]!.folders[0]!.copied).toEqual({ toLocal: 0, toRemote: 0 });
    expect(await w.remote.messages('INBOX')).toHaveLength(1);
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(1);
    await w.close();
  }, 120_000);
});
