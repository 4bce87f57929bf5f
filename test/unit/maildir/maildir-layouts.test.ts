import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MaildirLayoutName, MaildirNameEncoding } from '../../../shared/config.js';
import { folderLayout } from '../../../electron/engine/store/maildir/maildir-layout.js';
import { MaildirStore } from '../../../electron/engine/store/maildir/maildir-store.js';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mf-layouts-'));
  roots.push(root);
  return root;
}

async function makeFolder(dir: string): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
}

async function open(root: string, layout: MaildirLayoutName, nameEncoding: MaildirNameEncoding = 'utf-8') {
  const warnings: string[] = [];
  const store = await MaildirStore.open(root, { layout, nameEncoding, onWarning: (m) => warnings.push(m) });
  return { store, warnings, names: async () => (await store.listFolders()).map((f) => f.name) };
}

const LAYOUTS: MaildirLayoutName[] = ['verbatim', 'legacy', 'flat', 'maildir++'];
const ENCODINGS: MaildirNameEncoding[] = ['utf-8', 'modified-utf-7'];

describe('where each layout puts a folder', () => {
  const cases: { name: string; dirs: Record<MaildirLayoutName, string>; utf7?: Partial<Record<MaildirLayoutName, string>> }[] = [
    { name: 'INBOX', dirs: { verbatim: 'INBOX', legacy: 'INBOX', flat: 'INBOX', 'maildir++': '' } },
    { name: 'Archive', dirs: { verbatim: 'Archive', legacy: 'Archive', flat: 'Archive', 'maildir++': '.Archive' } },
    { name: 'Archive/2024', dirs: { verbatim: 'Archive/2024', legacy: 'Archive/.2024', flat: 'Archive.2024', 'maildir++': '.Archive.2024' } },
    { name: 'INBOX/Lists/node', dirs: { verbatim: 'INBOX/Lists/node', legacy: 'INBOX/.Lists/.node', flat: 'INBOX.Lists.node', 'maildir++': '.INBOX.Lists.node' } },
    {
      name: 'Entwürfe/Alt',
      dirs: { verbatim: 'Entwürfe/Alt', legacy: 'Entwürfe/.Alt', flat: 'Entwürfe.Alt', 'maildir++': '.Entwürfe.Alt' },
      utf7: { verbatim: 'Entw&APw-rfe/Alt', legacy: 'Entw&APw-rfe/.Alt', flat: 'Entw&APw-rfe.Alt', 'maildir++': '.Entw&APw-rfe.Alt' },
    },
    { name: 'v1.2/x', dirs: { verbatim: 'v1.2/x', legacy: 'v1.2/.x', flat: 'v1%2E2.x', 'maildir++': '.v1%2E2.x' } },
    { name: '.hidden/cur', dirs: { verbatim: '%2Ehidden/%63ur', legacy: '%2Ehidden/.%63ur', flat: '%2Ehidden.%63ur', 'maildir++': '.%2Ehidden.%63ur' } },
    { name: 'Sent & Received', dirs: { verbatim: 'Sent & Received', legacy: 'Sent & Received', flat: 'Sent & Received', 'maildir++': '.Sent & Received' } },
  ];
  for (const layout of LAYOUTS) {
    it.each(cases)(`${layout}: $name`, ({ name, dirs, utf7 }) => {
      expect(folderLayout('/m', layout, 'utf-8', () => undefined).dirOf(name)).toBe(join('/m', dirs[layout]));
      const spelled = utf7?.[layout] ?? dirs[layout].replace('&', '&-');
      expect(folderLayout('/m', layout, 'modified-utf-7', () => undefined).dirOf(name)).toBe(join('/m', spelled));
    });
  }
});

