import type { FolderSession, MailStore } from '../../electron/engine/store/mail-store.js';

/**
 * A store whose folders open through `open` (given the folder and the real store), on this
 * connection and on every extra one the pass opens from it (openAnother): a test that watches
 * or races a pass sees all of its connections, not just the first. `onStore` runs once per
 * connection. Everything else goes to the real store.
 */
export function decorateStore(
  store: MailStore,
  open: (name: string, inner: MailStore) => Promise<FolderSession>,
  onStore: () => void = () => undefined,
): MailStore {
  onStore();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'openAnother') return async () => decorateStore(await target.openAnother(), open, onStore);
      if (prop === 'openFolder') return (name: string) => open(name, target);
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A session whose `method` goes through `replacement` (given the real session); everything else is the real session's. */
export function decorateSession<K extends keyof FolderSession>(session: FolderSession, method: K, replacement: (inner: FolderSession) => FolderSession[K]): FolderSession {
  return new Proxy(session, {
    get(target, prop, receiver) {
      if (prop === method) return replacement(target);
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
