import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The one hand-written stand-in for `electron` in unit tests (Electron cannot run here):
 * `vi.mock('electron', () => import('../../support/electron-mock.js'))`. It records what
 * main-process code registers and lets tests play the renderer or the OS.
 */

export const userData = mkdtempSync(join(tmpdir(), 'mailferry-electron-userdata-'));

export const app = {
  getPath: (name: string) => (name === 'userData' ? userData : join(userData, name)),
  getVersion: () => '0.0.0-test',
};

type Handler = (event: unknown, ...args: unknown[]) => unknown;
export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle(channel: string, handler: Handler) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
  on() {},
};

/** Fake OS encryption: reversible, but never the plain text. */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  reEncrypt: false,
  isAsyncEncryptionAvailable: async () => safeStorage.available,
  getSelectedStorageBackend: () => safeStorage.backend,
  encryptStringAsync: async (plain: string) => Buffer.from(`enc:${Buffer.from(plain).toString('hex').split('').reverse().join('')}`),
  decryptStringAsync: async (cipher: Buffer) => {
    const text = cipher.toString();
    if (!text.startsWith('enc:')) throw new Error('not ours');
    return { result: Buffer.from(text.slice(4).split('').reverse().join(''), 'hex').toString(), shouldReEncrypt: safeStorage.reEncrypt };
  },
};

export const shell = { openExternal: async () => undefined, openPath: async () => '' };

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    this.exposed.set(key, api);
  },
};

export class FakeIpcRenderer extends EventEmitter {
  invoked: { channel: string; args: unknown[] }[] = [];
  reply: (channel: string, ...args: unknown[]) => unknown = () => undefined;
  async invoke(channel: string, ...args: unknown[]) {
    this.invoked.push({ channel, args });
    return this.reply(channel, ...args);
  }
}
export const ipcRenderer = new FakeIpcRenderer();

const electron = { app, ipcMain, safeStorage, shell, contextBridge, ipcRenderer };
export default electron;
