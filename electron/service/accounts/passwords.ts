import type { PasswordSource } from '../../../shared/api/app-api.js';
import type { AccountConfig, ImapEndpointConfig } from '../../../shared/config.js';
import { resolvePassword } from '../../engine/config/resolve-password.js';
import { registerSecret } from '../../engine/secrets.js';
import { secretKey, type SecretStore } from '../secrets/secret-store.js';
import { ApiFailure } from '../api/api-failure.js';
import { isAppKept } from './config-file.js';

type Side = 'remote' | 'local';

/**
 * Where each password is and how to get it, for the engine host (which receives them by
 * message only). Passwords typed into the app go to the secret store when the user wants them
 * remembered and one exists, else stay in memory until the app quits. Passwords the config file
 * names (literal, command, environment) are resolved the way the CLI does.
 */
export class Passwords {
  private readonly memory = new Map<string, string>();
  private readonly stored = new Set<string>();

  constructor(private readonly store: SecretStore | null) {}

  /** Learns which app-kept passwords the store holds (once at start). */
  async load(accounts: AccountConfig[]): Promise<void> {
    if (!this.store) return;
    for (const account of accounts) {
      for (const side of sidesOf(account)) {
        const key = secretKey(account.name, side);
        if (isAppKept(account[side]) && (await this.store.get(key)) !== null) this.stored.add(key);
      }
    }
  }

  source(account: AccountConfig, side: Side): PasswordSource {
    const endpoint = account[side];
    if (endpoint.type !== 'imap') return 'missing';
    if (endpoint.password !== undefined) return 'config-file';
    if (endpoint.passwordCommand !== undefined) return 'command';
    if (endpoint.passwordEnv !== undefined) return 'environment';
    if (endpoint.auth !== undefined) return 'oauth2';
    const key = secretKey(account.name, side);
    if (this.stored.has(key)) return 'app';
    return this.memory.has(key) ? 'memory' : 'missing';
  }

  /** Keeps a password typed into the app: in the secret store when `remember`, else in memory. */
  async keep(account: string, side: Side, password: string, remember: boolean): Promise<void> {
    const key = secretKey(account, side);
    registerSecret(password);
    this.memory.set(key, password);
    if (remember && this.store) {
      await this.store.set(key, password);
      this.stored.add(key);
    } else {
      await this.forgetStored(key);
    }
  }

  async forget(account: string): Promise<void> {
    for (const side of ['remote', 'local'] as const) {
      const key = secretKey(account, side);
      this.memory.delete(key);
      await this.forgetStored(key);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    for (const side of ['remote', 'local'] as const) {
      const password = await this.appKept(secretKey(from, side));
      if (password === null) continue;
      await this.keep(to, side, password, this.stored.has(secretKey(from, side)));
    }
    await this.forget(from);
  }

  /** The password of one side, for the engine host or a connection test. */
  async resolve(account: AccountConfig, side: Side, hiddenEnv: readonly string[]): Promise<string> {
    const endpoint = account[side];
    if (endpoint.type !== 'imap') throw new Error(`the ${side} side of "${account.name}" is not an IMAP account`);
    if (!isAppKept(endpoint)) {
      const password = await resolvePassword(endpoint as ImapEndpointConfig, account.name, { hiddenEnv });
      registerSecret(password);
      return password;
    }
    const password = await this.appKept(secretKey(account.name, side));
    if (password === null) {
      throw new ApiFailure('failed', `the password for ${endpoint.user} at ${endpoint.host} is not known (it was not remembered); enter it in the account's settings`);
    }
    return password;
  }

  private async appKept(key: string): Promise<string | null> {
    const inMemory = this.memory.get(key);
    if (inMemory !== undefined) return inMemory;
    if (!this.store || !this.stored.has(key)) return null;
    const password = await this.store.get(key);
    if (password !== null) {
      registerSecret(password);
      this.memory.set(key, password);
    }
    return password;
  }

  private async forgetStored(key: string): Promise<void> {
    if (this.store && this.stored.has(key)) await this.store.delete(key);
    this.stored.delete(key);
  }
}

function sidesOf(account: AccountConfig): Side[] {
  return account.local.type === 'imap' ? ['remote', 'local'] : ['remote'];
}
