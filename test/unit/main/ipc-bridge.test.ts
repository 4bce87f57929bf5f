import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../../support/electron-mock.js'));

const { ipcMain } = await import('../../support/electron-mock.js');
const { installIpc } = await import('../../../electron/main/ipc-bridge.js');
const { IPC_REQUEST_CHANNEL } = await import('../../../shared/api/ipc-channels.js');
type AppHandlers = import('../../../electron/service/api/api-dispatch.js').AppHandlers;

const ownContents = { id: 1 };
const ownWindow = { webContents: ownContents, isDestroyed: () => false };
const appFrame = { url: 'app://mailferry/index.html', parent: null };

function event(overrides: { sender?: unknown; senderFrame?: unknown } = {}) {
  return { sender: ownContents, senderFrame: appFrame, ...overrides };
}

const calls: string[] = [];
const view = {
  name: 'work',
  remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'alice', fingerprint: null, passwordSource: 'app' },
  local: { type: 'maildir', path: '/home/alice/Mail', layout: 'verbatim', nameEncoding: 'utf-8', importState: null },
  direction: 'both',
  propagateDeletes: true,
  folders: { include: ['*'], exclude: [] },
  state: 'up-to-date',
  paused: false,
  lastSync: null,
  nextSync: null,
  lastError: null,
  totals: { folders: 0, messages: 0, conflicts: 0, failedFolders: 0 },
};
let leak = false;
const handlers = {
  listAccounts: async () => {
    calls.push('listAccounts');
    return [leak ? { ...view, remote: { ...view.remote, password: 'hunter22' } } : view];
  },
  syncNow: async (p: unknown) => {
    calls.push(`syncNow ${JSON.stringify(p)}`);
    return {};
  },
} as unknown as AppHandlers;

function invoke(e: unknown, payload: unknown) {
  return ipcMain.handlers.get(IPC_REQUEST_CHANNEL)!(e, payload) as Promise<unknown>;
}

describe('IPC bridge in main', () => {
  beforeEach(() => {
    ipcMain.handlers.clear();
    calls.length = 0;
    leak = false;
    installIpc(handlers, () => ownWindow as never);
  });

  it('answers our own window with validated results', async () => {
    expect(await invoke(event(), { method: 'listAccounts', params: {} })).toEqual({ ok: true, result: [view] });
    expect(await invoke(event(), { method: 'syncNow', params: { account: 'work' } })).toEqual({ ok: true, result: {} });
    expect(calls).toEqual(['listAccounts', 'syncNow {"account":"work"}']);
  });

  it('refuses any other sender before looking at the request', async () => {
    const refused = { ok: false, error: { code: 'invalid-request', message: expect.stringContaining('refused') } };
    expect(await invoke(event({ sender: { id: 2 } }), { method: 'listAccounts', params: {} })).toEqual(refused);
    expect(await invoke(event({ senderFrame: { url: 'https://evil.example/', parent: null } }), { method: 'listAccounts', params: {} })).toEqual(refused);
    expect(await invoke(event({ senderFrame: { url: 'app://mailferry/index.html', parent: appFrame } }), { method: 'listAccounts', params: {} })).toEqual(refused);
    expect(await invoke(event({ senderFrame: null }), { method: 'listAccounts', params: {} })).toEqual(refused);
    expect(calls).toEqual([]);
  });

  it('refuses requests once the window is gone', async () => {
    ipcMain.handlers.clear();
    installIpc(handlers, () => ({ ...ownWindow, isDestroyed: () => true }) as never);
    expect(await invoke(event(), { method: 'listAccounts', params: {} })).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
  });

  it('validates the shape, the method and the params', async () => {
    const invalid = { ok: false, error: { code: 'invalid-request', message: expect.any(String) } };
    expect(await invoke(event(), 'listAccounts')).toEqual(invalid);
    expect(await invoke(event(), { method: 'listAccounts', params: {}, extra: 1 })).toEqual(invalid);
    expect(await invoke(event(), { method: 'constructor', params: {} })).toEqual(invalid);
    expect(await invoke(event(), { method: 'syncNow', params: { account: 7 } })).toEqual(invalid);
    expect(await invoke(event(), { method: 'syncNow', params: { account: 'work', sneaky: true } })).toEqual(invalid);
    expect(calls).toEqual([]);
  });

  it('never lets a result with fields outside the contract (a password) out', async () => {
    leak = true;
    const answer = await invoke(event(), { method: 'listAccounts', params: {} });
    expect(answer).toMatchObject({ ok: false, error: { code: 'failed' } });
    expect(JSON.stringify(answer)).not.toContain('hunter22');
  });
});
