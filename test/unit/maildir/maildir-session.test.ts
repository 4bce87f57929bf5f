import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullIdentityOf } from '../../../electron/engine/identity-hasher.js';
import type { FolderSession } from '../../../electron/engine/store/mail-store.js';
import { MaildirStore } from '../../../electron/engine/store/maildir/maildir-store.js';

const DATE = new Date('2023-04-05T06:07:08.000Z');

function message(subject: string, body = 'hello\n'): Buffer {
  return Buffer.from(`Message-ID: <${subject}@example.org>\nSubject: ${subject}\n\n${body}`, 'latin1');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('MaildirSession', () => {
  let root: string;
  let dir: string;
  let store: MaildirStore;
  let warnings: string[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mf-session-'));
    warnings = [];
    store = await MaildirStore.open(root, { onWarning: (m) => warnings.push(m) });
    await store.createFolder('INBOX');
    dir = join(root, 'INBOX');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function append(session: FolderSession, content: Buffer | Readable, flags: string[] = []): Promise<string> {
    const ticket = await session.appendTicket();
    const id = await session.append({ ticket, content, flags, internalDate: DATE });
    expect(id).toBe(ticket.kind === 'maildir' ? ticket.unique : null);
    return id as string;
  }

  it('reports a constant uidValidity and a change token that moves with cur/ and new/', async () => {
    const settle = async () => {
      const past = new Date(Date.now() - 60_000);
      for (const sub of ['cur', 'new']) await utimes(join(dir, sub), past, past);
    };
    const fresh = await store.openFolder('INBOX');
    // Just changed: within the clock tick's reach, so no token vouches for it.
    expect(fresh.status).toMatchObject({ uidValidity: 'maildir', uidNext: null, highestModseq: null, changeToken: null });
    await settle();
    const s1 = await store.openFolder('INBOX');
    expect(s1.status.changeToken).not.toBeNull();
    expect((await store.openFolder('INBOX')).status.changeToken).toBe(s1.status.changeToken);
    await append(s1, message('a'));
    await writeFile(join(dir, 'new', '1700000000.M1P1.other'), message('b'));
    await settle();
    const s2 = await store.openFolder('INBOX');
    expect(await s2.list()).toHaveLength(2);
    expect(s2.status.changeToken).not.toBeNull();
    expect(s2.status.changeToken).not.toBe(s1.status.changeToken);
  });

  it('a fresh session finds, reads, flags and moves messages without being asked to list first', async () => {
    await writeFile(join(dir, 'new', '1700000000.M1P1.other'), message('waiting'));
    await store.createFolder('Archive');
    await writeFile(join(dir, '..', 'Archive', 'dovecot-keywords'), '0 Other\n');
    const s = await store.openFolder('INBOX');
    expect(await readAll((await s.read('1700000000.M1P1.other'))!.stream)).toEqual(message('waiting'));
    await s.setFlags([{ id: '1700000000.M1P1.other', add: ['\\Seen', 'Work'], remove: [] }]);
    expect(await s.moveTo(['1700000000.M1P1.other', 'gone'], 'Archive')).toEqual({ moved: new Map([['1700000000.M1P1.other', '1700000000.M1P1.other']]), kept: [] });
    expect(await readdir(join(dir, 'cur'))).toEqual([]);
    const archive = await store.openFolder('Archive');
    // The keyword is re-spelled with the target folder's own keyword letters.
    expect(await archive.list()).toEqual([{ id: '1700000000.M1P1.other', flags: ['Work', '\\Seen'] }]);
    expect(await readdir(join(dir, '..', 'Archive', 'cur'))).toEqual(['1700000000.M1P1.other:2,Sb']);
  });

  it('a later session, which shares the folder index, still finds files that arrived or moved since the listing', async () => {
    await writeFile(join(dir, 'cur', '1700000000.M1P1.old:2,S'), message('old'));
    await store.createFolder('Archive');
    const listed = await store.openFolder('INBOX');
    expect((await listed.list()).map((m) => m.id)).toEqual(['1700000000.M1P1.old']);
    const archive = await store.openFolder('Archive');
    expect(await archive.list()).toEqual([]);
    await writeFile(join(dir, 'new', '1700000001.M1P1.late'), message('late'));
    await rename(join(dir, 'cur', '1700000000.M1P1.old:2,S'), join(dir, 'cur', '1700000000.M1P1.old:2,FS'));

    const later = await store.openFolder('INBOX');
    expect(await readAll((await later.read('1700000001.M1P1.late'))!.stream)).toEqual(message('late'));
    expect(await later.moveTo(['1700000000.M1P1.old'], 'Archive')).toEqual({ moved: new Map([['1700000000.M1P1.old', '1700000000.M1P1.old']]), kept: [] });
    // Moved in after Archive was listed: its next session knows where the file is.
    const archiveLater = await store.openFolder('Archive');
    expect(await archiveLater.setFlags([{ id: '1700000000.M1P1.old', add: [], remove: ['\\Flagged'] }])).toEqual([]);
    expect(await readdir(join(root, 'Archive', 'cur'))).toEqual(['1700000000.M1P1.old:2,S']);
  });

  it('appends the given bytes with LF line ends, 8-bit and a CR before CRLF kept, with mtime = internalDate', async () => {
    const s = await store.openFolder('INBOX');
    const bytes = Buffer.concat([message('8bit'), Buffer.from([0x00, 0x80, 0xe4, 0xff, 0x0d, 0x0d, 0x0a, 0x0d, 0x0a])]);
    const id = await append(s, bytes, ['\\Seen', '\\Flagged']);
    expect(await readdir(join(dir, 'cur'))).toEqual([`${id}:2,FS`]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'new'))).toEqual([]);
    const file = join(dir, 'cur', `${id}:2,FS`);
    // Every CRLF is LF, except the one after a CR: so the file's CRLF form is that of `bytes`.
    const onDisk = Buffer.from(bytes.toString('latin1').replace(/(?<!\r)\r\n/g, '\n'), 'latin1');
    expect(onDisk.includes('\r\n')).toBe(true);
    expect(await readFile(file)).toEqual(onDisk);
    const wire = (b: Buffer) => b.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
    expect(wire(onDisk)).toEqual(wire(bytes));
    expect((await stat(file)).mtime.getTime()).toBe(DATE.getTime());

    const content = await s.read(id);
    expect(content).not.toBeNull();
    expect(await readAll(content!.stream)).toEqual(onDisk);
    expect(content!.size).toBe(onDisk.length);
    expect(content!.internalDate.getTime()).toBe(DATE.getTime());
    expect(await s.list()).toEqual([{ id, flags: ['\\Flagged', '\\Seen'] }]);
  });

  it('streams a 5 MB message to disk and back, only its line ends changed', async () => {
    const s = await store.openFolder('INBOX');
    const body = randomBytes(5 * 1024 * 1024);
    const whole = Buffer.concat([message('big', ''), body]);
    const chunks = Array.from({ length: Math.ceil(whole.length / 65536) }, (_, i) => whole.subarray(i * 65536, (i + 1) * 65536));
    const id = await append(s, Readable.from(chunks));
    const content = await s.read(id);
    const back = await readAll(content!.stream);
    // Only the header's line ends changed (the random body has its CRLFs turned to LF too).
    const onDisk = Buffer.from(whole.toString('latin1').replace(/(?<!\r)\r\n/g, '\n'), 'latin1');
    expect(back.length).toBe(onDisk.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(onDisk).digest('hex'));
  });

  it('removes the tmp file and leaves nothing in cur/ when the content stream fails', async () => {
    const s = await store.openFolder('INBOX');
    const failing = new Readable({
      read() {
        this.push(message('half'));
        this.destroy(new Error('connection lost'));
      },
    });
    const ticket = await s.appendTicket();
    await expect(s.append({ ticket, content: failing, flags: [], internalDate: DATE })).rejects.toThrow('connection lost');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'cur'))).toEqual([]);
  });

  it('stores keywords through dovecot-keywords and keeps unknown letters when flags change', async () => {
    await writeFile(join(dir, 'dovecot-keywords'), '0 NonJunk\n');
    await writeFile(join(dir, 'cur', '1700000000.M1P1.h,S=40:2,SXa'), message('x'));
    const s = await store.openFolder('INBOX');
    expect(await s.list()).toEqual([{ id: '1700000000.M1P1.h,S=40', flags: ['NonJunk', '\\Seen'] }]);
    await s.setFlags([{ id: '1700000000.M1P1.h,S=40', add: ['Work', '\\Answered'], remove: ['\\Seen'] }]);
    expect(await readFile(join(dir, 'dovecot-keywords'), 'utf8')).toBe('0 NonJunk\n1 Work\n');
    expect(await readdir(join(dir, 'cur'))).toEqual(['1700000000.M1P1.h,S=40:2,RXab']);
    const fresh = await store.openFolder('INBOX');
    expect(await fresh.list()).toEqual([{ id: '1700000000.M1P1.h,S=40', flags: ['NonJunk', 'Work', '\\Answered'] }]);
  });

  it('setFlags moves a message from new/ to cur/ and keeps its id', async () => {
    await writeFile(join(dir, 'new', '1700000000.M1P1.h'), message('n'));
    const s = await store.openFolder('INBOX');
    expect(await s.list()).toEqual([{ id: '1700000000.M1P1.h', flags: [] }]);
    await s.setFlags([
      { id: '1700000000.M1P1.h', add: ['\\Seen'], remove: [] },
      { id: 'vanished', add: ['\\Seen'], remove: [] },
    ]);
    expect(await readdir(join(dir, 'new'))).toEqual([]);
    expect(await readdir(join(dir, 'cur'))).toEqual(['1700000000.M1P1.h:2,S']);
    expect(await s.list()).toEqual([{ id: '1700000000.M1P1.h', flags: ['\\Seen'] }]);
  });

  it('fails clearly on the 27th keyword and renames nothing', async () => {
    await writeFile(join(dir, 'dovecot-keywords'), Array.from({ length: 26 }, (_, i) => `${i} k${i}\n`).join(''));
    await writeFile(join(dir, 'cur', 'u1:2,S'), message('k'));
    const s = await store.openFolder('INBOX');
    await expect(s.setFlags([{ id: 'u1', add: ['Overflow'], remove: ['\\Seen'] }])).rejects.toThrow(/"Overflow".*at most 26 keywords/);
    expect(await readdir(join(dir, 'cur'))).toEqual(['u1:2,S']);
  });

  it('deletes exactly the given messages and skips vanished ones', async () => {
    const s = await store.openFolder('INBOX');
    const a = await append(s, message('a'));
    const b = await append(s, message('b'), ['\\Seen']);
    expect(await s.delete([a, 'vanished'])).toEqual([]);
    expect(await readdir(join(dir, 'cur'))).toEqual([`${b}:2,S`]);
    expect((await s.list()).map((m) => m.id)).toEqual([b]);
  });

  it('reads, identifies and flags a message a mail client renamed after listing', async () => {
    await writeFile(join(dir, 'new', '1700000000.M9P9.h'), message('moved'));
    const s = await store.openFolder('INBOX');
    expect((await s.list()).map((m) => m.id)).toEqual(['1700000000.M9P9.h']);
    await rename(join(dir, 'new', '1700000000.M9P9.h'), join(dir, 'cur', '1700000000.M9P9.h:2,S'));
    const content = await s.read('1700000000.M9P9.h');
    expect(await readAll(content!.stream)).toEqual(message('moved'));

    await rename(join(dir, 'cur', '1700000000.M9P9.h:2,S'), join(dir, 'cur', '1700000000.M9P9.h:2,RS'));
    const ids = await s.identify(['1700000000.M9P9.h', 'gone']);
    const { messageId, size, headerSha256 } = fullIdentityOf(message('moved'));
    expect([...ids]).toEqual([['1700000000.M9P9.h', { messageId, size, headerSha256 }]]);

    await rename(join(dir, 'cur', '1700000000.M9P9.h:2,RS'), join(dir, 'cur', '1700000000.M9P9.h:2,FRS'));
    expect(await s.setFlags([{ id: '1700000000.M9P9.h', add: [], remove: ['\\Answered'] }])).toEqual([]);
    expect(await readdir(join(dir, 'cur'))).toEqual(['1700000000.M9P9.h:2,FS']);

    await rm(join(dir, 'cur', '1700000000.M9P9.h:2,FS'));
    expect(await s.read('1700000000.M9P9.h')).toBeNull();
    // Reported, so the engine does not count the change as made.
    expect(await s.setFlags([{ id: '1700000000.M9P9.h', add: ['\\Seen'], remove: [] }])).toEqual(['1700000000.M9P9.h']);
  });

  it('gives a second file with the same unique part a fresh name, durably, and lists both', async () => {
    await writeFile(join(dir, 'cur', 'dup.h:2,S'), message('first'));
    await writeFile(join(dir, 'new', 'dup.h'), message('second'));
    const s = await store.openFolder('INBOX');
    const listed = await s.list();
    expect(listed).toHaveLength(2);
    expect(listed.find((m) => m.id === 'dup.h')?.flags).toEqual(['\\Seen']);
    const [renamed] = await readdir(join(dir, 'new'));
    expect(renamed).toMatch(/^\d+\.M\d+P\d+Q\d+R[0-9a-f]{16}\./);
    expect(listed.map((m) => m.id).sort()).toEqual(['dup.h', renamed].sort());
    expect(await readAll((await s.read(renamed!))!.stream)).toEqual(message('second'));
    expect(await readAll((await s.read('dup.h'))!.stream)).toEqual(message('first'));
    expect(warnings).toEqual([expect.stringContaining('same unique name')]);
  });

  it('recoverAppend finds a completed append by identity and cleans a leftover tmp file', async () => {
    const s = await store.openFolder('INBOX');
    const ticket = await s.appendTicket();
    const bytes = message('recover');
    const id = await s.append({ ticket, content: bytes, flags: [], internalDate: DATE });
    const identity = fullIdentityOf(bytes);

    const later = await store.openFolder('INBOX');
    expect(await later.recoverAppend(ticket, identity, new Set())).toEqual([id]);
    expect(await later.recoverAppend(ticket, null, new Set())).toEqual([id]);
    expect(await later.recoverAppend(ticket, identity, new Set([id!]))).toEqual([]);
    expect(await later.recoverAppend(ticket, fullIdentityOf(message('other')), new Set())).toEqual([]);

    const crashed = await later.appendTicket();
    if (crashed.kind !== 'maildir') throw new Error('maildir ticket expected');
    await writeFile(join(dir, 'tmp', crashed.unique), 'Subject: par');
    expect(await later.recoverAppend(crashed, identity, new Set())).toEqual([]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect((await later.list()).map((m) => m.id)).toEqual([id]);
  });

  it('lists only message files: no dotfiles, no directories', async () => {
    await writeFile(join(dir, 'cur', '.hidden:2,S'), 'x');
    await writeFile(join(dir, 'new', 'real'), message('r'));
    await writeFile(join(dir, 'dovecot-uidlist'), '3 V1 N1\n');
    const s = await store.openFolder('INBOX');
    expect(await s.list()).toEqual([{ id: 'real', flags: [] }]);
  });
});
