/**
 * Where the app keeps passwords typed into it. The desktop app encrypts them with the OS
 * (Electron safeStorage) before storing; the service never writes them anywhere else.
 */
export interface SecretStore {
  /** os-keychain: encrypted by the OS; basic-text: Linux without a keyring, obfuscated only. */
  readonly protection: 'os-keychain' | 'basic-text';
  get(key: string): Promise<string | null>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The key of an account side's password. */
export function secretKey(account: string, side: 'remote' | 'local'): string {
  return `${account}/${side}`;
}
