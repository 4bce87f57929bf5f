import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startCyrus, type CyrusServer } from '../support/cyrus.js';
import { connect } from '../support/imap-fixture.js';
import type { TestImapUser } from '../support/imap-server.js';
import { makeMessage, oddMessages } from '../support/messages.js';

/** A bare IMAP session: the untagged and tagged lines each command got, as the server sent them. */
async function rawSession(server: CyrusServer, user: TestImapUser, commands: string[]): Promise<string[][]> {
  const socket = net.connect({ host: server.host, port: server.port });
  socket.setTimeout(10_000, () => socket.destroy(new Error('raw IMAP session timed out')));
  let buffer = '';
  let lines: string[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    let eol: number;
    while ((eol = buffer.indexOf('\r\n')) >= 0) {
      lines.push(buffer.slice(0, eol));
      buffer = buffer.slice(eol + 2);
    }
    wake?.();
  });
  const closed = new Promise<void>((_, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('raw IMAP session closed')));
  });
  closed.catch(() => undefined);
  const until = async (done: (l: string) => boolean) => {
    while (!lines.some(done)) await Promise.race([new Promise<void>((r) => (wake = r)), closed]);
    const got = lines;
    lines = [];
    return got;
  };
  try {
    await until((l) => l.startsWith('* '));
    const out: string[][] = [];
    for (const [i, command] of [`LOGIN ${user.user} ${user.password}`, ...commands, 'LOGOUT'].entries()) {
      socket.write(`t${i} ${command}\r\n`);
      out.push(await until((l) => l.startsWith(`t${i} `)));
    }
    return out.slice(1, -1);
  } finally {
    socket.destroy();
  }
}

