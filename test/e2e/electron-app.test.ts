import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect, type ImapFixture } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

/**
 * The desktop app as it ships: the built main process in a real Electron, with a temporary
 * profile, its window (preload, IPC, the app:// scheme and its CSP), the wizard against a test
 * Dovecot, a first sync through the engine host in Electron's utility process, and a clean
 * quit. It needs an Electron binary, which the npm package downloads on install: where there
 * is none (no network), it does not run and says so in one line.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const MESSAGES = 12;

/** The Electron executable, without ever triggering the electron package's download. */
function electronBinary(): { path: string | null; why: string } {
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative ?? 'electron') : relative ? join(pkg, 'dist', relative) : null;
  if (candidate && existsSync(candidate)) {
    if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      return { path: null, why: `Electron is at ${candidate}, but there is no display (run it under xvfb-run)` };
    }
    return { path: candidate, why: '' };
  }
  return {
    path: null,
    why: override
      ? `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no Electron executable`
      : 'no Electron binary (npm could not download it; set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron)',
  };
}

const electron = electronBinary();

// Where it cannot run: one line in the output, and the cases reported as skipped.
if (electron.path === null) console.warn(`electron-app.test.ts: the desktop app in real Electron did not run: ${electron.why}`);

describe.runIf(electron.path !== null)('the desktop app in real Electron', () => {
  let server: DovecotServer;
  let user: DovecotUser;
  let remote: ImapFixture;
  let dir: string;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    server = await startDovecot();
    user = await server.addUser();
    remote = await connect(server, user);
    for (let i = 0; i < MESSAGES; i++) await remote.append('INBOX', makeMessage({ subject: `Desktop ${i}` }));

    // Built inside node_modules/.cache so that main's external packages resolve from node_modules.
    const cache = join(ROOT, 'node_modules', '.cache');
    await mkdir(cache, { recursive: true });
    dir = await mkdtemp(join(cache, 'mailferry-electron-'));
    const out = join(dir, 'dist');
    await promisify(execFile)(process.execPath, ['scripts/build-app.mjs', '--outdir', out], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    // main.mjs finds the icons at <dist>/../assets, as in the packaged app.
    await symlink(join(ROOT, 'assets'), join(dir, 'assets'));
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    await writeFile(join(out, 'package.json'), JSON.stringify({ name: 'mailferry', productName: 'Mailferry', version, type: 'module', main: 'app/main.mjs' }));

    const profile = join(dir, 'profile');
    await mkdir(profile);
    app = await _electron.launch({
      executablePath: electron.path!,
      args: [out, '--no-sandbox'],
      // A temporary profile: userData under XDG_CONFIG_HOME, and no keyring (passwords in memory).
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: profile, XDG_CONFIG_HOME: join(profile, 'config'), ...(process.env.DISPLAY ? { DISPLAY: process.env.DISPLAY } : {}) },
    });
    page = await app.firstWindow();
  }, 180_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await remote?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts with its window on the wizard’s first screen, from app://mailferry/ with a temporary profile', async () => {
    expect(page.url()).toMatch(/^app:\/\/mailferry\//);
    await page.getByText('No accounts yet').waitFor();
    const userData = await app.evaluate(({ app: a }) => a.getPath('userData'));
    expect(userData.startsWith(join(dir, 'profile'))).toBe(true);
    // The page has no Node: only the bridge the preload exposes.
    expect(await page.evaluate('typeof require')).toBe('undefined');
    expect(await page.evaluate('typeof window.mailferry?.request')).toBe('function');
  });

  it('adds an account with the wizard and syncs it through the engine in the utility process', async () => {
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByLabel('Email address').fill(`${user.user}@example.test`);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Next' }).click();
    const form = page.getByRole('group', { name: 'Mail server' });
    await form.getByLabel('Server').fill(server.host);
    await form.getByLabel('Security').selectOption('none');
    await form.getByLabel('Port').fill(String(server.port));
    await form.getByLabel('User name').fill(user.user);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected and logged in.').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    const maildir = join(dir, 'Mail');
    await page.getByLabel('Name in Mailferry').fill('desktop');
    await page.getByLabel('Folder', { exact: true }).fill(maildir);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Start syncing' }).click();
    await page.getByText('Your mail is in step').waitFor({ timeout: 60_000 });
    expect(await localMessages(maildir, 'INBOX')).toHaveLength(MESSAGES);
    // The engine host is a child of the app (utilityProcess), not of the test.
    const hosts = await app.evaluate(({ app: a }) => a.getAppMetrics().filter((m) => m.type === 'Utility' && m.serviceName === 'mailferry-engine').length);
    expect(hosts).toBe(1);
  });

  it('quits cleanly: the engine stops after its step and the process exits 0', async () => {
    const proc = app.process();
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    await app.evaluate(({ app: a }) => a.quit());
    expect(await exited).toBe(0);
  });
});
