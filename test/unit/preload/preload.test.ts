import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../../support/electron-mock.js'));

const { contextBridge, ipcRenderer } = await import('../../support/electron-mock.js');
await import('../../../electron/preload/preload.js');
const { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } = await import('../../../shared/api/ipc-channels.js');
const { ApiRequestError } = await import('../../../shared/api/app-api.js');
type Bridge = import('../../../shared/api/app-api.js').MailferryBridge;

describe('preload', () => {
  it('exposes exactly one object, window.mailferry, with request and subscribe only', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['mailferry']);
    expect(Object.keys(contextBridge.exposed.get('mailferry') as object).sort()).toEqual(['request', 'subscribe']);
  });

  it('sends requests on the one request channel and unwraps the envelope', async () => {
    const bridge = contextBridge.exposed.get('mailferry') as Bridge;
    ipcRenderer.reply = () => ({ ok: true, result: { opened: true } });
    expect(await bridge.request('openExternal', { url: 'https://example.org' })).toEqual({ opened: true });
    expect(ipcRenderer.invoked.at(-1)).toEqual({ channel: IPC_REQUEST_CHANNEL, args: [{ method: 'openExternal', params: { url: 'https://example.org' } }] });

    ipcRenderer.reply = () => ({ ok: false, error: { code: 'not-found', message: 'no account named "x"' } });
    const err = await bridge.request('getAccount', { account: 'x' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('not-found: no account named "x"');
    expect(ApiRequestError.from(err)).toMatchObject({ code: 'not-found', message: 'no account named "x"' });
  });

  it('delivers only the subscribed event, until unsubscribed', () => {
    const bridge = contextBridge.exposed.get('mailferry') as Bridge;
    const got: unknown[] = [];
    const off = bridge.subscribe('conflictsChanged', (p) => got.push(p));
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'conflictsChanged', payload: { account: 'work' } });
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'activity', payload: { id: 1 } });
    off();
    ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, { event: 'conflictsChanged', payload: { account: 'home' } });
    expect(got).toEqual([{ account: 'work' }]);
    expect(ipcRenderer.listenerCount(IPC_EVENT_CHANNEL)).toBe(0);
  });
});
