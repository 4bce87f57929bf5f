import { link, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../shared/sync-summary.js';
import { capabilityWithout, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { accountStatus } from '../../electron/engine/status/account-status.js';
import { SyncWorld, type SideView } from '../support/sync-world.js';
import type { ImapFixture } from '../support/imap-fixture.js';
import { deleteLocal, deliverLocal, folderDir, localFolderNames, localMessages, setLocalLetters, sha256, wireBytes } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { fileNames, maildirView, serverView, writeMbsyncMaildir, type ToolFolder } from '../support/tool-maildirs.js';

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

const msg = (n: string, headers: string[] = []) => makeMessage({ subject: n, messageId: `<${n}@crash.test>`, body: `Body of ${n}.\r\n`, headers });

/** Every folder of a side after the run: each message's bytes and its flags. */
type Expected = Record<string, Array<[Buffer, string[]]>>;

interface Scenario {
  name: string;
  /** Builds the starting point; may sync and then change both sides. */
  setup(w: SyncWorld): Promise<void>;
  /** What the uninterrupted run must leave on both sides (every folder, nothing twice). */
  result?: Expected;
  /** The conflicts it must record, as "folder kind" (each resumed run: exactly these, once). */
  conflicts?: string[];
  /** Moves and renames only: no message body crosses, uninterrupted or resumed. */
  noTransfer?: boolean;
  /** Shows the uninterrupted run took the path under test (a rename, a re-pairing, ...). */
  cleanRun?: { notes?: RegExp; paired?: number; moved?: number };
  /** Runs IMAP<->Maildir only: nothing in it depends on what kind of store the replica is. */
  maildirOnly?: true;
  /**
   * The replica is a Maildir another tool left (its bookkeeping headers, LF line ends): both
   * sides compared as a reader sees these folders, and no run, crashed or not, may add, rewrite
   * or remove a file there or a message on the server.
   */
  toolFolders?: ToolFolder[];
  /** Runs against a Dovecot started with these options (a server that lacks an extension). */
  dovecot?: Parameters<typeof startDovecot>[0];
}

async function synced(w: SyncWorld): Promise<void> {
  const r = await w.sync();
  if (r.code !== 0) throw new Error(r.stderr);
}

const LETTERS: Record<string, string> = { '\\Answered': 'R', '\\Flagged': 'F', '\\Seen': 'S' };
const lettersOf = (flags: string[]) => flags.map((f) => LETTERS[f]!).sort().join('');

async function addLocal(w: SyncWorld, bytes: Buffer, flags: string[] = [], folder = 'INBOX'): Promise<void> {
  if (w.localImap) await w.localImap.append(folder, bytes, { flags });
  else await deliverLocal(w.maildir, folder, bytes, { letters: flags.length ? lettersOf(flags) : undefined });
}

async function localIdOf(w: SyncWorld, subject: string, folder = 'INBOX'): Promise<string> {
  if (w.localImap) return String((await w.localImap.messages(folder)).find((m) => m.bytes.includes(`Subject: ${subject}\r`))!.uid);
  return (await localMessages(w.maildir, folder)).find((m) => wireBytes(m.bytes).includes(`Subject: ${subject}\r`))!.unique;
}

async function remoteUidOf(w: SyncWorld, subject: string, folder = 'INBOX'): Promise<number> {
  return (await w.remote.messages(folder)).find((m) => m.bytes.includes(`Subject: ${subject}\r`))!.uid;
}

async function imapMove(fx: ImapFixture, from: string, uid: number | string, to: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(from));
  try {
    await fx.client.messageMove(String(uid), fx.serverName(to), { uid: true });
  } finally {
    lock.release();
  }
}

/** A mail client's move: the file goes to the other folder's cur/ keeping its base name. */
async function moveLocal(w: SyncWorld, subject: string, from: string, to: string): Promise<void> {
  const id = await localIdOf(w, subject, from);
  if (w.localImap) return imapMove(w.localImap, from, id, to);
  const m = (await localMessages(w.maildir, from)).find((x) => x.unique === id)!;
  const name = m.file.split('/')[1]!;
  await link(join(folderDir(w.maildir, from), m.file), join(folderDir(w.maildir, to), 'cur', name.includes(':2,') ? name : `${name}:2,`));
  await unlink(join(folderDir(w.maildir, from), m.file));
}

async function moveRemote(w: SyncWorld, subject: string, from: string, to: string): Promise<void> {
  await imapMove(w.remote, from, await remoteUidOf(w, subject, from), to);
}

async function flagLocal(w: SyncWorld, subject: string, flags: string[], folder = 'INBOX'): Promise<void> {
  const id = await localIdOf(w, subject, folder);
  if (w.localImap) return w.localImap.addFlags(folder, [Number(id)], flags);
  const m = (await localMessages(w.maildir, folder)).find((x) => x.unique === id)!;
  await setLocalLetters(w.maildir, folder, id, m.letters + lettersOf(flags));
}

async function flagRemote(w: SyncWorld, subject: string, flags: string[], folder = 'INBOX'): Promise<void> {
  await w.remote.addFlags(folder, [await remoteUidOf(w, subject, folder)], flags);
}

async function renameLocalFolder(w: SyncWorld, from: string, to: string): Promise<void> {
  if (w.localImap) await w.localImap.client.mailboxRename(w.localImap.serverName(from), w.localImap.serverName(to));
  else await rename(folderDir(w.maildir, from), folderDir(w.maildir, to));
}

/** A nested folder with mail, synced, for the rename scenarios. */
async function projects(w: SyncWorld): Promise<void> {
  await w.remote.createFolder('Projects');
  await w.remote.createFolder('Projects/Old');
  await w.remote.append('Projects', msg('p1'), { flags: ['\\Seen'] });
  await w.remote.append('Projects', msg('p2'));
  await w.remote.append('Projects/Old', msg('p-old'), { flags: ['\\Flagged'] });
  await synced(w);
}
const renamedProjects: Expected = {
  INBOX: [],
  Clients: [
    [msg('p1'), ['\\Seen']],
    [msg('p2'), []],
  ],
  'Clients/Old': [[msg('p-old'), ['\\Flagged']]],
};

/** Where mbsync (SubFolders Verbatim) keeps the folders of the migration scenario. */
const MBSYNC_FOLDERS: ToolFolder[] = [
  { name: 'INBOX', dir: 'INBOX' },
  { name: 'Archive', dir: 'Archive' },
];

/** New messages in each of two folders: enough that the run carries both out at once, on two connections. */
const PARALLEL_COPIES = 64;
const numbered = (prefix: string) => Array.from({ length: PARALLEL_COPIES }, (_, i) => `${prefix}${i}`);

const everyKindOfChange: Scenario = {
  name: 'every kind of change on both sides after a sync',
  async setup(w) {
    const uids: number[] = [];
    for (const s of ['keep', 'flag-both', 'del-remote', 'del-local', 'del-vs-flag']) uids.push(await w.remote.append('INBOX', msg(s)));
    await synced(w);
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
};

const movesBothSides: Scenario = {
  name: 'moves between folders on both sides after a sync, flags changed on the other side',
  async setup(w) {
    await w.remote.createFolder('Work');
    for (const s of ['stay', 'moved-remote', 'moved-local', 'moved-quietly']) await w.remote.append('INBOX', msg(s));
    await synced(w);
    await moveRemote(w, 'moved-remote', 'INBOX', 'Work');
    await flagLocal(w, 'moved-remote', ['\\Answered']);
    await moveLocal(w, 'moved-local', 'INBOX', 'Work');
    await flagLocal(w, 'moved-local', ['\\Seen'], 'Work');
    await flagRemote(w, 'moved-local', ['\\Flagged']);
    await moveRemote(w, 'moved-quietly', 'INBOX', 'Work');
  },
  // One copy each, in the destination, carrying both sides' flag changes.
  result: {
    INBOX: [[msg('stay'), []]],
    Work: [
      [msg('moved-remote'), ['\\Answered']],
      [msg('moved-local'), ['\\Flagged', '\\Seen']],
      [msg('moved-quietly'), []],
    ],
  },
  noTransfer: true,
  cleanRun: { moved: 3 },
};

/** A server like Courier's, or Cyrus without UIDPLUS: the engine copies and expunges as it can there. */
const WITHOUT_UIDPLUS_OR_MOVE = { capability: capabilityWithout('UIDPLUS', 'MOVE') };

const scenarios: Scenario[] = [
  {
    // Uploads: a download into a Maildir is a durable step per message, too many crash points.
    name: 'two folders uploaded at once on two connections, one of them new',
    async setup(w) {
      if (w.localImap) await w.localImap.createFolder('Outbox');
      for (const s of numbered('sent')) await addLocal(w, msg(s), s.endsWith('7') ? ['\\Seen'] : [], 'Outbox');
      for (const s of numbered('kept')) await addLocal(w, msg(s), s.endsWith('3') ? ['\\Flagged'] : []);
    },
    result: {
      INBOX: numbered('kept').map((s) => [msg(s), s.endsWith('3') ? ['\\Flagged'] : []]),
      Outbox: numbered('sent').map((s) => [msg(s), s.endsWith('7') ? ['\\Seen'] : []]),
    },
  },
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
  everyKindOfChange,
  movesBothSides,
  {
    name: 'messages moved out of INBOX and back on each side (new UIDs / file names), flags changed on the other side',
    async setup(w) {
      await w.remote.createFolder('Work');
      for (const s of ['stay', 'back-remote', 'back-local']) await w.remote.append('INBOX', msg(s));
      await synced(w);
      await moveRemote(w, 'back-remote', 'INBOX', 'Work');
      await moveRemote(w, 'back-remote', 'Work', 'INBOX');
      await flagLocal(w, 'back-remote', ['\\Answered']);
      await moveLocal(w, 'back-local', 'INBOX', 'Work');
      await moveLocal(w, 'back-local', 'Work', 'INBOX');
      await flagRemote(w, 'back-local', ['\\Flagged']);
    },
    result: {
      INBOX: [
        [msg('stay'), []],
        [msg('back-remote'), ['\\Answered']],
        [msg('back-local'), ['\\Flagged']],
      ],
      Work: [],
    },
    noTransfer: true,
    cleanRun: { notes: /came back under a new id/ },
  },
  {
    name: 'an empty folder deleted on the replica while new mail arrives',
    async setup(w) {
      await w.remote.createFolder('Old');
      await w.remote.append('INBOX', msg('kept'), { flags: ['\\Seen'] });
      await synced(w);
      if (w.localImap) await w.localImap.client.mailboxDelete(w.localImap.serverName('Old'));
      else await rm(folderDir(w.maildir, 'Old'), { recursive: true });
      await w.remote.append('INBOX', msg('new'));
    },
    result: {
      INBOX: [
        [msg('kept'), ['\\Seen']],
        [msg('new'), []],
      ],
    },
    cleanRun: { notes: /deleted on the local side; the remote copy was removed too/ },
  },
  {
    name: 'a nested folder renamed on the server',
    async setup(w) {
      await projects(w);
      await w.remote.client.mailboxRename(w.remote.serverName('Projects'), w.remote.serverName('Clients'));
    },
    result: renamedProjects,
    noTransfer: true,
    cleanRun: { notes: /renamed/ },
  },
  {
    name: 'a nested folder renamed on the replica',
    async setup(w) {
      await projects(w);
      await renameLocalFolder(w, 'Projects', 'Clients');
    },
    result: renamedProjects,
    noTransfer: true,
    cleanRun: { notes: /renamed/ },
  },
  {
    name: 'moved to different folders on the two sides',
    async setup(w) {
      await w.remote.createFolder('Archive');
      await w.remote.createFolder('Later');
      for (const s of ['apart', 'stay']) await w.remote.append('INBOX', msg(s));
      await synced(w);
      await moveRemote(w, 'apart', 'INBOX', 'Archive');
      await moveLocal(w, 'apart', 'INBOX', 'Later');
    },
    // The remote side's destination wins; the local side's choice is a conflict to revisit.
    result: { INBOX: [[msg('stay'), []]], Archive: [[msg('apart'), []]], Later: [] },
    conflicts: ['Archive moved-to-different-folders'],
    noTransfer: true,
    cleanRun: { moved: 1 },
  },
  {
    name: 'first sync of two sides that already share mail',
    async setup(w) {
      await w.remote.append('INBOX', msg('shared-1'), { flags: ['\\Seen'] });
      await w.remote.append('INBOX', msg('shared-2'));
      await w.remote.append('INBOX', msg('hello', ['List-Id: <team.example.org>']));
      await w.remote.createFolder('Work');
      await w.remote.append('Work', msg('w-shared'), { flags: ['\\Answered'] });
      await addLocal(w, msg('shared-1'), ['\\Flagged']);
      await addLocal(w, msg('shared-2'), ['\\Seen']);
      // Same Message-ID, other bytes (the sent copy of a list message): a different message.
      await addLocal(w, msg('hello'), ['\\Seen']);
      if (w.localImap) await w.localImap.createFolder('Work');
      await addLocal(w, msg('w-shared'), ['\\Seen'], 'Work');
      await addLocal(w, msg('w-local'), [], 'Work');
    },
    // Paired, not copied; flags of the first pairing united.
    result: {
      INBOX: [
        [msg('shared-1'), ['\\Flagged', '\\Seen']],
        [msg('shared-2'), ['\\Seen']],
        [msg('hello', ['List-Id: <team.example.org>']), []],
        [msg('hello'), ['\\Seen']],
      ],
      Work: [
        [msg('w-shared'), ['\\Answered', '\\Seen']],
        [msg('w-local'), []],
      ],
    },
    cleanRun: { paired: 3 },
    maildirOnly: true,
  },
  {
    name: 'UIDVALIDITY reset that gives old UIDs to other messages',
    async setup(w) {
      for (const s of ['gone', 'second', 'third', 'fourth']) await w.remote.append('INBOX', msg(s), { flags: s === 'third' ? ['\\Flagged'] : [] });
      // UID 1 is left unused, so after the reset "second" has UID 1, "third" the UID "second" had, and so on.
      await w.remote.expunge('INBOX', [await remoteUidOf(w, 'gone')]);
      await synced(w);
      await flagRemote(w, 'second', ['\\Seen']);
      await w.remote.append('INBOX', msg('fifth'));
      await flagLocal(w, 'third', ['\\Answered']);
      await addLocal(w, msg('local-new'));
      // The server renumbers INBOX (new UIDVALIDITY, UIDs from 1); so does the replica's, if IMAP.
      await w.whileLoggedOut(async () => {
        await w.server.resetUidValidity(w.user.user, 'INBOX');
        if (w.localUser) await w.server.resetUidValidity(w.localUser.user, 'INBOX');
      });
    },
    result: {
      INBOX: [
        [msg('second'), ['\\Seen']],
        [msg('third'), ['\\Answered', '\\Flagged']],
        [msg('fourth'), []],
        [msg('fifth'), []],
        [msg('local-new'), []],
      ],
    },
    cleanRun: { notes: /renumbered/ },
  },
  {
    name: 'first sync over the Maildir mbsync left for the same mail',
    async setup(w) {
      await w.remote.createFolder('Archive');
      await w.remote.append('INBOX', msg('m-seen'), { flags: ['\\Seen'] });
      await w.remote.append('INBOX', msg('m-flagged'), { flags: ['\\Flagged'] });
      await w.remote.append('INBOX', makeMessage({ subject: 'm-no-id', messageId: null, body: 'Body of m-no-id.\r\n' }));
      await w.remote.append('Archive', msg('m-answered'), { flags: ['\\Answered', '\\Seen'] });
      const folders = await Promise.all(MBSYNC_FOLDERS.map(async (f) => ({ ...f, uidValidity: await w.remote.uidValidity(f.name), messages: await w.remote.messages(f.name) })));
      await writeMbsyncMaildir(w.maildir, folders, { syncStateInFolder: true });
    },
    // Every message paired, none copied either way, in any run.
    noTransfer: true,
    cleanRun: { paired: 4 },
    maildirOnly: true,
    toolFolders: MBSYNC_FOLDERS,
  },
  {
    ...everyKindOfChange,
    // Deletes are STORE \\Deleted + EXPUNGE (nothing else is marked \\Deleted), uploads found by identity.
    name: 'every kind of change on both sides after a sync, on a server without UIDPLUS or MOVE',
    dovecot: WITHOUT_UIDPLUS_OR_MOVE,
  },
  {
    ...movesBothSides,
    // Moves are COPY, STORE \\Deleted, EXPUNGE; the moved copy's UID is found by identity.
    name: 'moves between folders on both sides after a sync, flags changed on the other side, on a server without MOVE or UIDPLUS',
    dovecot: WITHOUT_UIDPLUS_OR_MOVE,
  },
  {
    name: 'a server without CONDSTORE that reuses UIDs without changing UIDVALIDITY',
    dovecot: { capability: 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT LITERAL+ UIDPLUS MOVE NAMESPACE SPECIAL-USE' },
    async setup(w) {
      await w.remote.append('INBOX', msg('first'), { flags: ['\\Flagged'] });
      await w.remote.append('INBOX', msg('second'));
      await synced(w);
      const before = await w.remote.uidValidity('INBOX');
      await flagLocal(w, 'second', ['\\Seen']);
      // The server loses its UID map and numbers from 1 again under the old UIDVALIDITY: "second"
      // gets UID 1 ("first"'s), new mail UID 2.
      await w.remote.expunge('INBOX', [await remoteUidOf(w, 'first')]);
      await w.whileLoggedOut(async () => {
        await w.server.resetUidValidity(w.user.user, 'INBOX');
        await w.server.setUidValidity(w.user.user, 'INBOX', before);
      });
      await w.remote.append('INBOX', msg('third'));
      if ((await remoteUidOf(w, 'second')) !== 1 || (await w.remote.uidValidity('INBOX')) !== before) throw new Error('the server did not reuse the UIDs');
    },
    // No flag lands on the wrong message, new mail arrives once, "first" is not lost.
    result: {
      INBOX: [
        [msg('first'), ['\\Flagged']],
        [msg('second'), ['\\Seen']],
        [msg('third'), []],
      ],
    },
    cleanRun: { notes: /old UIDs to new messages/ },
  },
];

async function views(w: SyncWorld, scenario: Scenario): Promise<{ remote: SideView; local: SideView }> {
  if (scenario.toolFolders) return { remote: await serverView(w.remote, scenario.toolFolders), local: await maildirView(w.maildir, scenario.toolFolders) };
  return { remote: await w.remoteView(), local: await w.localView() };
}

/** For a tool's Maildir: every folder and file name on the replica, every folder and UID on the server. */
async function untouched(w: SyncWorld, scenario: Scenario): Promise<unknown> {
  if (!scenario.toolFolders) return null;
  const uids: Record<string, number[]> = {};
  for (const f of scenario.toolFolders) uids[f.name] = (await w.remote.messages(f.name)).map((m) => m.uid);
  return { folders: await localFolderNames(w.maildir), files: await fileNames(w.maildir, scenario.toolFolders), remoteFolders: Object.keys(await w.remoteView()), uids };
}

function viewOf(expected: Expected): SideView {
  const view: SideView = {};
  for (const [folder, messages] of Object.entries(expected)) view[folder] = messages.map(([bytes, flags]) => `${sha256(bytes)} ${[...flags].sort().join(' ')}`).sort();
  return view;
}

/** A run's --json summary and everything it reported (folder notes and the lines on stderr). */
interface Run {
  summary: SyncSummary;
  notes: string;
}

async function run(w: SyncWorld, what: string): Promise<Run> {
  const r = await w.sync(['--json']);
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  const summary = JSON.parse(r.stdout) as SyncSummary;
  return { summary, notes: [...summary.accounts[0]!.folders.flatMap((f) => f.notes), r.stderr].join('\n') };
}

/** The run's counts over all folders. */
function totals({ summary }: Run): { copied: number; bytes: number } {
  const f = summary.accounts[0]!.folders;
  return { copied: f.reduce((n, x) => n + x.copied.toLocal + x.copied.toRemote, 0), bytes: f.reduce((n, x) => n + x.bytes.toLocal + x.bytes.toRemote, 0) };
}

function expectCleanRun(r: Run, want: NonNullable<Scenario['cleanRun']>): void {
  const f = r.summary.accounts[0]!.folders;
  if (want.notes) expect(r.notes).toMatch(want.notes);
  if (want.paired !== undefined) expect(f.reduce((n, x) => n + x.paired, 0)).toBe(want.paired);
  if (want.moved !== undefined) expect(f.reduce((n, x) => n + x.moved.toLocal + x.moved.toRemote, 0)).toBe(want.moved);
}

/** A run after a complete one must find nothing to do. */
function expectNoChange(r: Run, what: string): void {
  for (const f of r.summary.accounts[0]!.folders) {
    expect(f, `a run after ${what} changed something`).toMatchObject({
      copied: { toLocal: 0, toRemote: 0 },
      deleted: { toLocal: 0, toRemote: 0 },
      flagUpdates: { toLocal: 0, toRemote: 0 },
      moved: { toLocal: 0, toRemote: 0 },
      paired: 0,
      conflicts: 0,
      duplicatesRemoved: 0,
    });
  }
  expect(r.notes, `a run after ${what}`).not.toMatch(/renamed|renumbered|damaged/);
}

/** What the state records: per folder its pairs and one-sided messages; every open conflict. */
async function recorded(w: SyncWorld): Promise<{ folders: string[]; conflicts: string[] }> {
  const { folders } = await accountStatus(join(w.dir, 'state'), 'test');
  return {
    folders: folders.map((f) => `${f.folder}: ${f.messages} paired, ${f.keptOneSide} one-sided${f.damaged ? ', damaged' : ''}`).sort(),
    conflicts: folders.flatMap((f) => f.conflicts.map((c) => `${f.folder} ${c.kind}`)).sort(),
  };
}

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('crash after every durable step, %s', (_name, localImap) => {
  it.each(scenarios.filter((s) => !(localImap && s.maildirOnly)).map((s) => [s.name, s] as const))('%s', async (_n, scenario) => {
    // A Dovecot of its own: a world per crash point (two users each for IMAP<->IMAP) would
    // outnumber the users one server has ready.
    const dovecot = await startDovecot(scenario.dovecot);
    try {
      await crashAtEveryStep(dovecot, scenario, localImap);
    } finally {
      await dovecot.stop();
    }
  }, 600_000);
});

async function crashAtEveryStep(dovecot: DovecotServer, scenario: Scenario, localImap: boolean): Promise<void> {
  const reference = await SyncWorld.create(dovecot, { localImap });
  await scenario.setup(reference);
  const before = await untouched(reference, scenario);
  const clean = await run(reference, 'uninterrupted run');
  expectNoChange(await run(reference, 'a further run'), 'the uninterrupted run');
  expect(await untouched(reference, scenario)).toEqual(before);
  const expected = await views(reference, scenario);
  expect(expected.remote).toEqual(expected.local);
  if (scenario.result) expect(expected.remote).toEqual(viewOf(scenario.result));
  const state = await recorded(reference);
  if (scenario.conflicts) expect(state.conflicts).toEqual([...scenario.conflicts].sort());
  if (scenario.cleanRun) expectCleanRun(clean, scenario.cleanRun);
  const cleanTotals = totals(clean);
  if (scenario.noTransfer) expect(cleanTotals).toEqual({ copied: 0, bytes: 0 });
  await reference.close();

  const crashes: string[] = [];
  let step = 1;
  for (; step < 200; step++) {
    const w = await SyncWorld.create(dovecot, { localImap });
    await scenario.setup(w);
    const start = await untouched(w, scenario);
    const crashed = await w.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
    if (crashed.code === 0) {
      await w.close();
      break;
    }
    expect(crashed.code, `step ${step}: ${crashed.stderr}`).toBe(FAULT_EXIT);
    const at = `after a crash at step ${step} (${crashed.stderr.trim()})`;
    crashes.push(crashed.stderr.trim());
    const resumed = totals(await run(w, `resume ${at}`));
    // Work the crashed run finished is not done again: never more copies than one whole run.
    expect(resumed.copied, `copies in the resume ${at}`).toBeLessThanOrEqual(cleanTotals.copied);
    if (scenario.noTransfer) expect(resumed, `the resume ${at} transferred messages`).toEqual({ copied: 0, bytes: 0 });
    expect(await views(w, scenario), at).toEqual(expected);
    expectNoChange(await run(w, `a further run ${at}`), `the resume ${at}`);
    expect(await recorded(w), `state ${at}`).toEqual(state);
    if (scenario.toolFolders) expect(await untouched(w, scenario), `files or server messages changed ${at}`).toEqual(start);
    await w.close();
  }
  // The scenario has durable steps at all, and the loop ended because the run outlived them.
  expect(step, `the durable steps:\n${crashes.join('\n')}`).toBeGreaterThan(3);
  expect(step).toBeLessThan(200);
}

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
