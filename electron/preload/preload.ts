/**
 * The preload: exactly one object on `window` (window.mailferry, a MailferryBridge), with two
 * functions over our two channels. No ipcRenderer, no generic channel access: main validates
 * the sender and every request anyway. Bundled as CommonJS, since sandboxed preloads cannot
 * be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppEvent, AppEventPayload, AppMethod, AppParams, AppResult, MailferryBridge, ResponseEnvelope } from '../../shared/api/app-api.js';
import { bridgeErrorMessage } from '../../shared/api/bridge-errors.js';
import { BRIDGE_GLOBAL, IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../../shared/api/ipc-channels.js';

const bridge: MailferryBridge = {
  async request<M extends AppMethod>(method: M, params: AppParams<M>): Promise<AppResult<M>> {
    const envelope = (await ipcRenderer.invoke(IPC_REQUEST_CHANNEL, { method, params })) as ResponseEnvelope;
    if (envelope.ok) return envelope.result as AppResult<M>;
    throw new Error(bridgeErrorMessage(envelope.error));
  },
  subscribe<E extends AppEvent>(event: E, listener: (payload: AppEventPayload<E>) => void): () => void {
    const relay = (_e: IpcRendererEvent, frame: { event: string; payload: unknown }) => {
      if (frame.event === event) listener(frame.payload as AppEventPayload<E>);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, relay);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
