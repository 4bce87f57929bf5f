import { describe, expect, it, vi } from 'vitest';

/**
 * The window's guards that electron/security-scan-accepted.json relies on: new windows (a
 * middle click included) are always denied, only safe links reach the OS, and the window never
 * navigates away from app://mailferry/.
 */
type Listener = (event: { preventDefault(): void }, url: string) => void;

const electron = vi.hoisted(() => {
  const opened: string[] = [];
  class FakeWindow {
    static last: FakeWindow;
    readonly listeners = new Map<string, Listener>();
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    readonly webContents = {
      setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => (this.openHandler = handler),
      on: (name: string, listener: Listener) => this.listeners.set(name, listener),
    };
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      FakeWindow.last = this;
    }
    once() {}
    loadURL() {
      return Promise.resolve();
    }
  }
  return { opened, FakeWindow, shell: { openExternal: async (url: string) => void opened.push(url) } };
});
vi.mock('electron', () => ({ BrowserWindow: electron.FakeWindow, shell: electron.shell, protocol: {} }));

const { createAppWindow } = await import('../../../electron/main/app-window.js');

function navigate(name: string, url: string): boolean {
  let prevented = false;
  electron.FakeWindow.last.listeners.get(name)!({ preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('the app window', () => {
  it('is sandboxed and isolated, and denies every new window, handing only safe links to the OS', () => {
    createAppWindow('/app/preload.cjs', '/app/icon.png');
    const win = electron.FakeWindow.last;
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    for (const url of ['https://example.org/help', 'http://example.org/', 'file:///etc/passwd', 'app://mailferry/index.html']) {
      expect(win.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.opened).toEqual(['https://example.org/help']);
  });

  it('never navigates or redirects away from app://mailferry/', () => {
    createAppWindow('/app/preload.cjs', '/app/icon.png');
    for (const name of ['will-navigate', 'will-redirect']) {
      expect(navigate(name, 'https://example.org/'), name).toBe(true);
      expect(navigate(name, 'app://mailferry/index.html'), name).toBe(false);
    }
  });
});
