import { SettingsSchema, type Settings, type SettingsPatch } from '../../../shared/api/app-api.js';

/** The layout `migrateSettings` produces: `{schemaVersion: 1, settings: Settings}`. */
export const SETTINGS_VERSION = 1;

export const DEFAULT_SETTINGS: Settings = {
  syncIntervalMinutes: 5,
  push: true,
  startAtLogin: false,
  notifications: { errors: true, conflicts: true, newMail: false },
  rememberPasswords: true,
};

export interface StoredSettings {
  schemaVersion: number;
  settings: Settings;
}

/**
 * Brings whatever was stored to the current layout: our own tested function rather than
 * electron-store's migrations, which its author calls unsupported. Rules:
 *  - nothing stored, or not an object: the defaults;
 *  - a field that is missing (added by a later version) or invalid gets its default, one by
 *    one, so one bad value never resets the others;
 *  - a layout from a newer app (higher schemaVersion): the fields we know are used, and
 *    `writeBack` is false so that downgrading the app does not destroy the newer file.
 * A future layout change adds a step here that turns version N into N+1.
 */
export function migrateSettings(raw: unknown): { stored: StoredSettings; writeBack: boolean } {
  const record = isRecord(raw) ? raw : {};
  const version = typeof record.schemaVersion === 'number' ? record.schemaVersion : 0;
  const settings = fieldByField(isRecord(record.settings) ? record.settings : {});
  if (version > SETTINGS_VERSION) return { stored: { schemaVersion: version, settings }, writeBack: false };
  const writeBack = version !== SETTINGS_VERSION || JSON.stringify(record.settings) !== JSON.stringify(settings);
  return { stored: { schemaVersion: SETTINGS_VERSION, settings }, writeBack };
}

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return SettingsSchema.parse({
    ...current,
    ...definedOnly(patch),
    notifications: { ...current.notifications, ...definedOnly(patch.notifications ?? {}) },
  });
}

function fieldByField(candidate: Record<string, unknown>): Settings {
  const pick = <K extends keyof Settings>(key: K): Settings[K] => {
    const parsed = SettingsSchema.shape[key].safeParse(candidate[key]);
    return parsed.success ? (parsed.data as Settings[K]) : DEFAULT_SETTINGS[key];
  };
  const n = isRecord(candidate.notifications) ? candidate.notifications : {};
  const flag = (key: keyof Settings['notifications']) => (typeof n[key] === 'boolean' ? n[key] : DEFAULT_SETTINGS.notifications[key]);
  return {
    syncIntervalMinutes: pick('syncIntervalMinutes'),
    push: pick('push'),
    startAtLogin: pick('startAtLogin'),
    notifications: { errors: flag('errors'), conflicts: flag('conflicts'), newMail: flag('newMail') },
    rememberPasswords: pick('rememberPasswords'),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
