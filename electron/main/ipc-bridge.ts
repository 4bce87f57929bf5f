import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import type { ResponseEnvelope } from '../../shared/api/app-api.js';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../../shared/api/ipc-channels.js';
import { dispatch, type AppHandlers } from '../service/api/api-dispatch.js';
import type { AppEventListener } from '../service/app-service.js';
import { isAppUrl } from './app-protocol.js';

const IpcRequestSchema = z.strictObject({ method: z.string(), params: z.unknown() });

const REFUSED: ResponseEnvelope = { ok: false, error: { code: 'invalid-request', message: 'refused: not sent by the Mailferry window' } };

/**
 * The one IPC channel of the app. A request counts only if it comes from our own window's
 * webContents, from a frame showing our app:// page (not a page it was navigated to); then
 * its shape, method and params are validated before the service sees it (api-dispatch.ts).
 */
export function installIpc(handlers: AppHandlers, ownWindow: () => BrowserWindow | null): () => void {
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event: IpcMainInvokeEvent, payload: unknown) => {
    if (!fromOwnWindow(event, ownWindow())) return REFUSED;
    const request = IpcRequestSchema.safeParse(payload);
    if (!request.success) return { ok: false, error: { code: 'invalid-request', message: 'a request is {method, params}' } } satisfies ResponseEnvelope;
    return dispatch(handlers, request.data.method, request.data.params);
  });
  return () => ipcMain.removeHandler(IPC_REQUEST_CHANNEL);
}

export function fromOwnWindow(event: IpcMainInvokeEvent, win: BrowserWindow | null): boolean {
  if (!win || win.isDestroyed()) return false;
  if (event.sender !== win.webContents) return false;
  // The top frame only: an iframe (there are none) would not get the bridge's power.
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

/** Passes the service's events (already validated by it) to the window, if one is open. */
export function forwardEvents(onEvent: (listener: AppEventListener) => () => void, ownWindow: () => BrowserWindow | null): () => void {
  return onEvent((event, payload) => {
    const win = ownWindow();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
  });
}
