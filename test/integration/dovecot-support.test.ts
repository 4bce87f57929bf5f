import { statSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { makeMessage, oddMessages } from '../support/messages.js';

describe('test Dovecot', () => {
  let server: DovecotServer;
  beforeAll(async () => {
    server = await startDovecot({ users: [{ user: 'alice', password: 'alice-pw' }], tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('logs in, stores appended bytes, flags and date, and reads them back', async () => {
    onTestFailed(async () => console.error(await server.log()));
    const fx = await connect(server, server.users[0]!);
    try {
      const bytes = oddMessages()[0]!;
      const date = new Date('2021-03-04T05:06:07Z');
      const uid = await fx.append('INBOX', bytes, { flags: ['\\Seen', '$Forwarded'], internalDate: date });
      const [m] = await fx.messages('INBOX');
      expect(m?.uid).toBe(uid);
      expect(m?.bytes.equals(bytes)).toBe(true);
      expect(m?.size).toBe(bytes.length);
      expect(m?.flags).toEqual(['$Forwarded', '\\Seen']);
      expect(m?.internalDate.toISOString()).toBe(date.toISOString());
      // The message is a Maildir file under the user's root, owned by the mail user.
      const dir = await server.folderDir('alice', 'INBOX');
      expect(dir).toBe(server.mailRoot('alice'));
      if (process.getuid?.() === 0) expect(statSync(dir).uid).not.toBe(0);
    } finally {
      await fx.close();
    }
  });

  it('nests folders on disk and resets UIDVALIDITY on request', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    try {
      await fx.createFolder('Archive/2024');
      await fx.append('Archive/2024', makeMessage({ subject: 'old' }));
      expect(await server.folderDir(user.user, 'Archive/2024')).toBe(`${server.mailRoot(user.user)}/Archive/2024`);
      await fx.append('INBOX', makeMessage({ subject: 'in inbox' }));
      const before = { inbox: await fx.uidValidity('INBOX'), archive: await fx.uidValidity('Archive/2024') };
      await fx.close();

      const inbox = await server.resetUidValidity(user.user, 'INBOX');
      const archive = await server.resetUidValidity(user.user, 'Archive/2024');
      const fx2 = await connect(server, user);
      try {
        expect(await fx2.uidValidity('INBOX')).toBe(inbox);
        expect(await fx2.uidValidity('Archive/2024')).toBe(archive);
        expect(inbox).not.toBe(before.inbox);
        expect(archive).not.toBe(before.archive);
        expect((await fx2.messages('INBOX')).map((m) => m.bytes.toString())).toEqual([expect.stringContaining('in inbox')]);
        expect((await fx2.messages('Archive/2024')).map((m) => m.bytes.toString())).toEqual([expect.stringContaining('old')]);
      } finally {
        await fx2.close();
      }
    } finally {
      await fx.close();
    }
  });

  it('adds users with given credentials', async () => {
    const user = await server.addUser('bob', 'bob-pw');
    const fx = await connect(server, user);
    await fx.close();
    await expect(connect(server, { user: 'bob', password: 'nope' })).rejects.toThrow();
  });

  it('serves IMAPS with the generated certificate and offers STARTTLS', async () => {
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: server.host, port: server.tlsPort!, ca: server.caPem! }, () => {
        resolve(socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(fingerprint).toBe(server.fingerprint);
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: server.host, port: server.port });
      socket.once('data', (d) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(greeting).toMatch(/STARTTLS/);
  });

  it('stops and removes its directory', async () => {
    const other = await startDovecot();
    await other.stop();
    expect(() => statSync(other.dir)).toThrow();
    await expect(new Promise((resolve, reject) => net.connect({ host: other.host, port: other.port }).on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);
  });
});
