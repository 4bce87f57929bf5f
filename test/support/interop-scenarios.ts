import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import type { ImapFixture } from './imap-fixture.js';
import type { TestImapServer } from './imap-server.js';
import { deleteLocal, deliverLocal, folderDir, localFolderNames, localMessages, setLocalLetters, wireBytes } from './local-maildir.js';
import { largeMessage, makeMessage, oddMessages } from './messages.js';
import { SyncWorld } from './sync-world.js';

/**
 * The scenarios that matter for interoperability, run against one real server as the remote
 * and, in IMAP<->IMAP mode, as the replica too (a second user). Each server's test file calls
 * interopSuite with how to start it and what it is known to do differently.
 */
export interface ServerTraits {
  /** The server stores keywords (PERMANENTFLAGS has \*). */
  keywords: boolean;
  /** LIST-STATUS and CONDSTORE: a pass with nothing new skips folders by their status alone. */
  skipsQuietFolders: boolean;
  /** A message this server refuses to store, for the "nothing stranded" scenario; null if none was found. */
  refused: Buffer | null;
}

type World = SyncWorld<TestImapServer>;

const msg = (n: string) => makeMessage({ subject: n, messageId: `<${n}@interop.test>`, body: `Body of ${n}.\r\n` });
/** What a mail client writes into a Maildir: the same message with LF line ends. */
const lfOnly = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
const subjectOf = (bytes: Buffer) => /^Subject: (.*?)\r?$/m.exec(bytes.toString('latin1'))?.[1] ?? '';
const LETTERS: Record<string, string> = { '\\Answered': 'R', '\\Flagged': 'F', '\\Seen': 'S', '\\Draft': 'D' };
/** Past the 2 s in which a Maildir directory vouches for nothing. */
const settle = () => new Promise((r) => setTimeout(r, 2300));

