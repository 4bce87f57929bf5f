import { BRIDGE_GLOBAL, type MailferryBridge } from '../../../shared/api/app-api.js';
import { URL_TOKEN_KEY, WS_PATH, WS_TOKEN_PARAM } from '../../../shared/api/ws-framing.js';
import { createSocketBridge, type ConnectionState, type SocketLike } from './socket-bridge.js';
import { validatedBridge } from './validated-bridge.js';

export interface Connection {
  bridge: MailferryBridge;
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

export class NoHostError extends Error {
  override name = 'NoHostError';
}

/**
 * The desktop app's preload puts the bridge on window; `mailferry serve` opens the page with
 * the token in the fragment, which browsers never send to a server or put in a Referer.
 */
export function connectToHost(): Connection {
  const preloaded = (window as unknown as Record<string, unknown>)[BRIDGE_GLOBAL] as MailferryBridge | undefined;
  if (preloaded) {
    return { bridge: validatedBridge(preloaded), state: () => 'open', onState: () => () => undefined };
  }
  const token = new URLSearchParams(location.hash.slice(1)).get(URL_TOKEN_KEY);
  if (!token) {
    throw new NoHostError('This page needs the address `mailferry serve` printed, including the part after "#token=".');
  }
  const url = new URL(WS_PATH, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = new URLSearchParams({ [WS_TOKEN_PARAM]: token }).toString();
  const socketBridge = createSocketBridge({ openSocket: () => browserSocket(url.href) });
  return {
    bridge: validatedBridge(socketBridge),
    state: () => socketBridge.connectionState(),
    onState: (listener) => socketBridge.onConnectionState(listener),
  };
}

function browserSocket(url: string): SocketLike {
  const ws = new WebSocket(url);
  const socket: SocketLike = {
    send: (data) => ws.send(data),
    close: () => ws.close(),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.onopen = (e) => socket.onopen?.(e);
  ws.onmessage = (e) => socket.onmessage?.(e);
  ws.onclose = (e) => socket.onclose?.(e);
  ws.onerror = (e) => socket.onerror?.(e);
  return socket;
}