function imapflow(server: CyrusServer, user: TestImapUser): ImapFlow {
  const client = new ImapFlow({
    host: server.host, port: server.port, secure: false, doSTARTTLS: false,
    auth: { user: user.user, pass: user.password }, logger: false, disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  return client;
}

async function count(client: ImapFlow, folder: string): Promise<number | undefined> {
  const status = await client.status(folder, { messages: true });
  if (!status) throw new Error(`no STATUS for ${folder}`);
  return status.messages;
}

/** Processes still running from the instance's directory (master, imapd, idled). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

describe('test Cyrus (Debian defaults: altnamespace no, unixhierarchysep no)', () => {
  let server: CyrusServer;
  let startMs = 0;
  beforeAll(async () => {
    const t0 = Date.now();
    server = await startCyrus({ users: [{ user: 'alice', password: 'alice-pw' }] });
    startMs = Date.now() - t0;
    console.log(`Cyrus (${server.version}) started in ${startMs} ms on port ${server.port}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts within a few seconds, spelling folders as Debian ships it', () => {
    expect(startMs).toBeLessThan(5000);
    expect(server.kind).toBe('cyrus');
    expect(server.version).toMatch(/^cyrus-imapd 3\.6\./);
    expect(server.prefix).toBe('INBOX.');
    expect(server.separator).toBe('.');
  });

  it('adds users quickly; each logs in with imapflow and sees only their own mail', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const t0 = Date.now();
    const bob = await server.addUser();
    const carol = await server.addUser('carol', 'carol-pw');
    const addMs = (Date.now() - t0) / 2;
    console.log(`addUser: ${addMs} ms each`);
    expect(addMs).toBeLessThan(500);

    const a = imapflow(server, bob);
    const b = imapflow(server, carol);
    await a.connect();
    await b.connect();
    try {
      expect(a.authenticated).toBeTruthy();
      expect(b.authenticated).toBeTruthy();
      // Bare LOGIN found the sasldb entries (realm = servername) and the admin made each INBOX.
      expect(a.namespace).toMatchObject({ prefix: 'INBOX.', delimiter: '.' });
      await a.append('INBOX', makeMessage({ subject: 'for bob only' }));
      expect(await count(a, 'INBOX')).toBe(1);
      expect(await count(b, 'INBOX')).toBe(0);
      expect((await b.list()).map((f) => f.path)).toEqual(['INBOX']);
      // Another user's mailbox is named in the "user." namespace, and closed to others.
      await expect(b.status(`user.${bob.user}`, { messages: true })).rejects.toThrow();
      await expect(b.mailboxOpen(`user.${bob.user}`)).rejects.toThrow();
      // Wrong password: refused at once (failedloginpause 0).
      const t1 = Date.now();
      await expect(imapflow(server, { user: bob.user, password: 'wrong' }).connect()).rejects.toThrow();
      expect(Date.now() - t1).toBeLessThan(2000);
    } finally {
      await a.logout();
      await b.logout();
    }
  });

  it('reports CAPABILITY and NAMESPACE after login', async () => {
    const user = await server.addUser();
    const [capability, namespace, list] = await rawSession(server, user, ['CAPABILITY', 'NAMESPACE', 'LIST "" "*"']);
    console.log(`CAPABILITY after login: ${capability![0]}`);
    console.log(`NAMESPACE: ${namespace![0]}`);
    expect(capability![0]).toMatch(/^\* CAPABILITY IMAP4rev1 /);
    for (const cap of ['UIDPLUS', 'MOVE', 'CONDSTORE', 'QRESYNC', 'IDLE', 'LIST-STATUS', 'SPECIAL-USE', 'NAMESPACE']) {
      expect(capability![0]!.split(' ')).toContain(cap);
    }
    expect(namespace![0]).toBe('* NAMESPACE (("INBOX." ".")) (("user." ".")) (("" "."))');
    expect(list).toEqual(['* LIST (\\HasNoChildren) "." INBOX', expect.stringMatching(/^t3 OK/)]);
  });

  it('stores a CRLF message byte-exact', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const fx = await connect(server, server.users[0]!);
    try {
      const bytes = makeMessage({ subject: 'exact', body: 'line one\r\n\r\n  indented, trailing space \r\n.\r\nlast\r\n' });
      const date = new Date('2021-03-04T05:06:07Z');
      const uid = await fx.append('INBOX', bytes, { flags: ['\\Seen', '$Forwarded'], internalDate: date });
      const [m] = (await fx.messages('INBOX')).filter((x) => x.uid === uid);
      expect(m?.bytes.equals(bytes)).toBe(true);
      expect(m?.size).toBe(bytes.length);
      expect(m?.flags).toEqual(['$Forwarded', '\\Seen']);
      expect(m?.internalDate.toISOString()).toBe(date.toISOString());
    } finally {
      await fx.close();
    }
  });

  it('keeps 8-bit bodies and odd headers exact, but turns raw 8-bit header bytes into X (munge8bit)', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      for (const bytes of oddMessages()) {
        const uid = await fx.append('INBOX', bytes);
        expect((await fx.messages('INBOX')).find((m) => m.uid === uid)?.bytes.equals(bytes)).toBe(true);
      }
      // UTF-8 in a header, unencoded: 'ü' and 'ß' are two bytes each.
      const raw = makeMessage({ subject: 'raw 8-bit header', headers: ['X-Greeting: Grüße'] });
      const uid = await fx.append('INBOX', raw);
      const stored = (await fx.messages('INBOX')).find((m) => m.uid === uid)!.bytes;
      expect(stored.length).toBe(raw.length);
      expect(stored.toString('latin1')).toContain('\r\nX-Greeting: GrXXXXe\r\n');
    } finally {
      await fx.close();
    }
  });

  it('refuses an APPEND with bare LF line ends', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      const lf = Buffer.from('From: a@example.org\nSubject: bare LF\n\nbody\n');
      const err = await fx.append('INBOX', lf).then(() => null, (e: unknown) => e as Error & { responseText?: string });
      expect(err).not.toBeNull();
      expect(`${err?.responseText ?? ''} ${err?.message ?? ''}`).toMatch(/Message contains bare newlines/);
      expect(await fx.messages('INBOX')).toEqual([]);
    } finally {
      await fx.close();
    }
  });

  it('creating INBOX.A.B makes INBOX.A a real, selectable folder', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      await fx.createFolder('A/B');
      const list = await fx.client.list();
      const flagsOf = (p: string) => [...(list.find((f) => f.path === p)?.flags ?? [])].sort();
      console.log(`LIST after CREATE INBOX.A.B: ${JSON.stringify(list.map((f) => [f.path, [...f.flags].sort().join(' ')]))}`);
      expect(list.map((f) => f.path).sort()).toEqual(['INBOX', 'INBOX.A', 'INBOX.A.B']);
      expect(flagsOf('INBOX.A')).toEqual(['\\HasChildren']);
      expect(flagsOf('INBOX.A.B')).toEqual(['\\HasNoChildren']);
      // Not \Noselect: it holds mail, and creating it again says it exists.
      const uid = await fx.append('A', makeMessage({ subject: 'in the parent' }));
      expect((await fx.messages('A')).map((m) => m.uid)).toEqual([uid]);
      await expect(fx.client.mailboxCreate('INBOX.A')).rejects.toThrow();
      // imapflow subscribes the folder it creates; the parent Cyrus made on the way is not subscribed.
      expect((await fx.client.list()).filter((f) => f.subscribed).map((f) => f.path).sort()).toEqual(['INBOX', 'INBOX.A.B']);
    } finally {
      await fx.close();
    }
  });

  it('changes a password; the old one is refused', async () => {
    const user = await server.addUser();
    await server.setPassword(user.user, 'new-pw');
    await expect(connect(server, user)).rejects.toThrow();
    const fx = await connect(server, { user: user.user, password: 'new-pw' });
    await fx.close();
  });

  it('pushes a new message to an IDLE client within a second (idled)', async () => {
    const user = await server.addUser();
    const watcher = imapflow(server, user);
    const writer = await connect(server, user);
    await watcher.connect();
    try {
      await watcher.mailboxOpen('INBOX');
      const seen = new Promise<number>((resolve) => watcher.on('exists', (e: { count: number }) => resolve(e.count)));
      void watcher.idle();
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await writer.append('INBOX', makeMessage());
      expect(await Promise.race([seen, new Promise((r) => setTimeout(() => r('none'), 3000))])).toBe(1);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await writer.close();
      await watcher.logout();
    }
  });
});

describe('test Cyrus with upstream defaults (altnamespace yes, unixhierarchysep yes)', () => {
  it('spells folders "A/B" with prefix "" and stops cleanly, leaving other instances running', async () => {
    const server = await startCyrus({ altNamespace: true, unixHierarchySep: true });
    const other = await startCyrus();
    const dir = server.dir;
    try {
      expect(server.prefix).toBe('');
      expect(server.separator).toBe('/');
      const user = await server.addUser();
      const [namespace] = await rawSession(server, user, ['NAMESPACE']);
      console.log(`NAMESPACE (altnamespace, unixhierarchysep): ${namespace![0]}`);
      expect(namespace![0]).toBe('* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))');
      const fx = await connect(server, user);
      try {
        await fx.createFolder('A/B');
        expect((await fx.client.list()).map((f) => f.path).sort()).toEqual(['A', 'A/B', 'INBOX']);
        const uid = await fx.append('A/B', makeMessage());
        expect((await fx.messages('A/B')).map((m) => m.uid)).toEqual([uid]);
      } finally {
        await fx.close();
      }
      expect(processesIn(dir).length).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(existsSync(dir)).toBe(false);
    expect(processesIn(dir)).toEqual([]);
    await expect(new Promise((resolve, reject) => {
      const s = net.connect({ host: server.host, port: server.port }, () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', reject);
    })).rejects.toThrow(/ECONNREFUSED/);
    // master signals its whole process group when it stops; the other instance has its own.
    try {
      const fx = await connect(other, await other.addUser());
      await fx.close();
    } finally {
      await other.stop();
    }
  });
});
