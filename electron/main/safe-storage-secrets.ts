import { safeStorage } from 'electron';
import Store from 'electron-store';
import type { SecretStore } from '../service/secrets/secret-store.js';

/**
 * Passwords encrypted by the OS (Keychain, DPAPI, libsecret/kwallet) through safeStorage's
 * async API, stored as base64 ciphertext in their own electron-store file. Null when the OS
 * offers no encryption: the app then keeps typed passwords in memory only.
 */
export async function safeStorageSecrets(): Promise<SecretStore | null> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) return null;
  const protection = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text' ? 'basic-text' : 'os-keychain';
  const store = new Store<Record<string, string>>({ name: 'secrets', clearInvalidConfig: true });
  const encrypt = async (secret: string) => (await safeStorage.encryptStringAsync(secret)).toString('base64');
  return {
    protection,
    async get(key) {
      const ciphertext = store.get(key);
      if (typeof ciphertext !== 'string') return null;
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(ciphertext, 'base64'));
      // The OS rotated its key: store it again under the new one.
      if (shouldReEncrypt) store.set(key, await encrypt(result));
      return result;
    },
    async set(key, secret) {
      store.set(key, await encrypt(secret));
    },
    async delete(key) {
      store.delete(key);
    },
  };
}