export function interopSuite(name: string, start: () => Promise<TestImapServer>, traits: ServerTraits): void {
  let server: TestImapServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe.each([
    ['IMAP<->Maildir', false],
    ['IMAP<->IMAP', true],
  ] as const)(`${name}, %s`, (_mode, localImap) => {
    async function world(): Promise<World> {
      onTestFailed(async () => {
        console.error((await server.log()).slice(-20_000));
      });
      return SyncWorld.create(server, { localImap });
    }

    async function sync(w: World): Promise<SyncSummary> {
      const r = await w.sync(['--json']);
      expect(r.code, `sync exited ${r.code}\n${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as SyncSummary;
    }

    async function addLocal(w: World, folder: string, bytes: Buffer, flags: string[] = []): Promise<void> {
      if (w.localImap) await w.localImap.append(folder, bytes, { flags });
      else await deliverLocal(w.maildir, folder, bytes, flags.length ? { letters: flags.map((f) => LETTERS[f]).join('') } : {});
    }

    async function localId(w: World, folder: string, subject: string): Promise<string> {
      if (w.localImap) return String((await w.localImap.messages(folder)).find((m) => subjectOf(m.bytes) === subject)!.uid);
      return (await localMessages(w.maildir, folder)).find((m) => subjectOf(m.bytes) === subject)!.unique;
    }

    const remoteUid = async (w: World, folder: string, subject: string) => (await w.remote.messages(folder)).find((m) => subjectOf(m.bytes) === subject)!.uid;

    async function flagLocal(w: World, folder: string, subject: string, flags: string[]): Promise<void> {
      const id = await localId(w, folder, subject);
      if (w.localImap) return w.localImap.addFlags(folder, [Number(id)], flags);
      const m = (await localMessages(w.maildir, folder)).find((x) => x.unique === id)!;
      await setLocalLetters(w.maildir, folder, id, m.letters + flags.map((f) => LETTERS[f]).join(''));
    }

    async function deleteLocalMessage(w: World, folder: string, subject: string): Promise<void> {
      const id = await localId(w, folder, subject);
      if (w.localImap) await w.localImap.expunge(folder, [Number(id)]);
      else await deleteLocal(w.maildir, folder, id);
    }

    async function moveLocal(w: World, from: string, subject: string, to: string): Promise<void> {
      const id = await localId(w, from, subject);
      if (w.localImap) return imapMove(w.localImap, from, Number(id), to);
      const m = (await localMessages(w.maildir, from)).find((x) => x.unique === id)!;
      await rename(join(folderDir(w.maildir, from), m.file), join(folderDir(w.maildir, to), 'cur', `${id}:2,${m.letters}`));
    }

    async function createLocalFolder(w: World, folder: string): Promise<void> {
      if (w.localImap) await w.localImap.createFolder(folder);
      else for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(folderDir(w.maildir, folder), sub), { recursive: true });
    }

    const localFolders = async (w: World) => (w.localImap ? Object.keys(await w.localView()).sort() : localFolderNames(w.maildir));
    const remoteFolders = async (w: World) => Object.keys(await w.remoteView()).sort();
    const work = (f: FolderSummary) => f.copied.toLocal + f.copied.toRemote + f.deleted.toLocal + f.deleted.toRemote + f.flagUpdates.toLocal + f.flagUpdates.toRemote + f.moved.toLocal + f.moved.toRemote;

    it('first sync both ways: odd bytes, a 5 MB message, and LF-only files as mail clients write them', async () => {
      const w = await world();
      const odd = oddMessages();
      for (const [i, bytes] of odd.entries()) await w.remote.append('INBOX', bytes, { flags: i % 2 ? ['\\Seen'] : [] });
      const big = largeMessage(5 * 1024 * 1024);
      await w.remote.append('INBOX', big, { flags: ['\\Flagged'] });
      const mine = ['lf-1', 'lf-2', 'lf-3'].map((s) => msg(s));
      // An IMAP replica holds them in wire form; a Maildir as a mail client wrote them.
      for (const bytes of mine) await addLocal(w, 'INBOX', w.localImap ? bytes : lfOnly(bytes), ['\\Seen']);
      const first = await sync(w);
      const inbox = first.accounts[0]!.folders.find((f) => f.folder === 'INBOX')!;
      expect(inbox.copied).toEqual({ toLocal: odd.length + 1, toRemote: mine.length });
      expect(await w.localView()).toEqual(await w.remoteView());
      const remote = await w.remote.messages('INBOX');
      expect(remote).toHaveLength(odd.length + 1 + mine.length);
      // Byte for byte: the server holds each upload in wire form, the 5 MB message arrived whole.
      for (const bytes of mine) expect(remote.some((m) => m.bytes.equals(bytes)), subjectOf(bytes)).toBe(true);
      if (!w.localImap) {
        const files = await localMessages(w.maildir, 'INBOX');
        const written = files.filter((f) => !mine.some((b) => subjectOf(b) === subjectOf(f.bytes)));
        expect(written).toHaveLength(odd.length + 1);
        for (const f of written) expect(f.bytes.includes('\r\n'), `${f.file} has CRLF line ends`).toBe(false);
        expect(written.some((f) => wireBytes(f.bytes).equals(big))).toBe(true);
      }
      const again = await sync(w);
      expect(again.accounts[0]!.folders.map(work)).toEqual(again.accounts[0]!.folders.map(() => 0));
      await w.close();
    });

    it('flags and keywords both ways', async () => {
      const w = await world();
      for (const s of ['f1', 'f2', 'f3', 'f4']) await w.remote.append('INBOX', msg(s));
      await sync(w);
      await w.remote.addFlags('INBOX', [await remoteUid(w, 'INBOX', 'f1')], ['\\Seen']);
      await w.remote.addFlags('INBOX', [await remoteUid(w, 'INBOX', 'f2')], ['\\Flagged']);
      if (traits.keywords) await w.remote.addFlags('INBOX', [await remoteUid(w, 'INBOX', 'f3')], ['$Label1']);
      await flagLocal(w, 'INBOX', 'f4', ['\\Answered']);
      await flagLocal(w, 'INBOX', 'f2', ['\\Seen']);
      await sync(w);
      const flags = Object.fromEntries((await w.remote.messages('INBOX')).map((m) => [subjectOf(m.bytes), m.flags.sort()]));
      expect(flags).toEqual({ f1: ['\\Seen'], f2: ['\\Flagged', '\\Seen'], f3: traits.keywords ? ['$Label1'] : [], f4: ['\\Answered'] });
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    it('deletes both ways', async () => {
      const w = await world();
      for (const s of ['d1', 'd2', 'd3', 'd4']) await w.remote.append('INBOX', msg(s));
      await sync(w);
      await w.remote.expunge('INBOX', [await remoteUid(w, 'INBOX', 'd1')]);
      await deleteLocalMessage(w, 'INBOX', 'd2');
      const r = await sync(w);
      expect(r.accounts[0]!.folders.find((f) => f.folder === 'INBOX')!.deleted).toEqual({ toLocal: 1, toRemote: 1 });
      expect((await w.remote.messages('INBOX')).map((m) => subjectOf(m.bytes)).sort()).toEqual(['d3', 'd4']);
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    it('moves both ways, without transferring the messages again', async () => {
      const w = await world();
      await w.remote.createFolder('Archive');
      for (const s of ['v1', 'v2', 'v3']) await w.remote.append('INBOX', msg(s));
      await sync(w);
      await imapMove(w.remote, 'INBOX', await remoteUid(w, 'INBOX', 'v1'), 'Archive');
      await moveLocal(w, 'INBOX', 'v2', 'Archive');
      const r = await sync(w);
      const archive = r.accounts[0]!.folders.find((f) => f.folder === 'Archive')!;
      expect(archive.moved).toEqual({ toLocal: 1, toRemote: 1 });
      for (const f of r.accounts[0]!.folders) expect(f.bytes, f.folder).toEqual({ toLocal: 0, toRemote: 0 });
      expect((await w.remote.messages('Archive')).map((m) => subjectOf(m.bytes)).sort()).toEqual(['v1', 'v2']);
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    it('folders with spaces and non-ASCII names, nested, made on either side; then renamed and deleted; the pass after each is a no-op', async () => {
      const w = await world();
      // Only the nested one: its parent is a plain directory in a Maildir, no folder.
      await createLocalFolder(w, 'Neu L/Größe L');
      await addLocal(w, 'Neu L/Größe L', msg('nested'));
      await w.remote.createFolder('Reports 2024');
      await w.remote.append('Reports 2024', msg('report'));
      await sync(w);
      expect(await localFolders(w)).toEqual(await remoteFolders(w));
      expect(await remoteFolders(w)).toEqual(expect.arrayContaining(['INBOX', 'Neu L/Größe L', 'Reports 2024']));
      // Folders a server made by itself (Cyrus makes "Neu L" real) were taken in by that pass.
      const next = await sync(w);
      for (const f of next.accounts[0]!.folders) {
        expect(work(f), f.folder).toBe(0);
        expect(f.notes.join(' '), f.folder).not.toMatch(/created/);
      }
      await w.remote.client.mailboxRename(w.remote.serverName('Reports 2024'), w.remote.serverName('Berichte Ü 2024'));
      await createLocalFolder(w, 'Leer');
      await sync(w);
      expect(await remoteFolders(w)).toContain('Leer');
      expect(await localFolders(w)).toContain('Berichte Ü 2024');
      expect(await localFolders(w)).not.toContain('Reports 2024');
      if (w.localImap) await w.localImap.client.mailboxDelete(w.localImap.serverName('Leer'));
      else await rm(folderDir(w.maildir, 'Leer'), { recursive: true });
      const renamed = await sync(w);
      for (const f of renamed.accounts[0]!.folders) expect(f.copied, f.folder).toEqual({ toLocal: 0, toRemote: 0 });
      expect(await remoteFolders(w)).not.toContain('Leer');
      expect(await localFolders(w)).toEqual(await remoteFolders(w));
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    it('killed again and again during uploads and downloads: every message lands once', async () => {
      const w = await world();
      for (let i = 0; i < 12; i++) await w.remote.append('INBOX', msg(`down-${i}`), { flags: i % 3 ? [] : ['\\Seen'] });
      for (let i = 0; i < 12; i++) await addLocal(w, 'INBOX', w.localImap ? msg(`up-${i}`) : lfOnly(msg(`up-${i}`)));
      let kills = 0;
      for (const step of [1, 3, 5, 8, 12, 17]) {
        const r = await w.sync([], { MAILFERRY_FAULT_AFTER_STEPS: String(step) });
        if (r.code === 86) kills++;
        else expect(r.code, r.stderr).toBe(0);
      }
      expect(kills).toBeGreaterThanOrEqual(3);
      await sync(w);
      const remote = (await w.remote.messages('INBOX')).map((m) => subjectOf(m.bytes)).sort();
      expect(remote).toEqual([...Array.from({ length: 12 }, (_, i) => `down-${i}`), ...Array.from({ length: 12 }, (_, i) => `up-${i}`)].sort());
      expect(await w.localView()).toEqual(await w.remoteView());
      const again = await sync(w);
      expect(again.accounts[0]!.folders.map(work)).toEqual(again.accounts[0]!.folders.map(() => 0));
      await w.close();
    });

    it('a message that left INBOX and came back under a new UID while the replica flagged it: one copy each side, flags merged', async () => {
      const w = await world();
      await w.remote.createFolder('Archive');
      for (const s of ['r1', 'r2']) await w.remote.append('INBOX', msg(s));
      await sync(w);
      await imapMove(w.remote, 'INBOX', await remoteUid(w, 'INBOX', 'r1'), 'Archive');
      await imapMove(w.remote, 'Archive', await remoteUid(w, 'Archive', 'r1'), 'INBOX');
      await w.remote.addFlags('INBOX', [await remoteUid(w, 'INBOX', 'r1')], ['\\Seen']);
      await flagLocal(w, 'INBOX', 'r1', ['\\Flagged']);
      const r = await sync(w);
      for (const f of r.accounts[0]!.folders) expect(f.copied, f.folder).toEqual({ toLocal: 0, toRemote: 0 });
      const inbox = await w.remote.messages('INBOX');
      expect(inbox.map((m) => [subjectOf(m.bytes), m.flags.sort()]).sort()).toEqual([['r1', ['\\Flagged', '\\Seen']], ['r2', []]]);
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    it('a pass with nothing new changes nothing', async () => {
      const w = await world();
      await w.remote.createFolder('Archive');
      for (const s of ['q1', 'q2']) await w.remote.append('INBOX', msg(s), { flags: ['\\Seen'] });
      await w.remote.append('Archive', msg('q3'));
      await addLocal(w, 'INBOX', msg('q4'));
      await sync(w);
      // The first pass after one that wrote lists once more (it does not take its own writes
      // on trust, and a Maildir directory vouches for nothing for 2 s); from then on it is quiet.
      await settle();
      await sync(w);
      const quiet = await sync(w);
      for (const f of quiet.accounts[0]!.folders) {
        expect(work(f), f.folder).toBe(0);
        if (traits.skipsQuietFolders) expect(f.outcome, f.folder).toBe('unchanged');
      }
      expect(await w.localView()).toEqual(await w.remoteView());
      await w.close();
    });

    if (!localImap && traits.refused) {
      const refused = traits.refused;
      it('a message the server refuses: the folder is incomplete, the run exits 1, every run retries it until it is across', async () => {
        const w = await world();
        await addLocal(w, 'INBOX', msg('accepted'));
        const file = join(w.maildir, 'INBOX', 'cur', '1700000000.M1P1.refused:2,S');
        await writeFile(file, refused);
        for (const wait of [false, true]) {
          if (wait) await settle();
          const r = await w.sync(['--json']);
          expect(r.code, r.stderr).toBe(1);
          const inbox = (JSON.parse(r.stdout) as SyncSummary).accounts[0]!.folders.find((f) => f.folder === 'INBOX')!;
          expect(inbox.outcome).toBe('incomplete');
          expect(inbox.pending.copies).toEqual({ toLocal: 0, toRemote: 1 });
        }
        expect((await w.status()).stdout).toMatch(/NOT IN STEP: 1 message only on this computer/);
        await writeFile(file, msg('fixed'));
        await sync(w);
        expect((await w.remote.messages('INBOX')).map((m) => subjectOf(m.bytes)).sort()).toEqual(['accepted', 'fixed']);
        expect(await readFile(file)).toEqual(msg('fixed'));
        expect((await w.status()).stdout).not.toMatch(/NOT IN STEP/);
        await w.close();
      });
    }
  });
}

async function imapMove(fx: ImapFixture, from: string, uid: number, to: string): Promise<void> {
  const lock = await fx.client.getMailboxLock(fx.serverName(from));
  try {
    await fx.client.messageMove(String(uid), fx.serverName(to), { uid: true });
  } finally {
    lock.release();
  }
}
