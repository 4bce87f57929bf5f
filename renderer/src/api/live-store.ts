import type { MailferryBridge } from '../../../shared/api/app-api.js';
import { initialLiveState, withAccount, withAccounts, withNotice, withoutNotice, withProgress, type LiveState } from '../model/live-state.js';

export interface LiveStore {
  get(): LiveState;
  subscribe(listener: () => void): () => void;
  /** Asks for the account list again (after a reconnect, or when the first load failed). */
  reloadAccounts(): Promise<void>;
  dismissNotice(id: string): void;
  dismissEngineRestart(): void;
  /** Set when the last reloadAccounts failed; the screens show it with a retry. */
  accountsError(): string | null;
}

/** Keeps the shared LiveState current from the host's events. */
export function createLiveStore(bridge: MailferryBridge): LiveStore {
  let state = initialLiveState;
  let loadError: string | null = null;
  const listeners = new Set<() => void>();
  const update = (next: LiveState) => {
    state = next;
    for (const l of listeners) l();
  };

  bridge.subscribe('accountsChanged', ({ accounts }) => update(withAccounts(state, accounts)));
  bridge.subscribe('accountChanged', (account) => update(withAccount(state, account)));
  bridge.subscribe('progress', (p) => update(withProgress(state, p)));
  bridge.subscribe('notification', (n) => update(withNotice(state, n)));
  bridge.subscribe('engineRestarted', (r) => update({ ...state, engineRestart: r }));

  const reloadAccounts = async () => {
    try {
      const accounts = await bridge.request('listAccounts', {});
      loadError = null;
      update(withAccounts(state, accounts));
    } catch (err) {
      loadError = (err as Error).message;
      update({ ...state });
    }
  };

  return {
    get: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reloadAccounts,
    dismissNotice: (id) => update(withoutNotice(state, id)),
    dismissEngineRestart: () => update({ ...state, engineRestart: null }),
    accountsError: () => loadError,
  };
}
