import Store from 'electron-store';
import type { SettingsStore } from '../service/settings/settings-store.js';

/**
 * Settings in electron-store (main process only: it allows one writer). Named "settings" so
 * that it never meets the CLI's config.json, which lives in the same folder on macOS. The
 * layout is versioned and migrated by the service (settings.ts), not by electron-store.
 */
export function electronSettingsStore(): SettingsStore {
  const store = new Store<Record<string, unknown>>({ name: 'settings', clearInvalidConfig: true });
  return {
    read: async () => store.store,
    write: async (stored) => {
      store.store = { ...stored };
    },
  };
}
