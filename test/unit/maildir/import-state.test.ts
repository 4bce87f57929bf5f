import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportStateConfig } from '../../../shared/config.js';
import { MaildirStore } from '../../../electron/engine/store/maildir/maildir-store.js';
import { mbsyncStateFileName } from '../../../electron/engine/store/maildir/mbsync-state-dir.js';
import { folderValidityPath, parseFolderValidity } from '../../../electron/engine/store/maildir/offlineimap-state.js';

/** Sync state another tool kept outside the Maildir, as mbsync 1.4.4 and offlineimap3 8.0.0 write it. */

describe('mbsync state file names in its SyncState directory', () => {
  it.each([
    [':r:INBOX_:l:INBOX', 'INBOX', true],
    [':r:Archive!2024_:l:Archive!2024', 'Archive/2024', true],
    [':far-store:Entw&APw-rfe_:near_store:Entw&APw-rfe', 'Entw&APw-rfe', true],
    [':r:Lists!a_b_:l:Lists!a_b', 'Lists/a_b', true],
    [':r:INBOX_:l:INBOX.journal', 'INBOX', false],
    [':r:INBOX_:l:INBOX.new', 'INBOX', false],
    [':r:INBOX_:l:INBOX.lock', 'INBOX', false],
    [':r:Archive!2024_:l:Archive!2024', 'Archive', false],
    [':r:INBOX_:l:Old!INBOX', 'INBOX', false],
    ['r:INBOX_:l:INBOX', 'INBOX', false],
    [':r:INBOX:l:INBOX', 'INBOX', false],
    ['INBOX', 'INBOX', false],
  ])('%s is the state of near box %s: %s', (name, box, expected) => {
    expect(mbsyncStateFileName(name, box)).toBe(expected);
  });
});

describe('OfflineIMAP FolderValidity', () => {
  it.each([
    ['1795939436\n', '1795939436'],
    ['42\n', '42'],
    ['4294967295\n', '4294967295'],
    ['', null],
    ['1795939436', null],
    ['1795939436\n\n', null],
    ['0\n', null],
    ['-5\n', null],
    ['4294967296\n', null],
    ['01\n', null],
    [' 17\n', null],
    ['17 \n', null],
    ['17\r\n', null],
    ['x\n', null],
  ])('%j reads as %s', (text, expected) => {
    expect(parseFolderValidity(text)).toBe(expected);
  });

  it('is kept per server folder, "/" written as "."', () => {
    expect(folderValidityPath('/m', 'R', 'Archive/2024')).toBe(join('/m', 'Repository-R', 'FolderValidity', 'Archive.2024'));
    expect(folderValidityPath('/m', 'R', 'Entw&APw-rfe')).toBe(join('/m', 'Repository-R', 'FolderValidity', 'Entw&APw-rfe'));
    for (const odd of ['', '.', '..', '/', 'a\0b']) expect(folderValidityPath('/m', 'R', odd)).toBeNull();
  });
});

