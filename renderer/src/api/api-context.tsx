import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { parseBridgeError, type AccountState, type AppEvent, type AppEventPayload, type MailferryBridge } from '../../../shared/api/app-api.js';
import type { LiveState } from '../model/live-state.js';
import type { Connection } from './connect.js';
import type { LiveStore } from './live-store.js';
import type { ConnectionState } from './socket-bridge.js';

interface Api {
  connection: Connection;
  live: LiveStore;
}

const ApiContext = createContext<Api | null>(null);

export function ApiProvider({ connection, live, children }: Api & { children: ReactNode }) {
  return <ApiContext.Provider value={{ connection, live }}>{children}</ApiContext.Provider>;
}

function useApiContext(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('ApiProvider missing');
  return api;
}

export function useBridge(): MailferryBridge {
  return useApiContext().connection.bridge;
}

export function useLiveStore(): LiveStore {
  return useApiContext().live;
}

export function useLive(): LiveState {
  const { live } = useApiContext();
  return useSyncExternalStore(live.subscribe, live.get);
}

export function useConnectionState(): ConnectionState {
  const { connection } = useApiContext();
  return useSyncExternalStore(connection.onState, connection.state);
}

/** Subscribes for the component's lifetime; the latest listener is called, no resubscribing. */
export function useEvent<E extends AppEvent>(event: E, listener: (payload: AppEventPayload<E>) => void): void {
  const bridge = useBridge();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => bridge.subscribe(event, (payload) => latest.current(payload)), [bridge, event]);
}

/**
 * Calls back when a pass of the account (any account for null) has ended. Screens reload on
 * this rather than on every accountChanged: what they load (folders, conflicts) changes with
 * passes, while most announcements (a pause, the next sync time) do not touch it.
 */
export function usePassFinished(account: string | null, onFinished: (account: string) => void): void {
  const live = useLiveStore();
  const states = useRef<Map<string, AccountState> | null>(null);
  // Taken when the screen opens: the live store has already applied any event we see later.
  states.current ??= new Map((live.get().accounts ?? []).map((a) => [a.name, a.state]));
  useEvent('accountChanged', (a) => {
    if (account !== null && a.name !== account) return;
    const before = states.current?.get(a.name);
    states.current?.set(a.name, a.state);
    if (before === 'syncing' && a.state !== 'syncing') onFinished(a.name);
  });
}

export type Loaded<T> =
  | { status: 'loading'; data: T | null; error: null }
  | { status: 'ready'; data: T; error: null }
  | { status: 'failed'; data: T | null; error: string };

/**
 * Loads once per change of `key` and on reload(); the last good data stays while reloading so
 * screens do not flash empty, and answers that arrive after a newer request are ignored.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> & { reload: () => void; replace: (data: T) => void } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading', data: null, error: null });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ status: 'loading', data: s.data, error: null }));
    loadRef.current().then(
      (data) => mine === generation.current && setState({ status: 'ready', data, error: null }),
      (err: unknown) => mine === generation.current && setState((s) => ({ status: 'failed', data: s.data, error: errorText(err) })),
    );
  }, []);

  useEffect(() => {
    setState({ status: 'loading', data: null, error: null });
    reload();
  }, [key, reload]);

  // An answer the screen already holds (e.g. returned by a change it made) replaces the data.
  const replace = useCallback((data: T) => {
    generation.current++;
    setState({ status: 'ready', data, error: null });
  }, []);

  return { ...state, reload, replace };
}

/** The host's words for a failed request, without the code the transport carries along. */
export function errorText(err: unknown): string {
  return parseBridgeError(err).message;
}
