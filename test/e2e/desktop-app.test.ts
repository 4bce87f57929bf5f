import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { deleteLocal, localMessages } from '../support/local-maildir.js';
import { largeMessage, makeMessage } from '../support/messages.js';
import { removeBuiltBundles } from '../support/built-bundles.js';
import { builtApp, openBrowser, startServe, type Browser, type ServeProcess } from './serve-harness.js';

/**
 * The renderer end to end, as a user meets it: `mailferry serve` against a real Dovecot, the
 * built screens in Debian's Chromium. One story in order: the wizard (a wrong password named as
 * such, then the first sync with its progress), a conflict made on both sides and settled on the
 * Conflicts screen, an untrusted certificate trusted by its fingerprint, the account edited, a
 * password changed on the server set anew. Each screen is saved to test-results/screens/ (not
 * tracked: `npm test` leaves the checkout as it was); `npm run screens` runs this story and
 * copies them to docs/screens/ for the README.
 */

const SCREENS = resolve(import.meta.dirname, '../../test-results/screens');
const INBOX_MESSAGES = 240;
const ARCHIVE_MESSAGES = 30;
const CONFLICT_SUBJECT = 'Quarterly report: please review';

let server: DovecotServer;
let user: DovecotUser;
let remote: ImapFixture;
let dir: string;
let maildir: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

/** The Dovecot instance is reached by IP with plain text (loopback only) or its self-signed TLS. */
async function fillServer(p: Page, settings: { port: number; security: 'none' | 'tls'; password?: string }): Promise<void> {
  const form = p.getByRole('group', { name: 'Mail server' });
  await form.getByLabel('Server').fill(server.host);
  await form.getByLabel('Security').selectOption(settings.security);
  await form.getByLabel('Port').fill(String(settings.port));
  await form.getByLabel('User name').fill(user.user);
  if (settings.password !== undefined) await form.getByLabel('Password').fill(settings.password);
}

beforeAll(async () => {
  const [app, started] = await Promise.all([builtApp(), startDovecot({ tls: true })]);
  server = started;
  user = await server.addUser();
  remote = await connect(server, user);
  await remote.createFolder('Archive');
  // Enough mail, some of it large, that the first sync takes long enough to be watched.
  for (let i = 0; i < INBOX_MESSAGES; i++) {
    const bytes = i % 60 === 0 ? largeMessage(400_000) : makeMessage({ subject: i === 7 ? CONFLICT_SUBJECT : `Inbox message ${i}` });
    await remote.append('INBOX', bytes, { flags: i % 3 === 0 ? ['\\Seen'] : [] });
  }
  for (let i = 0; i < ARCHIVE_MESSAGES; i++) await remote.append('Archive', makeMessage({ subject: `Archived ${i}` }), { flags: ['\\Seen'] });

  dir = await mkdtemp(join(tmpdir(), 'mailferry-e2e-'));
  maildir = join(dir, 'Mail', 'work');
  const configPath = join(dir, 'config', 'config.json');
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }), { mode: 0o600 });
  await mkdir(SCREENS, { recursive: true });
  serve = await startServe(app, configPath, dir);
  browser = await openBrowser();
  page = browser.page;
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(serve.url).origin });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  const code = await serve?.stop();
  await remote?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await removeBuiltBundles();
  expect(code).toBe(0);
});

