import net from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ImapConnectError } from '../../electron/engine/store/imap/imap-connect-error.js';
import type { ImapEndpoint } from '../../electron/engine/store/imap/imap-endpoint.js';
import { ImapStore } from '../../electron/engine/store/imap/imap-store.js';
import { FolderMissingError, type AppendTicket, type FolderSession } from '../../electron/engine/store/mail-store.js';
import { fullIdentityOf } from '../../electron/engine/identity-hasher.js';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { largeMessage, makeMessage, oddMessages } from '../support/messages.js';

/** Closes whatever a test opened, and shows Dovecot's log when the test failed. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function printLogOnFailure(server: DovecotServer): void {
  onTestFailed(async () => {
    console.error(await server.log());
  });
}

function endpoint(server: DovecotServer, user: DovecotUser, over: Partial<ImapEndpoint> = {}): ImapEndpoint {
  return { host: server.host, port: server.port, security: 'none', user: user.user, password: user.password, ...over };
}

interface Account {
  user: DovecotUser;
  store: ImapStore;
  fx: ImapFixture;
  warnings: string[];
}

async function freshAccount(server: DovecotServer): Promise<Account> {
  printLogOnFailure(server);
  const user = await server.addUser();
  const warnings: string[] = [];
  const store = await ImapStore.connect(endpoint(server, user), { onWarning: (m) => warnings.push(m) });
  cleanups.push(() => store.close());
  const fx = await connect(server, user);
  cleanups.push(() => fx.close());
  return { user, store, fx, warnings };
}

async function open(store: ImapStore, folder: string): Promise<FolderSession> {
  const session = await store.openFolder(folder);
  cleanups.push(() => session.close());
  return session;
}

function ticketOf(session: FolderSession): Promise<AppendTicket> {
  return session.appendTicket();
}

async function connectError(ep: ImapEndpoint): Promise<ImapConnectError> {
  const err = await ImapStore.connect(ep).then(
    (store) => {
      cleanups.push(() => store.close());
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImapConnectError);
  return err as ImapConnectError;
}

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const address = probe.address();
  await new Promise((r) => probe.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('ImapStore against Dovecot', () => {
  let server: DovecotServer;
  beforeAll(async () => {
    server = await startDovecot({ tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('folders', () => {
    it('lists nested, non-ASCII and spaced names as created, with special use, and skips \\Noselect parents', async () => {
      const { user, store, fx } = await freshAccount(server);
      for (const name of ['Entwürfe', 'Archive/2024', 'With space', 'Sent']) await store.createFolder(name);
      await fx.createFolder('Ordner/Ünterordner');

      const listed = await store.listFolders();
      expect(listed.map((f) => f.name).sort()).toEqual(['Archive/2024', 'Entwürfe', 'INBOX', 'Ordner/Ünterordner', 'Sent', 'With space']);
      expect(listed.find((f) => f.name === 'Sent')?.specialUse).toBe('\\Sent');
      // Name guesses are not special use: only what the server says is.
      expect(listed.find((f) => f.name === 'Entwürfe')?.specialUse).toBeUndefined();
      // What the server itself holds: nested directories, the name in modified UTF-7 on disk.
      expect(await server.folderDir(user.user, 'Archive/2024')).toMatch(/\/Archive\/2024$/);
      expect(await server.folderDir(user.user, 'Entwürfe')).toMatch(/\/Entw&APw-rfe$/);

      for (const name of ['Entwürfe', 'Archive/2024', 'With space', 'Ordner/Ünterordner']) {
        const session = await open(store, name);
        expect(session.folder).toBe(name);
        await session.close();
      }
    });

    it('creates and deletes folders, refuses to delete one with messages, and reports missing ones', async () => {
      const { store, fx } = await freshAccount(server);
      await store.createFolder('Scratch');
      await store.createFolder('Scratch'); // already there: no error
      await store.createFolder('Keep');
      await fx.append('Keep', makeMessage({ subject: 'stays' }));

      await store.deleteFolder('Scratch');
      await expect(store.deleteFolder('Keep')).rejects.toThrow(/holds 1 messages/);
      const names = (await store.listFolders()).map((f) => f.name);
      expect(names).not.toContain('Scratch');
      expect(names).toContain('Keep');
      expect(await fx.messages('Keep')).toHaveLength(1);

      await expect(store.openFolder('Nowhere')).rejects.toBeInstanceOf(FolderMissingError);
      await expect(store.deleteFolder('Nowhere')).rejects.toBeInstanceOf(FolderMissingError);
      await expect(store.createFolder('a//b')).rejects.toThrow(/empty level/);
    });

    it('allows one open folder at a time', async () => {
      const { store } = await freshAccount(server);
      const inbox = await open(store, 'INBOX');
      await expect(store.openFolder('INBOX')).rejects.toThrow(/still open/);
      await inbox.close();
      await (await open(store, 'INBOX')).close();
    });
  });

  describe('messages', () => {
    it('reports status and lists UIDs with normalized flags including keywords', async () => {
      const { store, fx } = await freshAccount(server);
      const empty = await open(store, 'INBOX');
      expect(await empty.list()).toEqual([]);
      expect(empty.status.messages).toBe(0);
      await empty.close();

      const a = await fx.append('INBOX', makeMessage({ subject: 'a' }), { flags: ['\\Seen', '$Forwarded'] });
      const b = await fx.append('INBOX', makeMessage({ subject: 'b' }), { flags: ['\\Flagged', 'Work', '\\Answered'] });
      const c = await fx.append('INBOX', makeMessage({ subject: 'c' }));
      const session = await open(store, 'INBOX');
      expect(session.status).toEqual({
        uidValidity: await fx.uidValidity('INBOX'),
        uidNext: c + 1,
        highestModseq: expect.stringMatching(/^[1-9][0-9]*$/),
        messages: 3,
        changeToken: null,
      });
      const sizes = Object.fromEntries((await fx.messages('INBOX')).map((m) => [m.uid, m.size]));
      expect(await session.list()).toEqual([
        { id: String(a), flags: ['$Forwarded', '\\Seen'], size: sizes[a] },
        { id: String(b), flags: ['Work', '\\Answered', '\\Flagged'], size: sizes[b] },
        { id: String(c), flags: [], size: sizes[c] },
      ]);
    });

    it('identifies messages by header and size exactly as the hasher does for their bytes', async () => {
      const { store, fx } = await freshAccount(server);
      const bytes = [makeMessage({ subject: 'one' }), oddMessages()[0]!, Buffer.from('From: a@example.org\r\nSubject: no id\r\n\r\nx\r\n')];
      const uids: number[] = [];
      for (const b of bytes) uids.push(await fx.append('INBOX', b));
      const session = await open(store, 'INBOX');

      const ids = await session.identify([...uids.map(String), '999']);
      expect([...ids.keys()].sort()).toEqual(uids.map(String).sort());
      bytes.forEach((b, i) => {
        const { messageId, size, headerSha256 } = fullIdentityOf(b);
        expect(ids.get(String(uids[i]))).toEqual({ messageId, size, headerSha256 });
      });
      expect(ids.get(String(uids[2]))?.messageId).toBeNull();
    });

    it('reads 8-bit and 5 MB messages byte for byte, with the internal date given at append', async () => {
      const { store, fx } = await freshAccount(server);
      const date = new Date('2019-06-30T23:59:58Z');
      const small = oddMessages()[0]!;
      const big = largeMessage(5 * 1024 * 1024);
      const session = await open(store, 'INBOX');
      const smallId = await session.append({ ticket: await ticketOf(session), content: small, flags: [], internalDate: date });
      const bigId = await session.append({ ticket: await ticketOf(session), content: Readable.from([big.subarray(0, 1000), big.subarray(1000)]), flags: ['\\Seen'], internalDate: date });

      const readSmall = await session.read(smallId!);
      expect(readSmall?.internalDate.toISOString()).toBe(date.toISOString());
      expect(readSmall?.size).toBe(small.length);
      expect((await buffer(readSmall!.stream)).equals(small)).toBe(true);

      const readBig = await session.read(bigId!);
      expect(readBig?.size).toBe(big.length);
      expect((await buffer(readBig!.stream)).equals(big)).toBe(true);

      const onServer = await fx.messages('INBOX');
      expect(onServer.map((m) => m.internalDate.toISOString())).toEqual([date.toISOString(), date.toISOString()]);
    });

    it('appends a batch in one MULTIAPPEND: every message byte-exact with its flags and date, UIDs in order', async () => {
      const { store, fx } = await freshAccount(server);
      await fx.append('INBOX', makeMessage({ subject: 'already there' }));
      const session = await open(store, 'INBOX');
      const dates = [new Date('2020-01-02T03:04:05Z'), new Date('2021-06-07T08:09:10Z'), new Date('2022-11-12T13:14:15Z')];
      const contents = [oddMessages()[0]!, makeMessage({ subject: 'zwei', body: Buffer.from('Grüße aus Köln\r\n', 'utf8') }), largeMessage(300 * 1024)];
      const flags = [['\Seen'], [], ['\Flagged', '$Label1']];
      const ticket = await ticketOf(session);
      const ids = await session.appendMany!(contents.map((content, i) => ({ ticket, content, flags: flags[i]!, internalDate: dates[i]! })));
      await session.close();
      const onServer = await fx.messages('INBOX');
      expect(onServer).toHaveLength(4);
      expect(ids).toEqual(onServer.slice(1).map((m) => String(m.uid)));
      for (const [i, m] of onServer.slice(1).entries()) {
        expect(m.bytes.equals(contents[i]!), `message ${i}`).toBe(true);
        expect(m.internalDate.toISOString()).toBe(dates[i]!.toISOString());
        expect(m.flags.filter((f) => f !== '\\Recent').sort()).toEqual([...flags[i]!].sort());
      }
    });

    it('appends with flags and returns the UID the server assigned', async () => {
      const { store, fx, warnings } = await freshAccount(server);
      await fx.append('INBOX', makeMessage({ subject: 'already there' }));
      const session = await open(store, 'INBOX');
      const ticket = await ticketOf(session);
      expect(ticket).toEqual({ kind: 'imap', uidValidity: session.status.uidValidity, uidNext: 2 });
      const bytes = makeMessage({ subject: 'appended' });
      const id = await session.append({ ticket, content: bytes, flags: ['\\Seen', '$Forwarded', 'Custom', '\\Recent', 'not an atom'], internalDate: new Date('2024-02-03T04:05:06Z') });
      expect(id).toBe('2');
      expect(warnings).toEqual([expect.stringContaining('not an atom')]);
      const m = (await fx.messages('INBOX')).find((x) => x.uid === 2);
      expect(m?.bytes.equals(bytes)).toBe(true);
      expect(m?.flags).toEqual(['$Forwarded', 'Custom', '\\Seen']);
      expect(m?.internalDate.toISOString()).toBe('2024-02-03T04:05:06.000Z');
    });

    it('recovers an append made under a ticket, ignoring excluded ids, other messages and stale tickets', async () => {
      const { store, fx } = await freshAccount(server);
      await fx.append('INBOX', makeMessage({ subject: 'before the ticket' }));
      const session = await open(store, 'INBOX');
      const ticket = await ticketOf(session);
      const lost = makeMessage({ subject: 'appended, then the process died' });
      // As if the APPEND went through and the process died before recording the UID.
      const other = await fx.append('INBOX', makeMessage({ subject: 'someone else' }));
      const lostUid = await fx.append('INBOX', lost);
      const identity = fullIdentityOf(lost);

      expect(await session.recoverAppend(ticket, identity, new Set())).toEqual([String(lostUid)]);
      expect(await session.recoverAppend(ticket, identity, new Set([String(lostUid)]))).toEqual([]);
      const stale: AppendTicket = { kind: 'imap', uidValidity: '1', uidNext: ticket.kind === 'imap' ? ticket.uidNext : 0 };
      expect(await session.recoverAppend(stale, identity, new Set())).toEqual([]);
      expect(await session.recoverAppend({ kind: 'imap', uidValidity: session.status.uidValidity, uidNext: lostUid + 1 }, identity, new Set())).toEqual([]);
      expect(other).toBeLessThan(lostUid);
    });

    it('adds and removes flags and keywords, grouped across messages, skipping vanished UIDs', async () => {
      const { store, fx } = await freshAccount(server);
      const a = await fx.append('INBOX', makeMessage({ subject: 'a' }), { flags: ['\\Seen', 'Old'] });
      const b = await fx.append('INBOX', makeMessage({ subject: 'b' }), { flags: ['\\Seen'] });
      const c = await fx.append('INBOX', makeMessage({ subject: 'c' }), { flags: ['$Forwarded'] });
      const session = await open(store, 'INBOX');
      await session.setFlags([
        { id: String(a), add: ['\\Flagged', '$Forwarded'], remove: ['Old'] },
        { id: String(b), add: ['\\Flagged', '$Forwarded'], remove: ['Old'] },
        { id: String(c), add: [], remove: ['$Forwarded', '\\Seen'] },
        { id: '4242', add: ['\\Seen'], remove: [] },
      ]);
      const flags = Object.fromEntries((await fx.messages('INBOX')).map((m) => [m.uid, m.flags]));
      expect(flags).toEqual({
        [a]: ['$Forwarded', '\\Flagged', '\\Seen'],
        [b]: ['$Forwarded', '\\Flagged', '\\Seen'],
        [c]: [],
      });
      expect((await session.list()).map(({ id, flags }) => ({ id, flags }))).toEqual([
        { id: String(a), flags: ['$Forwarded', '\\Flagged', '\\Seen'] },
        { id: String(b), flags: ['$Forwarded', '\\Flagged', '\\Seen'] },
        { id: String(c), flags: [] },
      ]);
    });

    it('deletes exactly the given UIDs; a message another client marked \\Deleted survives', async () => {
      const { store, fx } = await freshAccount(server);
      const a = await fx.append('INBOX', makeMessage({ subject: 'delete me' }));
      const b = await fx.append('INBOX', makeMessage({ subject: 'keep me' }));
      const c = await fx.append('INBOX', makeMessage({ subject: 'marked by another client' }));
      await fx.addFlags('INBOX', [c], ['\\Deleted']);
      const session = await open(store, 'INBOX');
      expect(await session.delete([String(a), '4242'])).toEqual([]);
      await session.close();

      const left = await fx.messages('INBOX');
      expect(left.map((m) => m.uid)).toEqual([b, c]);
      expect(left.find((m) => m.uid === c)?.flags).toEqual(['\\Deleted']);
    });

    it('returns null when reading a UID another client expunged', async () => {
      const { store, fx } = await freshAccount(server);
      const uid = await fx.append('INBOX', makeMessage({ subject: 'short-lived' }));
      const session = await open(store, 'INBOX');
      await fx.expunge('INBOX', [uid]);
      expect(await session.read(String(uid))).toBeNull();
      expect(await session.identify([String(uid)])).toEqual(new Map());
    });

    it('skips messages another client expunged after SELECT when setting flags and deleting', async () => {
      const { store, fx } = await freshAccount(server);
      const [a, b, c] = [await fx.append('INBOX', makeMessage({ subject: 'a' })), await fx.append('INBOX', makeMessage({ subject: 'b' })), await fx.append('INBOX', makeMessage({ subject: 'c' }))];
      const session = await open(store, 'INBOX');
      await fx.expunge('INBOX', [a, b]);
      await session.setFlags([
        { id: String(a), add: ['\\Seen'], remove: [] },
        { id: String(c), add: ['\\Seen'], remove: [] },
      ]);
      expect((await fx.messages('INBOX')).map((m) => [m.uid, m.flags])).toEqual([[c, ['\\Seen']]]);
      await session.delete([String(b), String(c)]);
      expect(await fx.messages('INBOX')).toEqual([]);
    });
  });

  describe('a dropped connection', () => {
    it('fails the open folder with an error naming it, and reconnects for the next folder', async () => {
      const { user, store, fx } = await freshAccount(server);
      await fx.append('INBOX', makeMessage({ subject: 'still here' }));
      const session = await open(store, 'INBOX');
      await server.kick(user.user);
      // doveadm returns before the server's close reaches our socket; give it a moment.
      await new Promise((r) => setTimeout(r, 500));
      await expect(session.list()).rejects.toThrow(/"INBOX"/);
      await session.close();
      const again = await open(store, 'INBOX');
      expect(await again.list()).toHaveLength(1);
    });
  });

  describe('connecting', () => {
    it('reports a wrong password as an auth error without the password in it', async () => {
      printLogOnFailure(server);
      const user = await server.addUser();
      const err = await connectError(endpoint(server, user, { password: 'Wr0ngSecretPassw0rd' }));
      expect(err.kind).toBe('auth');
      expect(err.message).toBe(`login failed for ${user.user} at 127.0.0.1: wrong user name or password`);
      expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toMatch(/Passw0rd/);
    });

    it('reports a closed port as unreachable', async () => {
      const port = await closedPort();
      const err = await connectError({ host: '127.0.0.1', port, security: 'tls', user: 'x', password: 'y' });
      expect(err.kind).toBe('unreachable');
      expect(err.message).toMatch(new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port}: connection refused \\(nothing listens on that port\\); check "host" and "port"`));
    });

    it('refuses an untrusted self-signed certificate, naming its fingerprint', async () => {
      const user = await server.addUser();
      const err = await connectError(endpoint(server, user, { port: server.tlsPort!, security: 'tls' }));
      expect(err.kind).toBe('tls-untrusted');
      expect(err.fingerprint).toBe(server.fingerprint);
      expect(err.message).toContain(server.fingerprint!.match(/../g)!.join(':'));
      expect(err.message).toContain(`"sha256:${server.fingerprint}"`);

      const starttls = await connectError(endpoint(server, user, { security: 'starttls' }));
      expect(starttls.kind).toBe('tls-untrusted');
      expect(starttls.fingerprint).toBe(server.fingerprint);
    });

    it('accepts the pinned certificate and only that one', async () => {
      const { user, fx } = await freshAccount(server);
      await fx.append('INBOX', makeMessage({ subject: 'over TLS' }));
      const pinned = await ImapStore.connect(endpoint(server, user, { port: server.tlsPort!, security: 'tls', tls: { fingerprint: server.fingerprint! } }));
      cleanups.push(() => pinned.close());
      const session = await open(pinned, 'INBOX');
      expect(await session.list()).toHaveLength(1);

      const wrong = server.fingerprint!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const err = await connectError(endpoint(server, user, { port: server.tlsPort!, security: 'tls', tls: { fingerprint: wrong } }));
      expect(err.kind).toBe('tls-mismatch');
      expect(err.fingerprint).toBe(server.fingerprint);
    });

    it('works over STARTTLS and implicit TLS with the CA given', async () => {
      const { user } = await freshAccount(server);
      for (const over of [{ security: 'starttls' as const }, { security: 'tls' as const, port: server.tlsPort! }]) {
        const store = await ImapStore.connect(endpoint(server, user, { ...over, tls: { ca: server.caPem! } }));
        cleanups.push(() => store.close());
        expect((await store.listFolders()).map((f) => f.name)).toEqual(['INBOX']);
      }
    });

    it('reports a TLS connection to the plain port as a protocol problem', async () => {
      const user = await server.addUser();
      const err = await connectError(endpoint(server, user, { security: 'tls' }));
      expect(err.kind).toBe('protocol');
      expect(err.message).toBe(`the server at 127.0.0.1:${server.port} does not speak TLS on this port; try security: starttls (or none on loopback), or port 993`);
    });
  });
});

describe('ImapStore against a Dovecot with "." as separator and no UIDPLUS', () => {
  let server: DovecotServer;
  beforeAll(async () => {
    server = await startDovecot({
      separator: '.',
      capability: 'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE CHILDREN LIST-EXTENDED CONDSTORE SPECIAL-USE',
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('maps "/" to the server separator both ways', async () => {
    const { store, fx } = await freshAccount(server);
    await store.createFolder('Archive/2024');
    await store.createFolder('Entwürfe/Alt');
    const serverNames = (await fx.client.list()).map((e) => e.path).sort();
    expect(serverNames).toEqual(expect.arrayContaining(['Archive.2024', 'Entwürfe.Alt']));
    expect((await store.listFolders()).map((f) => f.name).sort()).toEqual(['Archive/2024', 'Entwürfe/Alt', 'INBOX']);
    await fx.append('Archive/2024', makeMessage({ subject: 'nested' }));
    const session = await open(store, 'Archive/2024');
    expect(await session.list()).toHaveLength(1);
    await session.close();
    await expect(store.createFolder('v1.2')).rejects.toThrow(/uses "\." to separate/);
  });

  it('appends one by one without UIDPLUS: appendMany declines and sends nothing', async () => {
    const { store, fx } = await freshAccount(server);
    const session = await open(store, 'INBOX');
    const ticket = await ticketOf(session);
    expect(await session.appendMany!([1, 2].map((n) => ({ ticket, content: makeMessage({ subject: `n${n}` }), flags: [], internalDate: new Date() })))).toBeNull();
    await session.close();
    expect(await fx.messages('INBOX')).toHaveLength(0);
  });

  it('deletes without UIDPLUS with EXPUNGE when no other message is marked \\Deleted', async () => {
    const { store, fx } = await freshAccount(server);
    const [a, b, c] = [await fx.append('INBOX', makeMessage({ subject: 'a' })), await fx.append('INBOX', makeMessage({ subject: 'b' })), await fx.append('INBOX', makeMessage({ subject: 'c' }))];
    const session = await open(store, 'INBOX');
    expect(await session.delete([String(a), String(c), '4242'])).toEqual([]);
    await session.close();
    expect((await fx.messages('INBOX')).map((m) => [m.uid, m.flags])).toEqual([[b, []]]);
  });

  it('without UIDPLUS leaves its own \\Deleted marks and returns those ids while another client has a message marked \\Deleted, which survives', async () => {
    const { store, fx } = await freshAccount(server);
    const a = await fx.append('INBOX', makeMessage({ subject: 'asked to delete' }));
    const b = await fx.append('INBOX', makeMessage({ subject: 'marked by another client' }));
    const c = await fx.append('INBOX', makeMessage({ subject: 'untouched' }));
    await fx.addFlags('INBOX', [b], ['\\Deleted']);
    const session = await open(store, 'INBOX');
    expect(await session.delete([String(a), '4242'])).toEqual([String(a)]);
    await session.close();
    expect((await fx.messages('INBOX')).map((m) => [m.uid, m.flags])).toEqual([
      [a, ['\\Deleted']],
      [b, ['\\Deleted']],
      [c, []],
    ]);
    // Once the other client's mark is gone, the same delete goes through.
    await fx.removeFlags('INBOX', [b], ['\\Deleted']);
    const again = await open(store, 'INBOX');
    expect(await again.delete([String(a)])).toEqual([]);
    expect((await fx.messages('INBOX')).map((m) => [m.uid, m.flags])).toEqual([
      [b, []],
      [c, []],
    ]);
  });

  it('moves without MOVE as COPY and a delete; a source copy that cannot be expunged is reported kept, not lost', async () => {
    const { store, fx } = await freshAccount(server);
    await fx.createFolder('Archive');
    const a = await fx.append('INBOX', makeMessage({ subject: 'moved' }), { flags: ['\\Seen'] });
    const b = await fx.append('INBOX', makeMessage({ subject: 'moved while blocked' }));
    const session = await open(store, 'INBOX');
    // No COPYUID is taken from a server that does not announce UIDPLUS.
    expect(await session.moveTo([String(a)], 'Archive')).toEqual({ moved: new Map([[String(a), null]]), kept: [] });
    const other = await fx.append('INBOX', makeMessage({ subject: 'another client deletes this' }));
    await fx.addFlags('INBOX', [other], ['\\Deleted']);
    expect(await session.moveTo([String(b)], 'Archive')).toEqual({ moved: new Map([[String(b), null]]), kept: [String(b)] });
    await session.close();
    expect((await fx.messages('Archive')).map((m) => [m.bytes.toString().match(/Subject: (.*)\r/)![1], m.flags])).toEqual([
      ['moved', ['\\Seen']],
      ['moved while blocked', []],
    ]);
    expect((await fx.messages('INBOX')).map((m) => [m.uid, m.flags])).toEqual([
      [b, ['\\Deleted']],
      [other, ['\\Deleted']],
    ]);
  });

  it('renaming the folder a session last had selected never expunges another client\'s \\Deleted messages in it (no UNSELECT: imapflow would send CLOSE)', async () => {
    const { store, fx } = await freshAccount(server);
    await fx.createFolder('Old');
    const uid = await fx.append('Old', makeMessage({ subject: 'marked by another client' }));
    await fx.addFlags('Old', [uid], ['\\Deleted']);
    const session = await open(store, 'Old');
    expect(await session.list()).toHaveLength(1);
    await session.close();
    await store.renameFolder('Old', 'New');
    expect((await fx.messages('New')).map((m) => m.flags)).toEqual([['\\Deleted']]);
  });

  it('refuses STARTTLS when the server does not offer it', async () => {
    const user = await server.addUser();
    const err = await connectError(endpoint(server, user, { security: 'starttls' }));
    expect(err.kind).toBe('protocol');
    expect(err.message).toMatch(/does not offer STARTTLS/);
  });
});

describe('ImapStore against a server that answers badly', () => {
  let fake: net.Server;
  let port: number;
  beforeAll(async () => {
    fake = net.createServer((socket) => scriptedImap(socket));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const address = fake.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((r) => fake.close(r));
  });

  async function inbox(user: string): Promise<FolderSession> {
    const store = await ImapStore.connect({ host: '127.0.0.1', port, security: 'none', user, password: 'p' });
    cleanups.push(() => store.close());
    return open(store, 'INBOX');
  }

  it('fails a refused command with an error naming the folder and command', async () => {
    const session = await inbox('refuse');
    await expect(session.list()).rejects.toThrow('IMAP UID FETCH (FLAGS RFC822.SIZE) in folder "INBOX" failed: no flags for you');
  });

  it('fails a listing that leaves out messages instead of reporting them gone', async () => {
    const session = await inbox('short');
    await expect(session.list()).rejects.toThrow('IMAP UID FETCH (FLAGS RFC822.SIZE) in folder "INBOX" failed: the server listed 1 messages but says the folder holds 2');
  });

  it('fails a malformed reply instead of reporting the message gone', async () => {
    const session = await inbox('garble');
    await expect(session.identify(['1'])).rejects.toThrow(/^IMAP UID FETCH \(RFC822\.SIZE BODY\.PEEK\[HEADER\]\) in folder "INBOX" failed: /);
    await expect(session.read('1')).rejects.toThrow(/^IMAP UID FETCH \(INTERNALDATE RFC822\.SIZE\) in folder "INBOX" failed: /);
  });
});

/**
 * Just enough IMAP to log in and SELECT a two-message INBOX. What FETCH gets depends on the
 * user name: refuse (NO), short (one row of two) or garble (a reply that does not parse,
 * while SEARCH says the messages exist).
 */
