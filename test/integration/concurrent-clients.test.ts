import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../shared/sync-summary.js';
import type { Side } from '../../electron/engine/state/folder-state.js';
import type { FolderSession, MailStore } from '../../electron/engine/store/mail-store.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { changesMade, syncWorldInProcess } from '../support/in-process-sync.js';
import { decorateStore } from '../support/store-decorator.js';
import { deleteLocal, deliverLocal, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { lettersToFlags, SyncWorld } from '../support/sync-world.js';

/**
 * Another IMAP client flags, moves and expunges messages on one side while a pass runs, at an
 * exact moment: right before the engine's first listing, read, append, flag update or delete in
 * that side's INBOX. Meanwhile the pass carries changes made on the other side beforehand, on
 * the very messages the other client touches. Within two runs both sides must hold the same
 * messages (bytes and flags, folder by folder), none lost, none twice; a third run does nothing.
 */

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const POINTS = {
  listing: ['list', 'listChangedSince'],
  read: ['read', 'readMany'],
  append: ['append'],
  'flag update': ['setFlags'],
  delete: ['delete'],
} as const satisfies Record<string, readonly (keyof FolderSession)[]>;
type Point = keyof typeof POINTS;

/** Runs `race` once, right before the first call of one of `methods` on `folder`'s session. */
function raceBefore(store: MailStore, folder: string, methods: readonly string[], race: () => Promise<void>): MailStore {
  let pending = true;
  const maybeRace = async (method: string | symbol) => {
    if (pending && methods.includes(String(method))) {
      pending = false;
      await race();
    }
  };
  const wrapSession = (session: FolderSession): FolderSession =>
    new Proxy(session, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'readMany') {
          return async function* (ids: string[], maxBytes: number) {
            await maybeRace(prop);
            yield* target.readMany(ids, maxBytes);
          };
        }
        return async (...args: unknown[]) => {
          await maybeRace(prop);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  // Extra connections the pass opens for other folders are wrapped too: the race is once per pass.
  return decorateStore(store, async (name, inner) => {
    const session = await inner.openFolder(name);
    return name === folder ? wrapSession(session) : session;
  });
}

const subjectOf = (bytes: Buffer) => /^Subject: (.*?)\r?$/m.exec(bytes.toString('latin1'))![1]!;

/** Per folder, `subject flags…` of every message, sorted: what a reader of the mailbox sees. */
async function subjectView(w: SyncWorld, side: Side): Promise<Record<string, string[]>> {
  const fx = side === 'remote' ? w.remote : w.localImap;
  const view: Record<string, string[]> = {};
  for (const folder of ['INBOX', 'Archive']) {
    const lines = fx
      ? (await fx.messages(folder)).map((m) => [subjectOf(m.bytes), ...m.flags].join(' '))
      : (await localMessages(w.maildir, folder)).map((m) => [subjectOf(m.bytes), lettersToFlags(m.letters)].join(' ').trim());
    view[folder] = lines.sort();
  }
  return view;
}

/** The changes made on the side the other client leaves alone, before the pass. */
async function changeQuietSide(w: SyncWorld, side: Side): Promise<void> {
  const fx = side === 'remote' ? w.remote : w.localImap;
  if (fx) {
    const uid = async (s: string) => (await fx.messages('INBOX')).find((m) => subjectOf(m.bytes) === s)!.uid;
    await fx.addFlags('INBOX', [await uid('m1'), await uid('m4'), await uid('m5')], ['\\Flagged']);
    await fx.expunge('INBOX', [await uid('m2')]);
    await fx.append('INBOX', makeMessage({ subject: 'n1' }));
    return;
  }
  const unique = async (s: string) => (await localMessages(w.maildir, 'INBOX')).find((m) => subjectOf(m.bytes) === s)!.unique;
  for (const s of ['m1', 'm4', 'm5']) await setLocalLetters(w.maildir, 'INBOX', await unique(s), 'F');
  await deleteLocal(w.maildir, 'INBOX', await unique('m2'));
  await deliverLocal(w.maildir, 'INBOX', makeMessage({ subject: 'n1' }));
}

/** What the other client does mid-pass, by subject: flags, moves to Archive, expunges. */
async function otherClient(fx: ImapFixture): Promise<void> {
  const uid = async (s: string) => (await fx.messages('INBOX')).find((m) => subjectOf(m.bytes) === s)!.uid;
  await fx.addFlags('INBOX', [await uid('m1')], ['\\Answered']);
  await fx.addFlags('INBOX', [await uid('m3')], ['\\Seen']);
  await fx.addFlags('INBOX', [await uid('n2')], ['\\Flagged']);
  const moving = [await uid('m4'), await uid('m6')];
  const lock = await fx.client.getMailboxLock('INBOX');
  try {
    await fx.client.messageMove(moving.join(','), fx.serverName('Archive'), { uid: true });
  } finally {
    lock.release();
  }
  await fx.expunge('INBOX', [await uid('m2'), await uid('m5'), await uid('m7')]);
}

function expectClean(summary: AccountSummary): void {
  expect(summary.error).toBeNull();
  for (const f of summary.folders) expect(f.error, `${f.folder}: ${f.error}`).toBeNull();
}


describe.each([
  ['IMAP<->Maildir, the other client on the server', false, 'remote'],
  ['IMAP<->IMAP, the other client on the server', true, 'remote'],
  ['IMAP<->IMAP, the other client on the local account', true, 'local'],
] as const)('concurrent client, %s', (_name, localImap, raced) => {
  const quiet: Side = raced === 'remote' ? 'local' : 'remote';

  it.each(Object.keys(POINTS) as Point[])('acting right before the engine’s first %s there: converges within two runs', async (point) => {
    const w = await SyncWorld.create(server, { localImap });
    await w.remote.createFolder('Archive');
    await w.remote.append('Archive', makeMessage({ subject: 'a1' }));
    for (let i = 1; i <= 8; i++) await w.remote.append('INBOX', makeMessage({ subject: `m${i}` }));
    expectClean(await syncWorldInProcess(w));

    await changeQuietSide(w, quiet);
    const racedFixture = raced === 'remote' ? w.remote : w.localImap!;
    await racedFixture.append('INBOX', makeMessage({ subject: 'n2' }));
    const other = await connect(server, raced === 'remote' ? w.user : w.localUser!);
    let raceRan = false;
    const race = async () => {
      await otherClient(other);
      raceRan = true;
    };
    const first = await syncWorldInProcess(w, { [raced]: (s: MailStore) => raceBefore(s, 'INBOX', POINTS[point], race) });
    expect(raceRan, `the engine made no ${point} in INBOX on the ${raced} side`).toBe(true);
    expectClean(first);
    expectClean(await syncWorldInProcess(w));

    const remote = await subjectView(w, 'remote');
    expect(await subjectView(w, 'local')).toEqual(remote);
    expect(await w.localView(['INBOX', 'Archive'])).toEqual(await w.remoteView(['INBOX', 'Archive']));
    // m5: flagged on the quiet side, expunged by the other client. Kept (restored) unless the
    // flag had reached the raced side before the expunge, which makes it a plain deletion.
    const m5 = point === 'delete' ? [] : ['m5 \\Flagged'];
    expect(remote).toEqual({
      INBOX: ['m1 \\Answered \\Flagged', 'm3 \\Seen', ...m5, 'm8', 'n1', 'n2 \\Flagged'],
      Archive: ['a1', 'm4 \\Flagged', 'm6'],
    });

    const third = await syncWorldInProcess(w);
    expectClean(third);
    expect(changesMade(third), JSON.stringify(third.folders)).toBe(0);
    expect(await subjectView(w, 'remote')).toEqual(remote);
    await other.close();
    await w.close();
  });
});