describe('the app through mailferry serve', () => {
  it('adds an account with the wizard: a wrong password is named, the first sync shows its progress', async () => {
    await page.goto(serve.url);
    await expect.poll(() => page.getByText('No accounts yet').isVisible()).toBe(true);
    await shot('accounts-empty');

    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByLabel('Email address').fill(`${user.user}@example.test`);
    await page.getByLabel('Password').fill(`${user.password}-wrong`);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Mail server', level: 2 }).waitFor();
    // Nothing is known about example.test: the guess is the conventional name, offered for editing.
    expect(await page.getByLabel('Server').inputValue()).toBe('imap.example.test');
    await fillServer(page, { port: server.port, security: 'none' });
    await page.getByRole('button', { name: 'Test connection' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Wrong user name or password' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('wrong user name or password');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await shot('wizard-wrong-password');

    await page.getByRole('group', { name: 'Mail server' }).getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected and logged in.').waitFor();
    expect(await page.getByText('Connected and logged in.').textContent()).toContain('folders found');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: 'Local copy', level: 2 }).waitFor();
    await page.getByLabel('Name in Mailferry').fill('work');
    await page.getByLabel('Folder', { exact: true }).fill(maildir);
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: 'Folders', level: 2 }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'INBOX' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Archive' }).isChecked()).toBe(true);
    await shot('wizard-folders');
    await page.getByRole('button', { name: 'Start syncing' }).click();

    await page.getByRole('progressbar', { name: 'First sync progress' }).waitFor();
    // The screenshot shows copying under way when the pass is still at it. (Polled from here:
    // a string predicate in the page would be an eval, which the CSP rightly refuses.)
    const inboxBar = page.getByRole('progressbar', { name: 'INBOX progress' });
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      if (Number((await inboxBar.getAttribute('value', { timeout: 200 }).catch(() => null)) ?? 0) > 0) break;
    }
    await shot('wizard-first-sync');
    await page.getByText('Your mail is in step').waitFor({ timeout: 60_000 });
    expect(Number(await page.getByRole('progressbar', { name: 'INBOX progress' }).getAttribute('value'))).toBe(INBOX_MESSAGES);
    expect(await page.getByText('Your mail is in step').textContent()).toContain(`${(INBOX_MESSAGES + ARCHIVE_MESSAGES).toLocaleString('en-GB')} messages in`);
    await shot('wizard-done');

    expect(await localMessages(maildir, 'INBOX')).toHaveLength(INBOX_MESSAGES);
    expect(await localMessages(maildir, 'Archive')).toHaveLength(ARCHIVE_MESSAGES);

    await page.getByRole('button', { name: 'Done' }).click();
    const card = page.getByRole('article', { name: 'work' });
    await card.getByText('Up to date').waitFor();
    await shot('accounts');
  });

  it('settles a message deleted here but flagged on the server from the Conflicts screen, on both sides', async () => {
    const target = (await localMessages(maildir, 'INBOX')).find((m) => m.bytes.includes(CONFLICT_SUBJECT));
    const onServer = (await remote.messages('INBOX')).find((m) => m.bytes.includes(CONFLICT_SUBJECT));
    if (!target || !onServer) throw new Error('the conflict message is missing after the first sync');
    await deleteLocal(maildir, 'INBOX', target.unique);
    await remote.addFlags('INBOX', [onServer.uid], ['\\Flagged']);

    await page.getByRole('article', { name: 'work' }).getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('button', { name: /^Conflicts/ }).click();
    const conflict = page.getByRole('article', { name: 'Deleted on one side, changed on the other' });
    await conflict.waitFor({ timeout: 30_000 });
    expect(await conflict.textContent()).toContain('deleted on this computer but changed on the server');
    // What happened on each side, side by side: the message, and its flags here before the delete against the server's now.
    const sides = conflict.getByRole('table', { name: 'What happened on each side' });
    expect(await sides.getByRole('columnheader').allTextContents()).toEqual(['This computer', `Server (${server.host})`]);
    const fact = (label: string) => sides.getByRole('row', { name: new RegExp(`^${label} `) }).getByRole('cell').allTextContents();
    expect(await fact('What happened')).toEqual(['Deleted', 'Flags changed']);
    expect(await fact('Subject')).toEqual([CONFLICT_SUBJECT, CONFLICT_SUBJECT]);
    expect(await fact('From')).toEqual(['Alice <alice@example.org>', 'Alice <alice@example.org>']);
    expect(await fact('Flags')).toEqual(['Unread (before it was deleted)', 'Unread, Flagged']);
    // Until the user chooses, the message is back on the side that deleted it.
    expect((await localMessages(maildir, 'INBOX')).filter((m) => m.bytes.includes(CONFLICT_SUBJECT))).toHaveLength(1);
    await shot('conflicts');

    await conflict.getByRole('button', { name: 'Delete on both sides' }).click();
    await page.getByText('No conflicts', { exact: true }).waitFor({ timeout: 30_000 });

    const serverNow = await remote.messages('INBOX');
    const localNow = await localMessages(maildir, 'INBOX');
    expect(serverNow.filter((m) => m.bytes.includes(CONFLICT_SUBJECT))).toEqual([]);
    expect(localNow.filter((m) => m.bytes.includes(CONFLICT_SUBJECT))).toEqual([]);
    expect(serverNow).toHaveLength(INBOX_MESSAGES - 1);
    expect(localNow).toHaveLength(INBOX_MESSAGES - 1);
    await shot('conflicts-empty');
  });

  it('shows the folders with counts on both sides, the searchable activity and the settings', async () => {
    await page.getByRole('button', { name: 'Accounts', exact: true }).click();
    await page.getByRole('button', { name: 'work', exact: true }).click();
    await page.getByRole('heading', { name: 'work', level: 1 }).waitFor();
    const inbox = page.getByRole('row', { name: /^INBOX/ });
    await inbox.waitFor();
    expect(await inbox.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining([String(INBOX_MESSAGES - 1)]));
    expect((await inbox.getByRole('cell').allTextContents()).filter((t) => t === String(INBOX_MESSAGES - 1))).toHaveLength(2);
    expect(await page.getByRole('switch', { name: 'Sync Archive' }).isChecked()).toBe(true);
    await page.getByText('Asking the servers for their folders…').waitFor({ state: 'hidden' });
    await shot('account-detail');

    await page.getByRole('button', { name: 'Activity' }).click();
    await page.getByLabel('Search').fill('conflict settled');
    // Only matching entries remain once the search has run.
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'account added' }).count()).toBe(0);
    expect(await page.getByRole('row').filter({ hasText: 'conflict settled: you chose “Delete on both sides”' }).count()).toBe(1);
    await page.getByLabel('Search').fill('');
    await page.getByRole('row').filter({ hasText: 'account added' }).first().waitFor();
    await page.getByRole('button', { name: 'Copy for a bug report' }).click();
    await page.getByText(/^Copied \d+ entries/).waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(copied).toMatch(/^Mailferry \S+ \(headless\)\n/);
    expect(copied).toContain('conflict settled: you chose “Delete on both sides”');
    expect(copied).not.toContain(user.password);
    await shot('activity');

    await page.getByRole('button', { name: 'Settings' }).click();
    const push = page.getByRole('switch', { name: /Push/ });
    const before = await push.isChecked();
    await push.focus();
    await page.keyboard.press('Space');
    await page.getByText('Saved.').waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    expect(await page.getByRole('switch', { name: /Push/ }).isChecked()).toBe(!before);
    await shot('settings');
  });

  it("shows an untrusted certificate's fingerprint and connects once exactly that certificate is trusted", async () => {
    await page.getByRole('button', { name: 'Accounts', exact: true }).click();
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByLabel('Email address').fill(`${user.user}@example.test`);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Mail server', level: 2 }).waitFor();
    if (server.tlsPort === undefined || server.fingerprint === undefined) throw new Error('Dovecot was started without TLS');
    await fillServer(page, { port: server.tlsPort, security: 'tls' });
    await page.getByRole('button', { name: 'Test connection' }).click();

    const warning = page.getByRole('alert').filter({ hasText: 'certificate is not trusted' });
    await warning.waitFor();
    const shown = (await warning.locator('.fingerprint-value').textContent())?.replace(/:/g, '').toLowerCase();
    expect(shown).toBe(server.fingerprint);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await shot('wizard-untrusted-certificate');

    await warning.getByRole('button', { name: 'Trust this certificate and test again' }).click();
    await page.getByText('Connected and logged in.').waitFor();
    expect(await page.getByText(/Trusting exactly the certificate/).textContent()).toContain(`sha256:${server.fingerprint}`);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: '← Cancel' }).click();
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
  });

  it('edits the account: the stored password stays, and an unticked folder stops syncing', async () => {
    await page.getByRole('button', { name: 'work', exact: true }).click();
    await page.getByRole('button', { name: 'Edit account' }).click();
    await page.getByRole('heading', { name: 'Mail server', level: 2 }).waitFor();
    expect(await page.getByLabel('Server').inputValue()).toBe(server.host);
    expect(await page.getByText('Leave empty to keep the stored password.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Local copy', level: 2 }).waitFor();
    expect(await page.getByLabel('Folder', { exact: true }).inputValue()).toBe(maildir);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('checkbox', { name: 'Archive' }).uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();

    await page.getByRole('heading', { name: 'work', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('switch', { name: 'Sync Archive' }).isChecked()).toBe(false);
    expect(await page.getByRole('switch', { name: 'Sync INBOX' }).isChecked()).toBe(true);
    // The stored password still logs in, and only the folders still ticked are synced.
    await remote.append('INBOX', makeMessage({ subject: 'After the edit' }));
    await remote.append('Archive', makeMessage({ subject: 'Archived after the edit' }));
    await page.getByRole('button', { name: 'Sync now' }).click();
    const arrived = async () => (await localMessages(maildir, 'INBOX')).some((m) => m.bytes.includes('After the edit'));
    await expect.poll(arrived, { timeout: 30_000 }).toBe(true);
    expect((await localMessages(maildir, 'Archive')).some((m) => m.bytes.includes('Archived after the edit'))).toBe(false);
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('a password changed on the server: the failed login offers "Change password…", the new one is tested, saved and used at once', async () => {
    user = await server.setPassword(user.user, `${user.password}-changed`);
    await remote.append('INBOX', makeMessage({ subject: 'After the new password' }));
    await page.getByRole('button', { name: 'Sync now' }).click();
    const change = page.getByRole('alert').getByRole('button', { name: 'Change password…' });
    await change.waitFor({ timeout: 30_000 });
    await shot('account-wrong-password');
    await change.click();

    await page.getByRole('heading', { name: 'Mail server', level: 2 }).waitFor();
    const form = page.getByRole('group', { name: 'Mail server' });
    await form.getByLabel('Password').fill(user.password);
    // A typed password counts only once the server has accepted it.
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected and logged in.').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Local copy', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();

    // No need for Sync now: the new password is tried right away.
    await page.getByRole('heading', { name: 'work', level: 1 }).waitFor();
    const arrived = async () => (await localMessages(maildir, 'INBOX')).some((m) => m.bytes.includes('After the new password'));
    await expect.poll(arrived, { timeout: 30_000 }).toBe(true);
    await page.getByText('Up to date').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Change password…' }).count()).toBe(0);
    // Under serve the config file keeps it, as `mailferry sync` reads it; the page never gets it back.
    const config = JSON.parse(await readFile(join(dir, 'config', 'config.json'), 'utf8'));
    expect(config.accounts[0].remote.password).toBe(user.password);
    expect(await page.content()).not.toContain(user.password);
  });

  it('removes the account and, unless told otherwise, keeps the local mail', async () => {
    await page.getByRole('button', { name: 'Remove account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove work?' });
    expect(await dialog.getByRole('radio', { name: /Keep it/ }).isChecked()).toBe(true);
    await shot('remove-account');
    await dialog.getByRole('button', { name: 'Remove account' }).click();
    await page.getByText('No accounts yet').waitFor();
    // One deleted by the conflict's choice, two arrived after the edits.
    expect(await localMessages(maildir, 'INBOX')).toHaveLength(INBOX_MESSAGES + 1);
    expect(await localMessages(maildir, 'Archive')).toHaveLength(ARCHIVE_MESSAGES);
  });

  it('ran without console errors or CSP violations', () => {
    expect(browser.problems).toEqual([]);
  });
});
