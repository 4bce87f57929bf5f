import type { ServerGuess } from '../../../shared/api/app-api.js';
import { parseEmailAddress, type EmailAddress } from './email-address.js';
import { providerForDomain, providerForMxHosts, type KnownProvider } from './known-providers.js';
import { systemSetupDns, type SetupDns } from './setup-dns.js';
import { srvServers } from './srv-servers.js';

export class InvalidEmailAddressError extends Error {
  override name = 'InvalidEmailAddressError';
  constructor(text: string) {
    super(`"${text.trim()}" is not an email address of the form name@example.org`);
  }
}

/**
 * Candidate IMAP settings for an address, best first, for the wizard to show and the user to
 * edit: the built-in provider table by domain; else the domain's RFC 6186 SRV records and the
 * provider its MX records point to; else imap.<domain> / mail.<domain> (those with an address
 * in DNS, or imap.<domain> as a starting point when neither has one). Never empty.
 */
export async function guessServer(email: string, dns: SetupDns = systemSetupDns()): Promise<ServerGuess[]> {
  const address = parseEmailAddress(email);
  if (!address) throw new InvalidEmailAddressError(email);

  const known = providerForDomain(address.domain);
  if (known) return [providerGuess(known, address)];

  const [srv, mxHosts] = await Promise.all([
    srvServers(dns, address.domain),
    dns.resolveMx(address.domain).then((records) => records.map((r) => r.exchange), () => []),
  ]);
  const mxProvider = providerForMxHosts(mxHosts);
  const announced: ServerGuess[] = [
    ...srv.map((s) => ({ ...s, user: address.address, source: 'srv' as const })),
    ...(mxProvider ? [providerGuess(mxProvider, address)] : []),
  ];
  if (announced.length > 0) return unique(announced);
  return conventionalGuesses(dns, address);
}

function providerGuess(provider: KnownProvider, address: EmailAddress): ServerGuess {
  return {
    host: provider.host,
    port: provider.port,
    security: provider.security,
    user: provider.user === 'local-part' ? address.localPart : address.address,
    source: 'provider',
  };
}

async function conventionalGuesses(dns: SetupDns, address: EmailAddress): Promise<ServerGuess[]> {
  const hosts = [`imap.${address.domain}`, `mail.${address.domain}`];
  const resolving = await Promise.all(hosts.map((h) => dns.hasAddress(h).catch(() => false)));
  const found = hosts.filter((_, i) => resolving[i]);
  return (found.length > 0 ? found : hosts.slice(0, 1)).map((host) => ({
    host,
    port: 993,
    security: 'tls' as const,
    user: address.address,
    source: 'guess' as const,
  }));
}

function unique(guesses: ServerGuess[]): ServerGuess[] {
  return guesses.filter((g, i) => guesses.findIndex((o) => o.host === g.host && o.port === g.port) === i);
}
