import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaildirLayoutName, MaildirNameEncoding } from '../../shared/config.js';
import type { FolderSummary, SyncSummary } from '../../shared/sync-summary.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { syncJson } from '../support/bundle-sync.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { makeMessage } from '../support/messages.js';
import { maildirView, serverView, type ToolFolder } from '../support/tool-maildirs.js';

/** A replica in each layout: first sync, changes a mail client makes on disk, a folder new on the server. */

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

const NAMES = ['INBOX', 'INBOX/Lists', 'Archive/2024', 'Entwürfe', 'v1.2', 'Projects'] as const;
const cases: { layout: MaildirLayoutName; encoding: MaildirNameEncoding; dirs: Record<(typeof NAMES)[number], string> }[] = [
  {
    layout: 'verbatim',
    encoding: 'utf-8',
    dirs: { INBOX: 'INBOX', 'INBOX/Lists': 'INBOX/Lists', 'Archive/2024': 'Archive/2024', Entwürfe: 'Entwürfe', 'v1.2': 'v1.2', Projects: 'Projects' },
  },
  {
    layout: 'legacy',
    encoding: 'utf-8',
    dirs: { INBOX: 'INBOX', 'INBOX/Lists': 'INBOX/.Lists', 'Archive/2024': 'Archive/.2024', Entwürfe: 'Entwürfe', 'v1.2': 'v1.2', Projects: 'Projects' },
  },
  {
    layout: 'flat',
    encoding: 'modified-utf-7',
    dirs: { INBOX: 'INBOX', 'INBOX/Lists': 'INBOX.Lists', 'Archive/2024': 'Archive.2024', Entwürfe: 'Entw&APw-rfe', 'v1.2': 'v1%2E2', Projects: 'Projects' },
  },
  {
    layout: 'maildir++',
    encoding: 'modified-utf-7',
    dirs: { INBOX: '', 'INBOX/Lists': '.INBOX.Lists', 'Archive/2024': '.Archive.2024', Entwürfe: '.Entw&APw-rfe', 'v1.2': '.v1%2E2', Projects: '.Projects' },
  },
];

const sum = (s: SyncSummary, pick: (f: FolderSummary) => number) => s.accounts.flatMap((a) => a.folders).reduce((n, f) => n + pick(f), 0);

describe('a replica in each Maildir layout', () => {
  it.each(cases)('$layout with $encoding names: downloads, a mail client\'s changes and a new server folder land where the layout says', async ({ layout, encoding, dirs: where }) => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-layout-'));
    dirs.push(dir);
    const maildir = join(dir, 'Mail');
    await mkdir(maildir);
    const remote = { type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, password: user.password };
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'a', remote, local: { type: 'maildir', path: maildir, layout, nameEncoding: encoding } }] }));
    const sync = () => syncJson(cli, configPath);
    const folders = (names: readonly string[]): ToolFolder[] => names.map((name) => ({ name, dir: where[name as (typeof NAMES)[number]] }));
    const initial = folders(NAMES.filter((n) => n !== 'Projects'));

    for (const f of ['INBOX/Lists', 'Archive/2024', 'Entwürfe', 'v1.2']) await fx.createFolder(f);
    await fx.append('INBOX', makeMessage({ subject: 'read' }), { flags: ['\\Seen'] });
    await fx.append('INBOX', makeMessage({ subject: 'to archive' }));
    for (const f of ['INBOX/Lists', 'Archive/2024', 'Entwürfe', 'v1.2']) await fx.append(f, makeMessage({ subject: f }), { flags: ['\\Seen'] });

    const first = await sync();
    expect(sum(first, (f) => f.copied.toLocal)).toBe(6);
    expect(await maildirView(maildir, initial)).toEqual(await serverView(fx, initial));

    // What a mail client does on disk: a new message, and one flagged and moved to another folder (same base name).
    const at = (name: (typeof NAMES)[number], sub: string) => join(maildir, where[name], sub);
    await writeFile(join(at('Archive/2024', 'new'), '1700000000.M1P1.laptop'), makeMessage({ subject: 'written here' }));
    const [unread] = (await readdir(at('INBOX', 'cur'))).filter((n) => n.endsWith(':2,'));
    await rename(join(at('INBOX', 'cur'), unread!), join(at('Entwürfe', 'cur'), `${unread!}F`));
    await fx.createFolder('Projects');
    await fx.append('Projects', makeMessage({ subject: 'new on the server' }));

    const second = await sync();
    expect({
      toRemote: sum(second, (f) => f.copied.toRemote),
      toLocal: sum(second, (f) => f.copied.toLocal),
      moved: sum(second, (f) => f.moved.toRemote),
    }).toEqual({ toRemote: 1, toLocal: 1, moved: 1 });
    const all = folders(NAMES);
    const view = await serverView(fx, all);
    expect(view['Entwürfe']).toHaveLength(2);
    expect(view['Entwürfe']!.filter((l) => l.endsWith(' \\Flagged'))).toHaveLength(1);
    expect(await maildirView(maildir, all)).toEqual(view);

    const third = await sync();
    expect(sum(third, (f) => f.copied.toLocal + f.copied.toRemote + f.moved.toLocal + f.moved.toRemote + f.flagUpdates.toLocal + f.flagUpdates.toRemote)).toBe(0);
    await fx.close();
  });
});
