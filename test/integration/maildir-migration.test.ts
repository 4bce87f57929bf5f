import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportStateConfig, MaildirLayoutName } from '../../shared/config.js';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { syncJson } from '../support/bundle-sync.js';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { makeMessage } from '../support/messages.js';
import {
  fileNames,
  installed,
  lf,
  maildirView,
  serverView,
  withTuid,
  writeMbsyncMaildir,
  writeOfflineimapMaildir,
  type ServerFolder,
  type ToolFolder,
} from '../support/tool-maildirs.js';

/**
 * Migration from mbsync and OfflineIMAP: pointed at the Maildir another tool kept for the same
 * account, the first sync pairs what is already on both sides instead of downloading (or
 * uploading) it again. Every scenario: no message bytes move, both sides show the same messages
 * and flags, no file is added or rewritten, and a second run changes nothing.
 */

let server: DovecotServer;
let cli: string;
const dirs: string[] = [];
beforeAll(async () => {
  [server, { cli }] = await Promise.all([startDovecot(), builtBundles()]);
});
afterAll(async () => {
  await server?.stop();
  await removeBuiltBundles();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

type Style = 'verbatim' | 'maildir++' | 'flat';
const NAMES = ['INBOX', 'Archive/2024', 'Entwürfe', 'Sent'] as const;
/** Where each tool keeps each folder, with the modified UTF-7 names all three use by default. */
const DIRS: Record<Style, Record<(typeof NAMES)[number], string>> = {
  verbatim: { INBOX: 'INBOX', 'Archive/2024': 'Archive/2024', Entwürfe: 'Entw&APw-rfe', Sent: 'Sent' },
  'maildir++': { INBOX: '', 'Archive/2024': '.Archive.2024', Entwürfe: '.Entw&APw-rfe', Sent: '.Sent' },
  flat: { INBOX: 'INBOX', 'Archive/2024': 'Archive.2024', Entwürfe: 'Entw&APw-rfe', Sent: 'Sent' },
};
const foldersOf = (style: Style): ToolFolder[] => NAMES.map((name) => ({ name, dir: DIRS[style][name] }));

interface Account {
  user: DovecotUser;
  fx: ImapFixture;
  maildir: string;
  configPath: string;
}

/** `importState` gets the account's directory (the Maildir is its `Mail`), where the tool's state is put. */
async function account(layout: MaildirLayoutName, importState?: (dir: string) => ImportStateConfig): Promise<Account> {
  const user = await server.addUser();
  const fx = await connect(server, user);
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-migration-'));
  dirs.push(dir);
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const remote = { type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, password: user.password };
  const config = { stateDir: join(dir, 'state'), accounts: [{ name: 'migrated', remote, local: { type: 'maildir', path: maildir, layout, nameEncoding: 'modified-utf-7', importState: importState?.(dir) } }] };
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(config), { mode: 0o600 });
  return { user, fx, maildir, configPath };
}

const message = (subject: string, messageId: string | null = `<${subject.replace(/\W/g, '')}@migration.test>`) => makeMessage({ subject, messageId });

/** The same mail on every server: seen, unseen and flagged, without Message-ID, nested, non-ASCII. */
async function fillServer(fx: ImapFixture, sent: Buffer = message('sent')): Promise<void> {
  for (const f of ['Archive/2024', 'Entwürfe', 'Sent']) await fx.createFolder(f);
  await fx.append('INBOX', message('one'), { flags: ['\\Seen'] });
  await fx.append('INBOX', message('two'), { flags: ['\\Flagged'] });
  await fx.append('INBOX', message('three, no Message-ID', null));
  await fx.append('Archive/2024', message('four'), { flags: ['\\Answered', '\\Seen'] });
  await fx.append('Entwürfe', message('fünf'), { flags: ['\\Draft', '\\Seen'] });
  await fx.append('Sent', sent, { flags: ['\\Seen'] });
}

/** The server's mail, except that Sent's message exists only in the replica, waiting to be uploaded. */
async function fillServerWithLocalUpload(a: Account): Promise<void> {
  await fillServer(a.fx, message('unused'));
  await a.fx.expunge('Sent', (await a.fx.messages('Sent')).map((m) => m.uid));
  const sent = join(a.maildir, 'Sent');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(sent, sub), { recursive: true });
  await writeFile(join(sent, 'cur', '1700000000.R1.laptop:2,S'), lf(message('written here')));
}

