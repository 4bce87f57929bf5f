/**
 * Electron main: a thin adapter around the AppService (electron/service), which does the
 * actual work. Here: single instance, the tray, the window, OS notifications, IPC, power and
 * network events, and a clean stop on quit. The app lives in the tray: closing the window
 * does not quit it.
 */
import { join } from 'node:path';
import { app, dialog, powerMonitor, session, shell, BrowserWindow } from 'electron';
import type { ScreenTarget } from '../../shared/api/app-api.js';
import { ConfigError } from '../engine/config/config-error.js';
import { AppService } from '../service/app-service.js';
import { isSafeExternalUrl } from '../service/external-url.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { AppTray } from './app-tray.js';
import { createAppWindow } from './app-window.js';
import { electronSettingsStore } from './electron-settings.js';
import { setStartAtLogin } from './login-item.js';
import { forwardEvents, installIpc } from './ipc-bridge.js';
import { watchOnline } from './online-watch.js';
import { showNotification } from './os-notifications.js';
import { safeStorageSecrets } from './safe-storage-secrets.js';
import { utilityEngineLauncher } from './utility-launcher.js';

// dist/app/main.mjs; the engine host and the renderer are built beside it, assets at the root.
const here = import.meta.dirname;
const paths = {
  preload: join(here, 'preload.cjs'),
  engineHost: join(here, '..', 'engine-host.mjs'),
  renderer: join(here, '..', 'renderer'),
  assets: join(here, '..', '..', 'assets'),
};
const appIcon = join(paths.assets, 'icon-512.png');

let window: BrowserWindow | null = null;
let service: AppService | null = null;
let quitting = false;

registerAppScheme();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => openWindow(null));
  // Living in the tray: no window is no reason to quit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting || !service) return;
    event.preventDefault();
    quitting = true;
    void service.shutdown().finally(() => app.quit());
  });
  app.whenReady().then(start, fail);
}

async function start(): Promise<void> {
  // A menu-bar app on macOS (LSUIElement in the bundle; this covers a development run).
  app.dock?.hide();
  hardenSessions();
  serveRenderer(paths.renderer);
  const secrets = await safeStorageSecrets();
  const userData = app.getPath('userData');
  const svc = await AppService.start({
    mode: 'desktop',
    version: app.getVersion(),
    configPath: join(userData, 'accounts.json'),
    // Its own state, apart from the CLI's: the same account name there may mean other mailboxes.
    defaultStateDir: join(userData, 'state'),
    appDataDir: userData,
    settings: electronSettingsStore(),
    passwordKeeping: secrets ? { kind: 'secret-store', store: secrets } : { kind: 'memory' },
    launcher: utilityEngineLauncher(paths.engineHost),
    pickDirectory: async () => {
      const options = { properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    openExternal: async (url) => {
      if (!isSafeExternalUrl(url)) throw new Error('only https: and mailto: links can be opened');
      await shell.openExternal(url);
    },
  });
  service = svc;

  installIpc(svc.handlers, () => window);
  forwardEvents((listener) => svc.onEvent(listener), () => window);
  const tray = new AppTray(paths.assets, {
    syncNow: () => void svc.handlers.syncNow({}),
    pause: () => svc.pauseAll(),
    resume: () => svc.resumeAll(),
    open: (account) => openWindow(account === null ? null : { screen: 'account', account }),
    quit: () => app.quit(),
  });
  tray.update(svc.trayModel());
  svc.onEvent((event, payload) => {
    if (event === 'accountChanged' || event === 'accountsChanged') tray.update(svc.trayModel());
    if (event === 'notification') showNotification(payload as Parameters<typeof showNotification>[0], appIcon, (target) => openWindow(target));
    if (event === 'settingsChanged') applyLoginItem();
  });
  applyLoginItem();

  powerMonitor.on('resume', () => svc.syncAll('the computer woke up'));
  watchOnline(() => svc.syncAll('the network is back'));

  // First run: straight to the wizard.
  if (svc.accountViews().length === 0) openWindow(null);
}

function openWindow(target: ScreenTarget | null): void {
  if (!window || window.isDestroyed()) {
    window = createAppWindow(paths.preload, appIcon);
    window.on('closed', () => (window = null));
    if (target) window.webContents.once('did-finish-load', () => service?.navigate(target));
    return;
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  if (target) service?.navigate(target);
}

function applyLoginItem(): void {
  void service?.handlers
    .getSettings({})
    .then((s) => setStartAtLogin(s.startAtLogin))
    .catch(() => undefined);
}

/** Deny every permission (camera, notifications via the web API, …) and any webview. */
function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function fail(err: unknown): void {
  const lines = err instanceof ConfigError ? err.lines : [err instanceof Error ? err.message : String(err)];
  dialog.showErrorBox('Mailferry cannot start', lines.join('\n'));
  app.exit(1);
}
