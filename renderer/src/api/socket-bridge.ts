import { bridgeErrorMessage, type ApiError, type AppEvent, type AppEventPayload, type AppMethod, type AppParams, type AppResult, type MailferryBridge } from '../../../shared/api/app-api.js';
import { HostFrameSchema, type RequestFrame } from '../../../shared/api/ws-framing.js';

/** The part of a browser WebSocket the bridge uses (the `ws` package's socket has it too). */
export interface SocketLike {
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * connecting: first attempt; open; lost: was open, trying again; refused: never got in (a stale
 * token, or the host is not running), trying again.
 */
export type ConnectionState = 'connecting' | 'open' | 'lost' | 'refused';

export interface ConnectionBridge extends MailferryBridge {
  connectionState(): ConnectionState;
  onConnectionState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

export interface SocketBridgeOptions {
  openSocket: () => SocketLike;
  /** Delay before reconnect attempt n (0-based). */
  retryDelayMs?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** Failures look the same on every transport: an Error reading "<code>: <text>" (shared/api/bridge-errors.ts). */
function bridgeError(code: ApiError['code'], message: string): Error {
  return new Error(bridgeErrorMessage({ code, message }));
}

const defaultRetryDelay = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt);

/**
 * The app contract over a WebSocket (shared/api/ws-framing.ts). Requests made while the
 * socket is down wait for the next connection; those in flight when it drops fail, because
 * the host may or may not have carried them out and only the caller knows whether to repeat.
 */
export function createSocketBridge(options: SocketBridgeOptions): ConnectionBridge {
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const pending = new Map<number, Pending>();
  const waiting: RequestFrame[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let socket: SocketLike | null = null;
  let nextId = 1;
  let attempt = 0;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const connect = () => {
    const s = options.openSocket();
    socket = s;
    let opened = false;
    s.onopen = () => {
      opened = true;
      attempt = 0;
      setState('open');
      for (const frame of waiting.splice(0)) s.send(JSON.stringify(frame));
    };
    s.onmessage = (event) => receive(event.data);
    s.onerror = () => undefined;
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      const lost = bridgeError('failed', 'The connection to Mailferry was lost before it answered.');
      const unsent = new Set(waiting.map((f) => f.id));
      for (const [id, p] of pending) {
        if (unsent.has(id)) continue;
        pending.delete(id);
        p.reject(lost);
      }
      if (closed) return;
      setState(opened || state === 'lost' ? 'lost' : 'refused');
      setTimer(connect, retryDelay(attempt++));
    };
  };

  const receive = (data: unknown) => {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const frame = HostFrameSchema.safeParse(json);
    if (!frame.success) return;
    const f = frame.data;
    if ('event' in f) {
      for (const l of listeners.get(f.event) ?? []) l(f.payload);
      return;
    }
    const p = pending.get(f.id);
    if (!p) return;
    pending.delete(f.id);
    if (f.ok) p.resolve(f.result);
    else p.reject(bridgeError(f.error.code, f.error.message));
  };

  connect();

  return {
    request<M extends AppMethod>(method: M, params: AppParams<M>): Promise<AppResult<M>> {
      if (closed) return Promise.reject(bridgeError('failed', 'The connection to Mailferry is closed.'));
      const frame: RequestFrame = { id: nextId++, method, params };
      return new Promise<AppResult<M>>((resolve, reject) => {
        pending.set(frame.id, { resolve: resolve as (r: unknown) => void, reject });
        if (socket && state === 'open') socket.send(JSON.stringify(frame));
        else waiting.push(frame);
      });
    },
    subscribe<E extends AppEvent>(event: E, listener: (payload: AppEventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    connectionState: () => state,
    onConnectionState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
