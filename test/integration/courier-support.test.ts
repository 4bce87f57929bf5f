import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startCourier, type CourierServer } from '../support/courier.js';
import { connect } from '../support/imap-fixture.js';
import type { TestImapUser } from '../support/imap-server.js';
import { makeMessage, oddMessages } from '../support/messages.js';

/** A bare IMAP session, for the server's exact words (imapflow parses them away). */
class RawSession {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private tag = 0;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<{ session: RawSession; greeting: string }> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const session = new RawSession(socket);
    const greeting = await session.until((b) => b.includes('\r\n'));
    return { session, greeting: greeting.trimEnd() };
  }

  /** Sends a command; returns the untagged lines and the tagged result. */
  async command(text: string): Promise<{ untagged: string[]; result: string }> {
    const tag = `t${++this.tag}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const reply = await this.until((b) => new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n`).test(b));
    const lines = reply.split('\r\n').filter(Boolean);
    return { untagged: lines.filter((l) => !l.startsWith(`${tag} `)), result: lines.find((l) => l.startsWith(`${tag} `))! };
  }

  /** IDLE until the server's continuation, then DONE until its tagged OK. */
  async idle(): Promise<{ continuation: string; result: string }> {
    const tag = `t${++this.tag}`;
    this.socket.write(`${tag} IDLE\r\n`);
    const continuation = (await this.until((b) => /(^|\r\n)\+ [^\r\n]*\r\n/.test(b))).trimEnd();
    this.socket.write('DONE\r\n');
    const reply = await this.until((b) => new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n`).test(b));
    return { continuation, result: reply.split('\r\n').find((l) => l.startsWith(`${tag} `))! };
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(done: (buffer: string) => boolean): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (!done(this.buffer)) {
      if (Date.now() > deadline) throw new Error(`no reply; so far: ${this.buffer}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    const out = this.buffer;
    this.buffer = '';
    return out;
  }
}

async function login(server: CourierServer, u: TestImapUser): Promise<RawSession> {
  const { session } = await RawSession.open(server.port);
  const { result } = await session.command(`LOGIN ${u.user} "${u.password}"`);
  expect(result).toMatch(/^t\d+ OK/);
  return session;
}