describe('each layout reads back what it writes', () => {
  // Names that stress every escape: dots, percent signs, reserved names, non-ASCII, '&'.
  const segment = fc.string({
    minLength: 1,
    maxLength: 8,
    unit: fc.oneof(fc.constantFrom('.', '%', '&', '-', 'a', 'B', 'c', 'u', 'r', 'ü', '台', ' '), fc.constantFrom('cur', 'new', 'tmp', 'INBOX')),
  });
  const names = fc.uniqueArray(fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')), { minLength: 1, maxLength: 5 });

  for (const layout of LAYOUTS) {
    for (const encoding of ENCODINGS) {
      it(`${layout}, ${encoding}: created folders are listed under the same names, nothing else`, async () => {
        await fc.assert(
          fc.asyncProperty(names, async (folders) => {
            const root = await tempRoot();
            const { store, warnings, names: list } = await open(root, layout, encoding);
            for (const f of folders) await store.createFolder(f);
            expect(await list()).toEqual([...folders].sort());
            expect(warnings).toEqual([]);
          }),
          { numRuns: 15 },
        );
      });
    }
  }
});

describe('trees other tools wrote', () => {
  it('mbsync SubFolders Verbatim (Inbox <root>/INBOX, modified UTF-7 names, its state files)', async () => {
    const root = await tempRoot();
    for (const d of ['INBOX', 'Archive', 'Archive/2024', 'Entw&APw-rfe', 'a.b']) {
      await makeFolder(join(root, d));
      await writeFile(join(root, d, '.uidvalidity'), '1795934109\n3\n');
      await writeFile(join(root, d, '.mbsyncstate'), 'FarUidValidity 1\nNearUidValidity 1795934109\nMaxPulledUid 0\nMaxPushedUid 0\n\n');
    }
    const { names, warnings } = await open(root, 'verbatim', 'modified-utf-7');
    expect(await names()).toEqual(['Archive', 'Archive/2024', 'Entwürfe', 'INBOX', 'a.b']);
    expect(warnings).toEqual([]);
  });

  it('mbsync SubFolders Legacy: deeper levels are dot directories, plain directories there are not folders', async () => {
    const root = await tempRoot();
    for (const d of ['INBOX', 'INBOX/.sub', 'Archive', 'Archive/.2024', 'Archive/.2024/.Q1', 'Archive/plain']) await makeFolder(join(root, d));
    const { names, warnings } = await open(root, 'legacy');
    expect(await names()).toEqual(['Archive', 'Archive/2024', 'Archive/2024/Q1', 'INBOX', 'INBOX/sub']);
    expect(warnings).toEqual([]);
  });

  it('mbsync SubFolders Maildir++ and Dovecot: the root is INBOX; mbsync\'s "..sub" gets an explanation', async () => {
    const root = await tempRoot();
    for (const d of ['', '.Archive', '.Archive.2024', '.Entw&APw-rfe', '.INBOX.Lists', '..sub']) await makeFolder(join(root, d));
    await mkdir(join(root, '.NoMail'));
    await writeFile(join(root, 'dovecot-uidlist'), '3 V1 N1\n');
    await writeFile(join(root, '.Archive', 'maildirfolder'), '');
    const { names, warnings } = await open(root, 'maildir++', 'modified-utf-7');
    expect(await names()).toEqual(['Archive', 'Archive/2024', 'Entwürfe', 'INBOX', 'INBOX/Lists']);
    expect(warnings).toEqual([`skipping directory ${join(root, '..sub')}: this is how mbsync spells INBOX/sub; rename it to .INBOX.sub to sync it`]);
  });

  it('OfflineIMAP default (sep = ".", INBOX a subdirectory, modified UTF-7)', async () => {
    const root = await tempRoot();
    for (const d of ['INBOX', 'Archive', 'Archive.2024', 'Entw&APw-rfe']) await makeFolder(join(root, d));
    const { names, warnings } = await open(root, 'flat', 'modified-utf-7');
    expect(await names()).toEqual(['Archive', 'Archive/2024', 'Entwürfe', 'INBOX']);
    expect(warnings).toEqual([]);
  });

  it('a layout that does not match the tree says so instead of guessing', async () => {
    const root = await tempRoot();
    await makeFolder(root);
    await makeFolder(join(root, '.Archive'));
    const verbatim = await open(root, 'verbatim');
    expect(await verbatim.names()).toEqual([]);
    expect(verbatim.warnings).toEqual([expect.stringContaining('set "layout": "maildir++"')]);
    const flat = await open(root, 'flat');
    expect(await flat.names()).toEqual([]);
    expect(flat.warnings).toEqual([expect.stringContaining('itself holds cur/, new/ and tmp/')]);
  });

  it('skips names the layout would never write, with a warning, and never follows symlinks', async () => {
    const root = await tempRoot();
    for (const d of ['a..b', 'c.', 'ok', 'Entwürfe']) await makeFolder(join(root, d));
    const { names, warnings } = await open(root, 'flat', 'modified-utf-7');
    expect(await names()).toEqual(['ok']);
    expect(warnings.map((w) => w.split(':')[0])).toEqual([`skipping directory ${join(root, 'Entwürfe')}`, `skipping directory ${join(root, 'a..b')}`, `skipping directory ${join(root, 'c.')}`]);
  });
});

describe('folder operations in flat layouts', () => {
  it('maildir++: INBOX is created in the root, and can neither be renamed nor deleted', async () => {
    const root = await tempRoot();
    const { store, names } = await open(root, 'maildir++');
    await store.createFolder('INBOX');
    expect((await readdir(root)).sort()).toEqual(['cur', 'new', 'tmp']);
    expect(await names()).toEqual(['INBOX']);
    await expect(store.deleteFolder('INBOX')).rejects.toThrow('cannot delete Maildir folder "INBOX": in the maildir++ layout INBOX is the Maildir root itself');
    await expect(store.renameFolder('INBOX', 'Old')).rejects.toThrow(/INBOX is the Maildir root itself/);
  });

  it.each(['flat', 'maildir++', 'legacy', 'verbatim'] as const)('%s: a rename takes the subfolders along, and only them', async (layout) => {
    const root = await tempRoot();
    const { store, names } = await open(root, layout);
    for (const f of ['Work', 'Work/2024', 'Work/2024/Q1', 'Workshop', 'Other']) await store.createFolder(f);
    await store.renameFolder('Work', 'Archive/Work');
    expect(await names()).toEqual(['Archive/Work', 'Archive/Work/2024', 'Archive/Work/2024/Q1', 'Other', 'Workshop']);
    await expect(store.renameFolder('Other', 'Workshop')).rejects.toThrow(/exists/);
  });

  it.each(['flat', 'maildir++', 'legacy', 'verbatim'] as const)('%s: a folder with subfolders is not deleted; an empty one is', async (layout) => {
    const root = await tempRoot();
    const { store, names } = await open(root, layout);
    for (const f of ['Old', 'Old/Sub', 'Older']) await store.createFolder(f);
    await expect(store.deleteFolder('Old')).rejects.toThrow(/it has subfolders/);
    await store.deleteFolder('Old/Sub');
    await store.deleteFolder('Old');
    expect(await names()).toEqual(['Older']);
  });

  it('a folder mbsync kept is deleted with its .uidvalidity and .mbsyncstate', async () => {
    const root = await tempRoot();
    const { store, names } = await open(root, 'flat');
    await store.createFolder('Old');
    for (const f of ['.uidvalidity', '.mbsyncstate', '.mbsyncstate.lock']) await writeFile(join(root, 'Old', f), 'x\n');
    await store.deleteFolder('Old');
    expect(await names()).toEqual([]);
  });

  it('moves a message between folders of a maildir++ tree (INBOX is the root)', async () => {
    const root = await tempRoot();
    const { store } = await open(root, 'maildir++');
    await store.createFolder('INBOX');
    await store.createFolder('Archive');
    await writeFile(join(root, 'cur', '1700000000.M1P1.host,U=3:2,S'), 'Subject: x\n\nhi\n');
    const inbox = await store.openFolder('INBOX');
    const [m] = await inbox.list();
    expect(await inbox.moveTo([m!.id], 'Archive')).toEqual({ moved: new Map([[m!.id, m!.id]]), kept: [] });
    expect(await readdir(join(root, '.Archive', 'cur'))).toEqual(['1700000000.M1P1.host,U=3:2,S']);
    expect(await readdir(join(root, 'cur'))).toEqual([]);
  });
});
