import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent, ResponseEnvelope } from '../../shared/api/app-api.js';
import type { HostFrame } from '../../shared/api/ws-framing.js';
import { startServe } from '../e2e/serve-harness.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { ENCODED_CANARY, leakForms } from '../support/canary.js';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

vi.mock('electron', () => import('../support/electron-mock.js'));
const { ipcMain, userData } = await import('../support/electron-mock.js');
const { installIpc, forwardEvents } = await import('../../electron/main/ipc-bridge.js');
const { safeStorageSecrets } = await import('../../electron/main/safe-storage-secrets.js');
const { electronSettingsStore } = await import('../../electron/main/electron-settings.js');
const { AppService } = await import('../../electron/service/app-service.js');
const { nodeEngineLauncher } = await import('../../electron/service/engine/node-launcher.js');
const { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } = await import('../../shared/api/ipc-channels.js');

/**
 * Every payload that reaches the renderer, over both transports (the serve WebSocket and the
 * desktop app's IPC, each through its real host code), during what a user does: test the
 * connection, add the account with its password, sync, look at it, type a wrong password and
 * see that pass fail. Neither the password nor the wrong one may appear in any of it, as is or
 * encoded, nor in what the host writes beside, nor in the engine host's arguments or
 * environment.
 */
const WRONG = `${ENCODED_CANARY}-wrong`;
const MESSAGES = 4;

let server: DovecotServer;
let user: DovecotUser;
beforeAll(async () => {
  server = await startDovecot();
  user = await server.addUser(`uicanary${Date.now() % 100000}`, ENCODED_CANARY);
  const fx = await connect(server, user);
  for (let i = 0; i < MESSAGES; i++) await fx.append('INBOX', makeMessage({ subject: `ui ${i}` }));
  await fx.close();
});
afterAll(async () => {
  await server?.stop();
  await removeBuiltBundles();
});

/** What the renderer has of a host: answers to its requests, pushed events, each recorded as sent. */
class RendererLink {
  /** Every payload that reached the renderer, serialized as it travelled. */
  readonly received: string[] = [];
  private readonly frames: HostFrame[] = [];
  private waiters: { test: (f: HostFrame) => boolean; resolve: (f: HostFrame) => void }[] = [];

  constructor(private readonly send: (id: number, method: string, params: unknown) => void) {}

  private nextId = 1;

  /** The host delivers one frame to the renderer. */
  deliver(frame: HostFrame, wire: string): void {
    this.received.push(wire);
    this.frames.push(frame);
    for (const w of [...this.waiters]) if (w.test(frame)) (this.waiters.splice(this.waiters.indexOf(w), 1), w.resolve(frame));
  }

  async call(method: string, params: unknown = {}): Promise<ResponseEnvelope> {
    const id = this.nextId++;
    this.send(id, method, params);
    const frame = await this.wait((f) => 'id' in f && f.id === id);
    return frame as unknown as ResponseEnvelope;
  }

  event(name: AppEvent, test: (payload: Record<string, unknown>) => boolean): Promise<unknown> {
    return this.wait((f) => 'event' in f && f.event === name && test(f.payload as Record<string, unknown>));
  }

  eventNames(): Set<string> {
    return new Set(this.frames.flatMap((f) => ('event' in f ? [f.event] : [])));
  }

  private wait(test: (f: HostFrame) => boolean): Promise<HostFrame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

/** The user's session, the same over either transport. */
async function userSession(link: RendererLink, maildir: string): Promise<void> {
  const remote = (password?: string) => ({ type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, ...(password ? { password } : {}) });
  const ok = async (method: string, params: unknown = {}) => {
    const reply = await link.call(method, params);
    expect(reply, `${method}: ${JSON.stringify(reply)}`).toMatchObject({ ok: true });
    return (reply as { result: unknown }).result;
  };
  await ok('getAppInfo');
  expect(await ok('testConnection', { endpoint: remote(ENCODED_CANARY) })).toMatchObject({ ok: true });
  expect(await ok('testConnection', { endpoint: remote(WRONG) })).toMatchObject({ ok: false, kind: 'auth' });
  await ok('checkMaildir', { path: maildir });
  const account = { name: 'canary', remote: remote(ENCODED_CANARY), local: { type: 'maildir', path: maildir }, direction: 'both', propagateDeletes: true, folders: { include: ['*'], exclude: [] } };
  await ok('addAccount', { account });
  await ok('syncNow', { account: 'canary' });
  await link.event('accountChanged', (a) => a.name === 'canary' && a.state === 'up-to-date');
  expect(await localMessages(maildir, 'INBOX')).toHaveLength(MESSAGES);
  for (const [method, params] of [
    ['listAccounts', {}],
    ['getAccount', { account: 'canary' }],
    ['listServerFolders', { account: 'canary' }],
    ['listConflicts', {}],
    ['getActivity', {}],
    ['getSettings', {}],
  ] as const) {
    await ok(method, params);
  }
  // Editing: the wizard tests the stored password without being given it.
  expect(await ok('testConnection', { endpoint: remote(), account: 'canary', side: 'remote' })).toMatchObject({ ok: true });

  await ok('updateAccount', { name: 'canary', account: { ...account, remote: remote(WRONG) } });
  await ok('syncNow', { account: 'canary' });
  await link.event('accountChanged', (a) => a.name === 'canary' && a.state === 'error');
  await ok('getActivity', {});
  await ok('getAccount', { account: 'canary' });
  await ok('listAccounts', {});
}

function expectClean(text: string, where: string): void {
  for (const password of [ENCODED_CANARY, WRONG]) {
    for (const form of leakForms(password, user.user)) expect(text.includes(form), `the password (as "${form}") appears in ${where}`).toBe(false);
  }
}

async function filesUnder(dir: string, except: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = join(e.parentPath, e.name);
    if (e.isFile() && !except.includes(file)) out.push(file);
  }
  return out;
}