describe('test Courier-IMAP', () => {
  let server: CourierServer;
  let startupMs = 0;
  beforeAll(async () => {
    const started = Date.now();
    server = await startCourier();
    startupMs = Date.now() - started;
    console.log(`courier: started in ${startupMs} ms on port ${server.port}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts within seconds and greets as Courier-IMAP', async () => {
    expect(startupMs).toBeLessThan(10_000);
    const { session, greeting } = await RawSession.open(server.port);
    session.close();
    console.log(`courier: greeting: ${greeting}`);
    expect(greeting).toMatch(/^\* OK \[CAPABILITY .*\] Courier-IMAP ready/);
  });

  it('reports its capabilities, namespace and permanent flags after login', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const user = await server.addUser();
    const session = await login(server, user);
    try {
      const capability = (await session.command('CAPABILITY')).untagged.find((l) => l.startsWith('* CAPABILITY '))!;
      const namespace = (await session.command('NAMESPACE')).untagged.find((l) => l.startsWith('* NAMESPACE '))!;
      const select = await session.command('SELECT INBOX');
      const permanentFlags = select.untagged.find((l) => l.includes('[PERMANENTFLAGS'))!;
      console.log(`courier: after login: ${capability}\ncourier: ${namespace}\ncourier: INBOX: ${permanentFlags}`);
      const caps = capability.split(' ').slice(2);
      expect(caps).toEqual(expect.arrayContaining(['IMAP4rev1', 'UIDPLUS', 'IDLE', 'NAMESPACE', 'CHILDREN']));
      // What the sync engine must do without on Courier.
      for (const missing of ['CONDSTORE', 'QRESYNC', 'MOVE', 'LIST-STATUS', 'MULTIAPPEND']) expect(caps).not.toContain(missing);
      expect(namespace).toBe('* NAMESPACE (("INBOX." ".")) NIL (("#shared." ".")("shared." "."))');
      // \* : clients may store keywords of their own.
      expect(permanentFlags).toContain('\\*');
    } finally {
      session.close();
    }
  });

  it('keeps two users apart', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const alice = await server.addUser();
    const bob = await server.addUser();
    const a = await connect(server, alice);
    const b = await connect(server, bob);
    try {
      await a.createFolder('Private');
      await a.append('INBOX', makeMessage({ subject: 'for alice only' }));
      expect(await a.messages('INBOX')).toHaveLength(1);
      expect(await b.messages('INBOX')).toEqual([]);
      const bobsFolders = (await b.client.list()).map((f) => f.path);
      expect(bobsFolders).toEqual(['INBOX']);
      await expect(b.client.mailboxOpen('INBOX.Private')).rejects.toThrow();
      // Each mailbox is a Maildir of the unprivileged mail user under its own home.
      expect(existsSync(`${server.mailRoot(alice.user)}/.Private/cur`)).toBe(true);
      expect(existsSync(`${server.mailRoot(bob.user)}/.Private`)).toBe(false);
      expect(statSync(server.mailRoot(alice.user)).uid).not.toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('adds users with given credentials, and refuses wrong passwords', async () => {
    onTestFailed(async () => console.error(await server.log()));
    let started = Date.now();
    const user = await server.addUser('carol', 'carol pw');
    console.log(`courier: addUser with credentials took ${Date.now() - started} ms`);
    const fx = await connect(server, user);
    await fx.close();
    const other = await server.addUser();
    started = Date.now();
    // Courier answers a failed LOGIN only after 5 s (built in), so both are tried at once.
    const refused = await Promise.allSettled([
      connect(server, { user: 'carol', password: 'nope' }),
      connect(server, { user: other.user, password: user.password }),
    ]);
    console.log(`courier: wrong passwords refused after ${Date.now() - started} ms`);
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('stores appended bytes, flags and date, and reads them back exactly', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      const date = new Date('2021-03-04T05:06:07Z');
      const sent = [...oddMessages(), makeMessage({ subject: 'plain' })];
      const uids: number[] = [];
      for (const bytes of sent) uids.push(await fx.append('INBOX', bytes, { flags: ['\\Seen', '$Forwarded'], internalDate: date }));
      const got = await fx.messages('INBOX');
      expect(got.map((m) => m.uid)).toEqual(uids);
      for (const [i, m] of got.entries()) {
        expect(m.bytes.equals(sent[i]!)).toBe(true);
        expect(m.size).toBe(sent[i]!.length);
        expect(m.flags).toEqual(['$Forwarded', '\\Seen']);
        expect(m.internalDate.toISOString()).toBe(date.toISOString());
      }
    } finally {
      await fx.close();
    }
  });

  it('turns bare LF line ends of an APPEND into CRLF', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      const lf = Buffer.from(makeMessage({ subject: 'bare LF', body: 'one\r\ntwo\r\n' }).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      await fx.append('INBOX', lf);
      const [m] = await fx.messages('INBOX');
      const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
      console.log(`courier: APPEND of ${lf.length} bytes with bare LF reads back as ${m!.bytes.length} bytes, ` +
        `${m!.bytes.equals(crlf) ? 'every LF now CRLF' : m!.bytes.equals(lf) ? 'unchanged' : 'changed otherwise'}, RFC822.SIZE ${m!.size}`);
      expect(m!.bytes.equals(crlf)).toBe(true);
      expect(m!.size).toBe(crlf.length);
    } finally {
      await fx.close();
    }
  });

  it('creates INBOX.A.B without making INBOX.A a folder', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const user = await server.addUser();
    const session = await login(server, user);
    try {
      expect((await session.command('CREATE INBOX.A.B')).result).toMatch(/OK/);
      const list = (await session.command('LIST "" "*"')).untagged;
      console.log(`courier: LIST after CREATE INBOX.A.B:\n  ${list.join('\n  ')}`);
      expect(list).toEqual(expect.arrayContaining([
        '* LIST (\\HasNoChildren) "." "INBOX.A.B"',
        '* LIST (\\Noselect \\HasChildren) "." "INBOX.A"',
      ]));
      const select = await session.command('SELECT INBOX.A');
      console.log(`courier: SELECT INBOX.A: ${select.result}`);
      expect(select.result).toMatch(/^t\d+ NO/);
      // Maildir++ keeps one flat dot-directory per folder; there is none for INBOX.A.
      expect(existsSync(server.folderDir(user.user, 'INBOX.A.B'))).toBe(true);
      expect(existsSync(server.folderDir(user.user, 'INBOX.A'))).toBe(false);
      // Creating the parent afterwards makes it a real folder.
      expect((await session.command('CREATE INBOX.A')).result).toMatch(/OK/);
      expect((await session.command('SELECT INBOX.A')).result).toMatch(/OK/);
    } finally {
      session.close();
    }
  });

  it('answers NOOP and IDLE at once, and pushes a new message to an IDLE session', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const user = await server.addUser();
    const session = await login(server, user);
    let started = Date.now();
    try {
      expect((await session.command('SELECT INBOX')).result).toMatch(/OK/);
      started = Date.now();
      expect((await session.command('NOOP')).result).toMatch(/OK/);
      const noopMs = Date.now() - started;
      started = Date.now();
      const idle = await session.idle();
      const idleMs = Date.now() - started;
      console.log(`courier: NOOP round trip ${noopMs} ms; IDLE ("${idle.continuation}") to DONE's "${idle.result}" ${idleMs} ms`);
      expect(noopMs).toBeLessThan(2000);
      expect(idleMs).toBeLessThan(2000);
    } finally {
      session.close();
    }

    const watcher = await connect(server, user);
    const writer = await connect(server, user);
    try {
      await watcher.client.mailboxOpen('INBOX');
      const exists = new Promise<number>((resolve) => watcher.client.once('exists', (e: { count: number }) => resolve(e.count)));
      const idling = watcher.client.idle();
      // imapflow resolves idle() only when IDLE ends; give the command time to be sent.
      await new Promise((r) => setTimeout(r, 200));
      started = Date.now();
      await writer.append('INBOX', makeMessage({ subject: 'pushed' }));
      const count = await Promise.race([exists, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 5 s')), 5000))]);
      console.log(`courier: EXISTS reached the IDLE session ${Date.now() - started} ms after the other session's APPEND`);
      expect(count).toBe(1);
      await watcher.client.noop(); // ends IDLE
      await idling;
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it('runs beside a second instance, which stops without disturbing the first', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const second = await startCourier();
    try {
      expect(second.port).not.toBe(server.port);
      const user = await second.addUser();
      const fx = await connect(second, user);
      await fx.append('INBOX', makeMessage({ subject: 'second' }));
      await fx.close();
    } finally {
      await second.stop();
    }
    const user = await server.addUser();
    const fx = await connect(server, user);
    expect(await fx.messages('INBOX')).toEqual([]);
    await fx.close();
  });

  it('stops every process it started and removes its directory', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    await fx.client.mailboxOpen('INBOX');
    await fx.client.noop();
    const processes = await server.processes();
    console.log(`courier: processes before stop: ${processes.map((p) => p.name).join(', ')}`);
    expect(processes.map((p) => p.name)).toEqual(expect.arrayContaining(['sh', 'authdaemond', 'couriertcpd', 'imapd']));
    const started = Date.now();
    await server.stop();
    console.log(`courier: stopped in ${Date.now() - started} ms`);
    await fx.client.close();
    for (const p of processes) expect(existsSync(`/proc/${p.pid}`), `${p.name} (${p.pid}) still runs`).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await expect(connect(server, user)).rejects.toThrow();
  });
});
