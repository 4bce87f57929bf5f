import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderMissingError } from '../../../electron/engine/store/mail-store.js';
import { decodeSegment, encodeSegment } from '../../../electron/engine/store/maildir/maildir-folders.js';
import { folderLayout } from '../../../electron/engine/store/maildir/maildir-layout.js';
import { MaildirRootMissingError, MaildirStore } from '../../../electron/engine/store/maildir/maildir-store.js';

async function makeFolder(dir: string): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
}

describe('folder name escaping', () => {
  it.each([
    ['..', '%2E.'],
    ['.', '%2E'],
    ['.hidden', '%2Ehidden'],
    ['a%b', 'a%25b'],
    ['', '%'],
    ['nul\0byte', 'nul%00byte'],
    ['cur', '%63ur'],
    ['new', '%6Eew'],
    ['tmp', '%74mp'],
    ['Entwürfe', 'Entwürfe'],
    ['Spam Folder', 'Spam Folder'],
    ['INBOX', 'INBOX'],
  ])('%j is stored as %j and read back', (name, onDisk) => {
    expect(encodeSegment(name)).toBe(onDisk);
    expect(decodeSegment(onDisk)).toBe(name);
  });

  it.each(['100%', '%2e', '%41', '.x', 'cur'])('%j on disk is not a name we write', (onDisk) => {
    expect(decodeSegment(onDisk)).toBeNull();
  });

  it('keeps every folder inside the root', () => {
    const layout = folderLayout('/m', 'verbatim', 'utf-8', () => undefined);
    expect(layout.dirOf('../../etc')).toBe('/m/%2E./%2E./etc');
    expect(layout.dirOf('Archive/2024')).toBe('/m/Archive/2024');
  });
});

describe('MaildirStore folders', () => {
  let root: string;
  let warnings: string[];
  let store: MaildirStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mf-folders-'));
    warnings = [];
    store = await MaildirStore.open(root, { onWarning: (m) => warnings.push(m) });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a root that does not exist or is not a directory', async () => {
    const missing = join(root, 'nope');
    await expect(MaildirStore.open(missing)).rejects.toThrow(new MaildirRootMissingError(missing).message);
    await expect(MaildirStore.open(missing)).rejects.toThrow(`Maildir path ${missing} does not exist (create it with: mkdir -p ${missing})`);
    await writeFile(join(root, 'file'), 'x');
    await expect(MaildirStore.open(join(root, 'file'))).rejects.toBeInstanceOf(MaildirRootMissingError);
  });

  it('lists nested folders, skips symlinks with a warning and ignores Dovecot files', async () => {
    await makeFolder(join(root, 'INBOX'));
    await makeFolder(join(root, 'Archive', '2024'));
    await makeFolder(join(root, 'Archive', '2024', 'Q1'));
    await makeFolder(join(root, 'Lists', 'node'));
    await makeFolder(join(root, 'Entwürfe'));
    await makeFolder(join(root, '%2Ehidden'));
    await makeFolder(join(root, '.Sent'));
    await mkdir(join(root, 'Half', 'cur'), { recursive: true });
    await writeFile(join(root, 'INBOX', 'dovecot-uidlist'), '3 V1 N1\n');
    await writeFile(join(root, 'INBOX', 'dovecot.index.log'), '');
    await writeFile(join(root, 'subscriptions'), 'INBOX\n');
    await symlink(join(root, 'INBOX'), join(root, 'Linked'));
    const names = (await store.listFolders()).map((f) => f.name);
    expect(names).toEqual(['.hidden', 'Archive/2024', 'Archive/2024/Q1', 'Entwürfe', 'INBOX', 'Lists/node']);
    expect(warnings).toEqual([expect.stringContaining(`symlink ${join(root, 'Linked')}`)]);
  });

  it('creates folders with hostile names inside the root and lists them back', async () => {
    const names = ['..', '.hidden', 'a%b', 'Entwürfe', 'Spam Folder', 'Archive/2024', 'Archive/new', 'INBOX'];
    for (const n of names) await store.createFolder(n);
    expect((await store.listFolders()).map((f) => f.name)).toEqual([...names].sort());
    expect((await readdir(root)).sort()).toEqual(['%2E.', '%2Ehidden', 'Archive', 'Entwürfe', 'INBOX', 'Spam Folder', 'a%25b']);
    expect((await readdir(join(root, 'Archive'))).sort()).toEqual(['%6Eew', '2024']);
    expect((await readdir(join(root, 'Archive', '2024'))).sort()).toEqual(['cur', 'new', 'tmp']);
    await store.createFolder('INBOX');
    expect(warnings).toEqual([]);
  });

  it('opening a missing folder throws FolderMissingError', async () => {
    await mkdir(join(root, 'NotAFolder', 'cur'), { recursive: true });
    await expect(store.openFolder('Nope')).rejects.toBeInstanceOf(FolderMissingError);
    await expect(store.openFolder('NotAFolder')).rejects.toBeInstanceOf(FolderMissingError);
  });

  it('deletes an empty folder with its Dovecot files and stale tmp files', async () => {
    await store.createFolder('Old');
    const dir = join(root, 'Old');
    await writeFile(join(dir, 'dovecot-keywords'), '0 Work\n');
    await writeFile(join(dir, 'dovecot-uidlist'), '3 V1 N1\n');
    await writeFile(join(dir, 'tmp', 'leftover'), 'partial');
    const old = new Date(Date.now() - 40 * 3600 * 1000);
    await utimes(join(dir, 'tmp', 'leftover'), old, old);
    await store.deleteFolder('Old');
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses to delete a folder that holds mail, subfolders, unknown files or a fresh tmp file', async () => {
    await store.createFolder('Full');
    await writeFile(join(root, 'Full', 'new', '1.M1P1.h'), 'Subject: x\n\nhi\n');
    await expect(store.deleteFolder('Full')).rejects.toThrow(/new\/ holds 1 file/);

    await store.createFolder('Parent/Child');
    await makeFolder(join(root, 'Parent'));
    await expect(store.deleteFolder('Parent')).rejects.toThrow(/subfolders/);

    await store.createFolder('Notes');
    await writeFile(join(root, 'Notes', 'notes.txt'), 'mine');
    await expect(store.deleteFolder('Notes')).rejects.toThrow(/notes\.txt/);

    await store.createFolder('Busy');
    await writeFile(join(root, 'Busy', 'tmp', 'delivering'), 'Subj');
    await expect(store.deleteFolder('Busy')).rejects.toThrow(/delivery in progress/);

    expect((await store.listFolders()).map((f) => f.name)).toEqual(['Busy', 'Full', 'Notes', 'Parent', 'Parent/Child']);
    expect(await readdir(join(root, 'Full', 'new'))).toEqual(['1.M1P1.h']);
    expect(await readdir(join(root, 'Busy', 'tmp'))).toEqual(['delivering']);
  });
});
