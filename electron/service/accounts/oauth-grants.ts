import type { GrantStore, StoredGrant } from '../../engine/oauth2/grant-store.js';
import { registerSecret } from '../../engine/secrets.js';
import type { SecretStore } from '../secrets/secret-store.js';

/** The key of an account side's OAuth2 grant in the app's secret store. */
export function grantKey(account: string, side: 'remote' | 'local'): string {
  return `${account}/${side}/oauth2`;
}

/**
 * The desktop app's grants: JSON in the OS-encrypted secret store (as its passwords are),
 * or only in memory when the OS offers no encryption. One app process refreshes at a time.
 */
export class SecretGrantStore implements GrantStore {
  private chain: Promise<unknown> = Promise.resolve();
  readonly where: string;

  constructor(
    private readonly store: SecretStore | null,
    private readonly key: string,
    private readonly memory: Map<string, string>,
  ) {
    this.where = `the app's ${store ? 'secret store' : 'memory'} (${key})`;
  }

  async read(): Promise<StoredGrant | null> {
    const text = this.memory.get(this.key) ?? (this.store ? await this.store.get(this.key) : null);
    if (text === null || text === undefined) return null;
    let grant: StoredGrant;
    try {
      grant = JSON.parse(text) as StoredGrant;
    } catch {
      throw new Error(`the sign-in kept in ${this.where} is damaged; sign in again`);
    }
    for (const secret of [grant.refreshToken, grant.accessToken]) if (secret) registerSecret(secret);
    return grant;
  }

  async write(grant: StoredGrant): Promise<void> {
    const text = JSON.stringify(grant);
    this.memory.set(this.key, text);
    if (this.store) await this.store.set(this.key, text);
  }

  async remove(): Promise<void> {
    this.memory.delete(this.key);
    if (this.store) await this.store.delete(this.key);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
