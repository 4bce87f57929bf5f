import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../../support/electron-mock.js'));

const { safeStorage, userData } = await import('../../support/electron-mock.js');
const { safeStorageSecrets } = await import('../../../electron/main/safe-storage-secrets.js');
const { electronSettingsStore } = await import('../../../electron/main/electron-settings.js');
const { DEFAULT_SETTINGS, migrateSettings, SETTINGS_VERSION } = await import('../../../electron/service/settings/settings.js');
const { AppService } = await import('../../../electron/service/app-service.js');
const { dispatch } = await import('../../../electron/service/api/api-dispatch.js');
const { FakeEngine } = await import('../../support/fake-engine.js');

/** Accepts both the original and the reversed ("new key") ciphertext. */
function wrapDecrypt(decrypt: typeof safeStorage.decryptStringAsync): typeof safeStorage.decryptStringAsync {
  return async (cipher) => decrypt(cipher.toString().startsWith('enc:') ? cipher : Buffer.from(cipher).reverse());
}

/** Every file the app wrote under userData, as text. */
async function everythingOnDisk(): Promise<string> {
  const names = await readdir(userData);
  return (await Promise.all(names.map((n) => readFile(join(userData, n), 'utf8').catch(() => '')))).join('\n');
}

beforeEach(() => {
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
  safeStorage.reEncrypt = false;
});

describe('passwords with safeStorage', () => {
  it('stores only ciphertext and gives the password back', async () => {
    const secrets = (await safeStorageSecrets())!;
    expect(secrets.protection).toBe('os-keychain');
    await secrets.set('work/remote', 'correct horse battery');
    expect(await everythingOnDisk()).not.toContain('correct horse battery');
    expect(await everythingOnDisk()).toContain('work/remote');
    expect(await secrets.get('work/remote')).toBe('correct horse battery');
    await secrets.delete('work/remote');
    expect(await secrets.get('work/remote')).toBeNull();
  });

  it('re-encrypts when the OS asks for it, still never in plain text', async () => {
    const secrets = (await safeStorageSecrets())!;
    await secrets.set('home/remote', 'swordfish-42');
    const before = await readFile(join(userData, 'secrets.json'), 'utf8');
    safeStorage.reEncrypt = true;
    const original = safeStorage.encryptStringAsync;
    // A "new key": ciphertext of the same password looks different.
    safeStorage.encryptStringAsync = async (plain: string) => Buffer.concat([await original(plain), Buffer.from('')]).reverse();
    safeStorage.decryptStringAsync = wrapDecrypt(safeStorage.decryptStringAsync);
    expect(await secrets.get('home/remote')).toBe('swordfish-42');
    safeStorage.encryptStringAsync = original;
    const after = await readFile(join(userData, 'secrets.json'), 'utf8');
    expect(after).not.toBe(before);
    expect(after).not.toContain('swordfish-42');
  });

  it('says when Linux has no keyring (basic_text), and offers no store when the OS cannot encrypt', async () => {
    safeStorage.backend = 'basic_text';
    const onLinux = await safeStorageSecrets();
    expect(onLinux?.protection).toBe(process.platform === 'linux' ? 'basic-text' : 'os-keychain');
    safeStorage.available = false;
    expect(await safeStorageSecrets()).toBeNull();
  });
});

describe('the desktop service with safeStorage', () => {
  it('never writes a typed password in plain text, yet syncs with it after a restart', async () => {
    const password = 'plain-text-would-be-a-bug';
    const start = async (engine: InstanceType<typeof FakeEngine>) =>
      AppService.start({
        mode: 'desktop',
        version: '0.0.0-test',
        configPath: join(userData, 'accounts.json'),
        appDataDir: userData,
        settings: electronSettingsStore(),
        passwordKeeping: { kind: 'secret-store', store: (await safeStorageSecrets())! },
        launcher: engine.launcher,
        firstPassDelayMs: 60_000,
      });
    // Never the user's real state directory.
    await writeFile(join(userData, 'accounts.json'), JSON.stringify({ stateDir: join(userData, 'state'), accounts: [] }));
    const engine = new FakeEngine();
    const service = await start(engine);
    const account = {
      name: 'desk',
      remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: 'bob', password },
      local: { type: 'maildir', path: join(userData, 'Mail') },
      direction: 'both',
      propagateDeletes: true,
      folders: { include: ['*'], exclude: [] },
    };
    expect(await dispatch(service.handlers, 'addAccount', { account })).toMatchObject({ ok: true });
    await dispatch(service.handlers, 'updateSettings', { patch: { syncIntervalMinutes: 10 } });
    await service.shutdown();
    expect(await everythingOnDisk()).not.toContain(password);
    expect(JSON.parse(await readFile(join(userData, 'accounts.json'), 'utf8')).accounts[0].remote).not.toHaveProperty('password');

    const restarted = new FakeEngine();
    const again = await start(restarted);
    await dispatch(again.handlers, 'syncNow', { account: 'desk' });
    await vi.waitFor(() => expect(restarted.syncs()[0]?.credentials.remote).toBe(password));
    expect((await dispatch(again.handlers, 'getSettings', {})) as unknown).toMatchObject({ ok: true, result: { syncIntervalMinutes: 10 } });
    await again.shutdown();
  });
});

describe('settings', () => {
  it('migrates nothing, damage, old and partial layouts field by field', () => {
    expect(migrateSettings(undefined)).toEqual({ stored: { schemaVersion: SETTINGS_VERSION, settings: DEFAULT_SETTINGS }, writeBack: true });
    expect(migrateSettings('garbage').stored.settings).toEqual(DEFAULT_SETTINGS);
    // A layout without a version and a field added later (rememberPasswords) missing: kept values, defaults for the rest.
    const partial = migrateSettings({ settings: { syncIntervalMinutes: 15, push: false, notifications: { errors: false } } });
    expect(partial).toEqual({
      stored: {
        schemaVersion: SETTINGS_VERSION,
        settings: { ...DEFAULT_SETTINGS, syncIntervalMinutes: 15, push: false, notifications: { ...DEFAULT_SETTINGS.notifications, errors: false } },
      },
      writeBack: true,
    });
    // One bad value does not reset the others.
    const damaged = migrateSettings({ schemaVersion: 1, settings: { ...DEFAULT_SETTINGS, syncIntervalMinutes: 0, startAtLogin: 'yes', rememberPasswords: false } });
    expect(damaged.stored.settings).toEqual({ ...DEFAULT_SETTINGS, rememberPasswords: false });
    expect(damaged.writeBack).toBe(true);
    // Current and valid: nothing to write.
    expect(migrateSettings({ schemaVersion: SETTINGS_VERSION, settings: DEFAULT_SETTINGS }).writeBack).toBe(false);
  });

  it('reads a newer layout without overwriting it', () => {
    const newer = migrateSettings({ schemaVersion: SETTINGS_VERSION + 1, settings: { ...DEFAULT_SETTINGS, syncIntervalMinutes: 30, futureThing: true } });
    expect(newer.stored.settings.syncIntervalMinutes).toBe(30);
    expect(newer.writeBack).toBe(false);
  });

  it('round-trips through electron-store in its own file, not config.json', async () => {
    const store = electronSettingsStore();
    const { stored } = migrateSettings(await store.read());
    await store.write({ ...stored, settings: { ...stored.settings, syncIntervalMinutes: 20 } });
    expect(migrateSettings(await electronSettingsStore().read()).stored.settings.syncIntervalMinutes).toBe(20);
    const files = await readdir(userData);
    expect(files).toContain('settings.json');
    expect(files).not.toContain('config.json');
  });
});
