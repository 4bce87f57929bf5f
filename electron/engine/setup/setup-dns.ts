import { Resolver } from 'node:dns/promises';
import type { MxRecord, SrvRecord } from 'node:dns';

/** The DNS questions the server guess asks; tests answer them from a table. */
export interface SetupDns {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolveMx(name: string): Promise<MxRecord[]>;
  /** Whether the host name has an address (A or AAAA). */
  hasAddress(host: string): Promise<boolean>;
}

/** One try per question with a short timeout: the wizard waits for these answers. */
export function systemSetupDns(timeoutMs = 2500): SetupDns {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  const answered = async (lookup: Promise<unknown[]>) => (await lookup.catch(() => [])).length > 0;
  return {
    resolveSrv: (name) => resolver.resolveSrv(name),
    resolveMx: (name) => resolver.resolveMx(name),
    async hasAddress(host) {
      const [v4, v6] = await Promise.all([answered(resolver.resolve4(host)), answered(resolver.resolve6(host))]);
      return v4 || v6;
    },
  };
}
