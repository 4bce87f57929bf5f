import { readFile } from 'node:fs/promises';
import { writeFileDurably } from '../../engine/durable-fs.js';
import type { StoredSettings } from './settings.js';

/** Where settings live: electron-store in the desktop app, a JSON file under `mailferry serve`. */
export interface SettingsStore {
  /** Whatever was stored, in any layout (migrateSettings sorts it out); undefined if nothing. */
  read(): Promise<unknown>;
  write(stored: StoredSettings): Promise<void>;
}

export function jsonFileSettingsStore(path: string): SettingsStore {
  return {
    async read() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch {
        // Missing or unreadable: defaults, and the next write replaces it.
        return undefined;
      }
    },
    write: (stored) => writeFileDurably(path, `${JSON.stringify(stored, null, 2)}\n`),
  };
}