/** Arguments and environment of every running engine host built in `bundleDir` (Linux /proc). */
async function engineHosts(bundleDir: string): Promise<{ pid: string; cmdline: string; environ: string }[]> {
  const out = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    if (!cmdline.includes(join(bundleDir, 'engine-host.mjs'))) continue;
    out.push({ pid, cmdline, environ: await readFile(`/proc/${pid}/environ`, 'latin1') });
  }
  return out;
}

async function expectEngineHostsClean(bundleDir: string): Promise<void> {
  const hosts = await engineHosts(bundleDir);
  expect(hosts.length).toBeGreaterThan(0);
  for (const h of hosts) {
    expectClean(h.cmdline, `the engine host's arguments (pid ${h.pid})`);
    expectClean(h.environ, `the engine host's environment (pid ${h.pid})`);
  }
}

function expectPayloadsClean(link: RendererLink): void {
  // The flow really reached the renderer: answers, progress, account changes, the activity log.
  for (const name of ['progress', 'accountChanged', 'activity']) expect(link.eventNames(), name).toContain(name);
  expect(link.received.join('\n')).toContain('"kind":"auth"');
  link.received.forEach((payload, i) => expectClean(payload, `payload ${i} to the renderer: ${payload.slice(0, 200)}`));
}

describe('no password reaches the renderer', () => {
  it('over the mailferry serve WebSocket', async () => {
    const { cli, dir: bundleDir } = await builtBundles();
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-ui-secrets-'));
    const maildir = join(dir, 'Mail');
    await mkdir(maildir);
    const configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [] }), { mode: 0o600 });
    const serve = await startServe(cli, configPath, dir);
    try {
      const url = new URL(serve.url);
      const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
      const ws = new WebSocket(`ws://${url.host}/api?token=${token}`, { headers: { Origin: url.origin } });
      const link = new RendererLink((id, method, params) => ws.send(JSON.stringify({ id, method, params })));
      ws.on('message', (data) => {
        const wire = data.toString();
        link.deliver(JSON.parse(wire) as HostFrame, wire);
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      await userSession(link, maildir);
      await expectEngineHostsClean(bundleDir);
      ws.close();
      expectPayloadsClean(link);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expectClean(serve.output(), "serve's output");
    // The config file is where serve keeps the password, by design (mode 0600).
    for (const file of await filesUnder(dir, [configPath])) expectClean(await readFile(file, 'latin1'), file);
  });

  it('over the desktop app’s IPC (ipc-bridge.ts, passwords in safeStorage)', async () => {
    const { engineHost, dir: bundleDir } = await builtBundles();
    const maildir = join(userData, 'Mail');
    await mkdir(maildir);
    const accountsFile = join(userData, 'accounts.json');
    await writeFile(accountsFile, JSON.stringify({ stateDir: join(userData, 'state'), accounts: [] }));
    const service = await AppService.start({
      mode: 'desktop',
      version: '0.0.0-test',
      configPath: accountsFile,
      appDataDir: userData,
      settings: electronSettingsStore(),
      passwordKeeping: { kind: 'secret-store', store: (await safeStorageSecrets())! },
      launcher: nodeEngineLauncher(engineHost),
      // Notifications at once, so the login failure's one is among the payloads.
      notificationPolicy: { groupWindowMs: 0, maxPerHour: 100, unreachableAfterMs: 0 },
    });
    // Our window as ipc-bridge.ts sees it: events go to its webContents; requests come from its top frame.
    const webContents = {
      send: (channel: string, frame: HostFrame) => {
        expect(channel).toBe(IPC_EVENT_CHANNEL);
        link.deliver(frame, JSON.stringify(frame));
      },
    };
    const window = { webContents, isDestroyed: () => false } as unknown as import('electron').BrowserWindow;
    const fromRenderer = { sender: webContents, senderFrame: { url: 'app://mailferry/index.html', parent: null } };
    const link = new RendererLink((id, method, params) => {
      void Promise.resolve(ipcMain.handlers.get(IPC_REQUEST_CHANNEL)!(fromRenderer, { method, params })).then((envelope) =>
        link.deliver({ id, ...(envelope as ResponseEnvelope) } as HostFrame, JSON.stringify(envelope)),
      );
    });
    const uninstall = installIpc(service.handlers, () => window);
    const stopEvents = forwardEvents((listener) => service.onEvent(listener), () => window);
    try {
      await userSession(link, maildir);
      await link.event('notification', () => true);
      await expectEngineHostsClean(bundleDir);
    } finally {
      stopEvents();
      uninstall();
      await service.shutdown();
    }
    expectPayloadsClean(link);
    // secrets.json holds the OS-encrypted password: its own place.
    for (const file of await filesUnder(userData, [join(userData, 'secrets.json')])) expectClean(await readFile(file, 'latin1'), file);
  });
});