function scriptedImap(socket: net.Socket): void {
  socket.on('error', () => undefined);
  socket.write('* OK [CAPABILITY IMAP4rev1 UIDPLUS] fake ready\r\n');
  let mode = '';
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let end: number;
    while ((end = pending.indexOf('\r\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const [tag, ...rest] = line.split(' ');
      const command = rest.join(' ').toUpperCase();
      const reply = (text: string) => socket.write(text.replace(/TAG/g, tag ?? '*'));
      if (command.startsWith('LOGIN')) {
        mode = /LOGIN "?(\w+)/.exec(command)?.[1]?.toLowerCase() ?? '';
        reply('TAG OK logged in\r\n');
      } else if (command.startsWith('CAPABILITY')) reply('* CAPABILITY IMAP4rev1 UIDPLUS\r\nTAG OK done\r\n');
      else if (command.startsWith('UID SEARCH')) reply('* SEARCH 1 2\r\nTAG OK done\r\n');
      else if (command.startsWith('LIST')) reply('* LIST () "/" INBOX\r\nTAG OK done\r\n');
      else if (command.startsWith('SELECT')) {
        reply('* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n* FLAGS (\\Seen)\r\nTAG OK [READ-WRITE] done\r\n');
      } else if (command.startsWith('UID FETCH')) {
        if (mode === 'refuse') reply('TAG NO no flags for you\r\n');
        else if (mode === 'short') reply('* 1 FETCH (UID 1 FLAGS (\\Seen))\r\nTAG OK done\r\n');
        else reply('* 1 FETCH (UID 1 RFC822.SIZE x BODY[HEADER] {99\r\nTAG OK done\r\n');
      } else if (command.startsWith('LOGOUT')) {
        reply('* BYE bye\r\nTAG OK done\r\n');
        socket.end();
      } else reply('TAG OK done\r\n');
    }
  });
}