async function serverFolders(fx: ImapFixture, style: Style): Promise<ServerFolder[]> {
  return Promise.all(foldersOf(style).map(async (f) => ({ ...f, uidValidity: await fx.uidValidity(f.name), messages: await fx.messages(f.name) })));
}

function sync(a: Account): Promise<SyncSummary> {
  return syncJson(cli, a.configPath);
}

function total(s: SyncSummary, pick: (f: FolderSummary) => number): number {
  return s.accounts.flatMap((a) => a.folders).reduce((n, f) => n + pick(f), 0);
}

/**
 * The first sync transfers no message (bytes and copies zero both ways), pairs every message,
 * leaves both sides showing the same mail and flags and every file where it was; the second
 * run does nothing at all.
 */
async function expectMigrated(a: Account, style: Style, opts: { flagUpdatesToRemote?: number } = {}): Promise<void> {
  const folders = foldersOf(style);
  const filesBefore = await fileNames(a.maildir, folders);
  const messages = filesBefore.length;
  const first = await sync(a);
  expect(first.accounts[0]!.error).toBeNull();
  expect(first.accounts[0]!.folders.filter((f) => f.error !== null)).toEqual([]);
  expect({
    copied: total(first, (f) => f.copied.toLocal + f.copied.toRemote),
    bytes: total(first, (f) => f.bytes.toLocal + f.bytes.toRemote),
    paired: total(first, (f) => f.paired),
    deleted: total(first, (f) => f.deleted.toLocal + f.deleted.toRemote),
    flagsToLocal: total(first, (f) => f.flagUpdates.toLocal),
    flagsToRemote: total(first, (f) => f.flagUpdates.toRemote),
  }).toEqual({ copied: 0, bytes: 0, paired: messages, deleted: 0, flagsToLocal: 0, flagsToRemote: opts.flagUpdatesToRemote ?? 0 });
  const view = await serverView(a.fx, folders);
  expect(Object.values(view).flat()).toHaveLength(messages);
  expect(await maildirView(a.maildir, folders)).toEqual(view);
  expect(await fileNames(a.maildir, folders)).toEqual(filesBefore);

  const second = await sync(a);
  expect(total(second, (f) => f.copied.toLocal + f.copied.toRemote + f.paired + f.deleted.toLocal + f.deleted.toRemote + f.flagUpdates.toLocal + f.flagUpdates.toRemote)).toBe(0);
  expect(await serverView(a.fx, folders)).toEqual(view);
  expect(await fileNames(a.maildir, folders)).toEqual(filesBefore);
  await a.fx.close();
}

