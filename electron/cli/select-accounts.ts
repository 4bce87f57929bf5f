import type { AccountConfig, Config } from '../../shared/config.js';
import { UsageError } from './args.js';

/** The accounts named on the command line (all when none), in config order. */
export function selectAccounts(config: Config, names: string[]): AccountConfig[] {
  for (const n of names) {
    if (!config.accounts.some((a) => a.name === n)) {
      throw new UsageError(`no account "${n}" in the config (accounts: ${config.accounts.map((a) => a.name).join(', ')})`);
    }
  }
  return config.accounts.filter((a) => names.length === 0 || names.includes(a.name));
}