describe('a Maildir folder with its records outside the Maildir', () => {
  let root: string;
  let maildir: string;
  const message = (id: string) => `From: a@example.org\nSubject: hi\nMessage-ID: <${id}@example.org>\n\nbody\n`;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mf-import-'));
    maildir = join(root, 'Mail');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function folder(dir: string): Promise<string> {
    const path = join(maildir, dir);
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(path, sub), { recursive: true });
    return path;
  }

  async function foreignUids(name: string, importState: ImportStateConfig, layout: 'verbatim' | 'flat' = 'verbatim') {
    const store = await MaildirStore.open(maildir, { layout, nameEncoding: 'modified-utf-7', importState });
    return (await store.openFolder(name)).foreignUids!();
  }

  describe('mbsync, SyncState ~/.mbsync/', () => {
    const stateDir = () => join(root, 'mbsync-state');
    const mbsync = (): ImportStateConfig => ({ from: 'mbsync', path: stateDir() });
    const state = (near = 1795934109) => `FarUidValidity 1795934110\nNearUidValidity ${near}\nMaxPulledUid 2\nMaxPushedUid 2\n\n7 1 S\n9 2 \n`;

    beforeEach(async () => {
      const dir = await folder('Archive/Entw&APw-rfe');
      await writeFile(join(dir, '.uidvalidity'), '1795934109\n3\n');
      await writeFile(join(dir, 'cur', '1795934109.8598_1.vm,U=1:2,S'), message('one'));
      await writeFile(join(dir, 'new', '1795934109.8598_2.vm,U=2:2,'), message('two'));
      await mkdir(stateDir());
      await writeFile(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe'), state());
    });

    it('gives the server UIDs of the state named after the folder', async () => {
      expect(await foreignUids('Archive/Entwürfe', mbsync())).toEqual({
        uidValidity: '1795934110',
        uids: new Map([
          ['1795934109.8598_1.vm,U=1', '7'],
          ['1795934109.8598_2.vm,U=2', '9'],
        ]),
      });
    });

    it('picks, of two channels with a box of that name, the one counting under the folder\'s .uidvalidity', async () => {
      await writeFile(join(stateDir(), ':other:Archive!Entw&APw-rfe_:o:Archive!Entw&APw-rfe'), state(1700000000));
      expect((await foreignUids('Archive/Entwürfe', mbsync()))?.uids.size).toBe(2);
    });

    it.each([
      ['two states count under the same .uidvalidity', () => writeFile(join(stateDir(), ':o:Archive!Entw&APw-rfe_:o:Archive!Entw&APw-rfe'), state())],
      ['an interrupted run left its journal', () => writeFile(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe.journal'), '5\n')],
      ['a run left its new state unrenamed', () => writeFile(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe.new'), state())],
      ['the state is damaged', () => writeFile(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe'), 'FarUidValidity 1795934110\nNear')],
      ['the state is a directory', async () => {
        await rm(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe'));
        await mkdir(join(stateDir(), ':r:Archive!Entw&APw-rfe_:l:Archive!Entw&APw-rfe'));
      }],
      ['.uidvalidity was renumbered since', () => writeFile(join(maildir, 'Archive/Entw&APw-rfe', '.uidvalidity'), '1795999999\n1\n')],
      ['the SyncState directory is missing', () => rm(stateDir(), { recursive: true })],
    ])('trusts no records when %s', async (_, change) => {
      await change();
      expect(await foreignUids('Archive/Entwürfe', mbsync())).toBeNull();
    });

    it('still prefers a .mbsyncstate in the folder (SyncState *)', async () => {
      await writeFile(join(maildir, 'Archive/Entw&APw-rfe', '.mbsyncstate'), 'FarUidValidity 5\nNearUidValidity 1795934109\n\n8 1 S\n');
      expect(await foreignUids('Archive/Entwürfe', mbsync())).toEqual({ uidValidity: '5', uids: new Map([['1795934109.8598_1.vm,U=1', '8']]) });
    });
  });

  describe('OfflineIMAP, metadata ~/.offlineimap', () => {
    const metadata = () => join(root, 'offlineimap');
    const offlineimap = (repository = 'R'): ImportStateConfig => ({ from: 'offlineimap', path: metadata(), repository });
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    let dir: string;

    beforeEach(async () => {
      dir = await folder('Archive.Entw&APw-rfe');
      const fmd5 = md5('Archive.Entw&APw-rfe');
      await writeFile(join(dir, 'cur', `1795939435_0.9436.vm,U=4,FMD5=${fmd5}:2,S`), message('four'));
      await writeFile(join(dir, 'new', `1795939435_1.9436.vm,U=6,FMD5=${fmd5}!2,`), message('six'));
      await writeFile(join(dir, 'cur', `1795939435_2.9436.vm,U=8,FMD5=${fmd5}:2,S`), message('eight'));
      // A copy of "eight" (same name up to the info) and a file moved in from INBOX with its old UID.
      await writeFile(join(dir, 'cur', `1795939435_3.9436.vm,U=8,FMD5=${fmd5}:2,`), message('eight'));
      await writeFile(join(dir, 'cur', `1795939435_4.9436.vm,U=5,FMD5=${md5('INBOX')}:2,S`), message('five'));
      await writeFile(join(dir, 'cur', '1795939435_5.9436.vm,U=3:2,S'), message('mbsync-like'));
      await mkdir(join(metadata(), 'Repository-R', 'FolderValidity'), { recursive: true });
      await writeFile(join(metadata(), 'Repository-R', 'FolderValidity', 'Archive.Entw&APw-rfe'), '1795939436\n');
      // The local repository's validity is always 42: never the one to read.
      await mkdir(join(metadata(), 'Repository-L', 'FolderValidity'), { recursive: true });
      await writeFile(join(metadata(), 'Repository-L', 'FolderValidity', 'Archive.Entw&APw-rfe'), '42\n');
    });

    it('gives the ,U= of files whose FMD5 names this folder, under the remote repository\'s FolderValidity', async () => {
      expect(await foreignUids('Archive/Entwürfe', offlineimap(), 'flat')).toEqual({
        uidValidity: '1795939436',
        uids: new Map([
          [`1795939435_0.9436.vm,U=4,FMD5=${md5('Archive.Entw&APw-rfe')}`, '4'],
          [`1795939435_1.9436.vm,U=6,FMD5=${md5('Archive.Entw&APw-rfe')}`, '6'],
        ]),
      });
    });

    it.each([
      ['no such repository was synced', async () => offlineimap('Other')],
      ['FolderValidity is damaged', async () => {
        await writeFile(join(metadata(), 'Repository-R', 'FolderValidity', 'Archive.Entw&APw-rfe'), '17953');
        return offlineimap();
      }],
      ['FolderValidity is missing', async () => {
        await rm(join(metadata(), 'Repository-R', 'FolderValidity', 'Archive.Entw&APw-rfe'));
        return offlineimap();
      }],
    ])('trusts no records when %s', async (_, setup) => {
      const importState = await setup();
      expect(await foreignUids('Archive/Entwürfe', importState, 'flat')).toBeNull();
    });

    it('reads no OfflineIMAP records without importState', async () => {
      const store = await MaildirStore.open(maildir, { layout: 'flat', nameEncoding: 'modified-utf-7' });
      expect(await (await store.openFolder('Archive/Entwürfe')).foreignUids!()).toBeNull();
    });
  });
});