describe('a Maildir that mbsync kept', () => {
  it('SubFolders Verbatim with SyncState *: downloads pair by content, the upload whose server copy got an X-TUID pairs by its records', async () => {
    const a = await account('verbatim');
    const sentByClient = message('sent');
    // mbsync uploaded this one from the Maildir: the server's copy carries its X-TUID line.
    await fillServer(a.fx, withTuid(sentByClient, true));
    const folders = await serverFolders(a.fx, 'verbatim');
    const sentUid = folders.find((f) => f.name === 'Sent')!.messages[0]!.uid;
    await writeMbsyncMaildir(a.maildir, folders, { syncStateInFolder: true, pushed: [{ folder: 'Sent', uid: sentUid, bytes: lf(sentByClient) }] });
    // Read in the mail client after mbsync's last run: only the Maildir has \Seen on "two".
    const inbox = join(a.maildir, 'INBOX');
    const two = (await readdir(join(inbox, 'new'))).find((n) => n.endsWith(',U=2:2,F'))!;
    await rename(join(inbox, 'new', two), join(inbox, 'cur', `${two}S`));
    await expectMigrated(a, 'verbatim', { flagUpdatesToRemote: 1 });
  });

  it('records made under another UIDVALIDITY pair nothing: the upload is copied both ways rather than guessed', async () => {
    const a = await account('verbatim');
    const sentByClient = message('sent');
    await fillServer(a.fx, withTuid(sentByClient, true));
    const folders = await serverFolders(a.fx, 'verbatim');
    const sent = folders.find((f) => f.name === 'Sent')!;
    // The server was renumbered after mbsync's last run: its UIDs name other messages now.
    sent.uidValidity = String(Number(sent.uidValidity) - 1);
    await writeMbsyncMaildir(a.maildir, folders, { syncStateInFolder: true, pushed: [{ folder: 'Sent', uid: sent.messages[0]!.uid, bytes: lf(sentByClient) }] });
    const first = await sync(a);
    const summary = first.accounts[0]!.folders.find((f) => f.folder === 'Sent')!;
    expect(summary).toMatchObject({ paired: 0, copied: { toLocal: 1, toRemote: 1 } });
    expect(total(first, (f) => f.paired)).toBe(5);
    await a.fx.close();
  });

  it('sync state in ~/.mbsync/ (importState): the upload whose server copy got an X-TUID pairs by the records there', async () => {
    const a = await account('verbatim', (dir) => ({ from: 'mbsync', path: join(dir, '.mbsync') }));
    const sentByClient = message('sent');
    await fillServer(a.fx, withTuid(sentByClient, true));
    const folders = await serverFolders(a.fx, 'verbatim');
    const sentUid = folders.find((f) => f.name === 'Sent')!.messages[0]!.uid;
    const syncStateDir = join(a.maildir, '..', '.mbsync');
    await writeMbsyncMaildir(a.maildir, folders, { syncStateInFolder: false, syncStateDir, pushed: [{ folder: 'Sent', uid: sentUid, bytes: lf(sentByClient) }] });
    await expectMigrated(a, 'verbatim');
  });

  it('state in ~/.mbsync/ made under another UIDVALIDITY pairs nothing by UID: the upload is copied both ways', async () => {
    const a = await account('verbatim', (dir) => ({ from: 'mbsync', path: join(dir, '.mbsync') }));
    const sentByClient = message('sent');
    await fillServer(a.fx, withTuid(sentByClient, true));
    const folders = await serverFolders(a.fx, 'verbatim');
    const sent = folders.find((f) => f.name === 'Sent')!;
    sent.uidValidity = String(Number(sent.uidValidity) + 1);
    const syncStateDir = join(a.maildir, '..', '.mbsync');
    await writeMbsyncMaildir(a.maildir, folders, { syncStateInFolder: false, syncStateDir, pushed: [{ folder: 'Sent', uid: sent.messages[0]!.uid, bytes: lf(sentByClient) }] });
    const first = await sync(a);
    expect(first.accounts[0]!.folders.find((f) => f.folder === 'Sent')).toMatchObject({ paired: 0, copied: { toLocal: 1, toRemote: 1 } });
    expect(total(first, (f) => f.paired)).toBe(5);
    await a.fx.close();
  });

  it('SubFolders Maildir++ (INBOX is the root), sync state kept elsewhere: every download pairs by content', async () => {
    const a = await account('maildir++');
    await fillServer(a.fx);
    await writeMbsyncMaildir(a.maildir, await serverFolders(a.fx, 'maildir++'), { syncStateInFolder: false });
    await expectMigrated(a, 'maildir++');
  });

  it.skipIf(!installed('mbsync'))('made by the real mbsync with its default SyncState ~/.mbsync/ (importState), with an upload of its own', async () => {
    const home = (dir: string) => join(dir, 'home');
    const a = await account('verbatim', (dir) => ({ from: 'mbsync', path: join(home(dir), '.mbsync') }));
    await fillServerWithLocalUpload(a);
    const dir = join(a.maildir, '..');
    await mkdir(home(dir));
    const rc = join(dir, 'mbsyncrc');
    await writeFile(
      rc,
      `IMAPAccount r\nHost ${server.host}\nPort ${server.port}\nUser ${a.user.user}\nPass "${a.user.password}"\nSSLType None\nAuthMechs LOGIN\n\n` +
        `IMAPStore r\nAccount r\n\nMaildirStore l\nPath ${a.maildir}/\nInbox ${a.maildir}/INBOX\nSubFolders Verbatim\n\n` +
        `Channel c\nFar :r:\nNear :l:\nPatterns *\nSync All\nCreate Both\nExpunge Both\n`,
      { mode: 0o600 },
    );
    execFileSync('mbsync', ['-c', rc, '-a', '-q'], { stdio: 'ignore', env: { ...process.env, HOME: home(dir), XDG_STATE_HOME: join(home(dir), '.local/state') } });
    expect(await readdir(join(home(dir), '.mbsync'))).toContain(':r:Sent_:l:Sent');
    await expectMigrated(a, 'verbatim');
  });

  it.skipIf(!installed('mbsync'))('made by the real mbsync (SubFolders Verbatim, SyncState *), with an upload of its own', async () => {
    const a = await account('verbatim');
    await fillServerWithLocalUpload(a);
    const rc = join(a.maildir, '..', 'mbsyncrc');
    await writeFile(
      rc,
      `IMAPAccount r\nHost ${server.host}\nPort ${server.port}\nUser ${a.user.user}\nPass "${a.user.password}"\nSSLType None\nAuthMechs LOGIN\n\n` +
        `IMAPStore r\nAccount r\n\nMaildirStore l\nPath ${a.maildir}/\nInbox ${a.maildir}/INBOX\nSubFolders Verbatim\n\n` +
        `Channel c\nFar :r:\nNear :l:\nPatterns *\nSync All\nCreate Both\nExpunge Both\nSyncState *\n`,
      { mode: 0o600 },
    );
    execFileSync('mbsync', ['-c', rc, '-a', '-q'], { stdio: 'ignore' });
    await expectMigrated(a, 'verbatim');
  });
});

describe('a Maildir that OfflineIMAP kept (sep = ".", INBOX a subdirectory)', () => {
  it.each([':', '!'] as const)('file names with ,U= and ,FMD5= and the "%s2," info separator', async (separator) => {
    const a = await account('flat');
    await fillServer(a.fx);
    await writeOfflineimapMaildir(a.maildir, await serverFolders(a.fx, 'flat'), { separator });
    await expectMigrated(a, 'flat');
  });

  /** OfflineIMAP re-serializes what it stores; here: the Subject's whitespace, of mail with a Message-ID. */
  const rewrite = (bytes: Buffer) => {
    const text = bytes.toString('latin1');
    return /^Message-ID:/im.test(text) ? Buffer.from(text.replace(/^Subject: /m, 'Subject:  '), 'latin1') : bytes;
  };
  const metadata = (dir: string) => ({ path: join(dir, 'offlineimap'), repository: 'Remote' });

  it('bytes OfflineIMAP changed pair by ,U= under its FolderValidity (importState)', async () => {
    const a = await account('flat', (dir) => ({ from: 'offlineimap', ...metadata(dir) }));
    await fillServer(a.fx);
    const folders = await serverFolders(a.fx, 'flat');
    await writeOfflineimapMaildir(a.maildir, folders, { separator: ':', rewrite, metadata: metadata(join(a.maildir, '..')) });
    await expectMigrated(a, 'flat');
  });

  it('a FolderValidity of another UIDVALIDITY pairs nothing by UID: changed messages are copied both ways', async () => {
    const a = await account('flat', (dir) => ({ from: 'offlineimap', ...metadata(dir) }));
    await fillServer(a.fx);
    const folders = await serverFolders(a.fx, 'flat');
    const inbox = folders.find((f) => f.name === 'INBOX')!;
    inbox.uidValidity = String(Number(inbox.uidValidity) - 1);
    await writeOfflineimapMaildir(a.maildir, folders, { separator: ':', rewrite, metadata: metadata(join(a.maildir, '..')) });
    const first = await sync(a);
    // "one" and "two" were changed; "three" (no Message-ID, not changed) pairs by content.
    expect(first.accounts[0]!.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ paired: 1, copied: { toLocal: 2, toRemote: 2 } });
    expect(total(first, (f) => f.paired)).toBe(4);
    await a.fx.close();
  });

  it.skipIf(!installed('offlineimap'))('made by the real OfflineIMAP, with an upload of its own', async () => {
    const a = await account('flat', (dir) => ({ from: 'offlineimap', path: join(dir, 'offlineimap'), repository: 'R' }));
    await fillServerWithLocalUpload(a);
    const dir = join(a.maildir, '..');
    await mkdir(join(dir, 'offlineimap'));
    const rc = join(dir, 'offlineimaprc');
    await writeFile(
      rc,
      `[general]\naccounts = a\nmetadata = ${join(dir, 'offlineimap')}\n\n[Account a]\nlocalrepository = L\nremoterepository = R\nsynclabels = no\n\n` +
        `[Repository L]\ntype = Maildir\nlocalfolders = ${a.maildir}\n\n` +
        `[Repository R]\ntype = IMAP\nremotehost = ${server.host}\nremoteport = ${server.port}\nremoteuser = ${a.user.user}\nremotepass = ${a.user.password}\nssl = no\nstarttls = no\n`,
      { mode: 0o600 },
    );
    execFileSync('offlineimap', ['-c', rc, '-o', '-u', 'quiet'], { stdio: 'ignore' });
    await expectMigrated(a, 'flat');
  });
});
