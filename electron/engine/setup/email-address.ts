import { domainToASCII } from 'node:url';

export interface EmailAddress {
  /** The address as typed, trimmed: what most servers take as the user name. */
  address: string;
  localPart: string;
  /** Lowercase, in its ASCII (punycode) form, without a trailing dot: what DNS is asked about. */
  domain: string;
}

/**
 * Splits an address at its last "@" (a quoted local part may hold another one). Returns null
 * when there is no usable domain, so the wizard can say so instead of guessing from nonsense.
 */
export function parseEmailAddress(text: string): EmailAddress | null {
  const address = text.trim();
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || /\s/.test(address)) return null;
  const localPart = address.slice(0, at);
  const domain = domainToASCII(address.slice(at + 1).replace(/\.$/, '').toLowerCase());
  // domainToASCII gives '' for names it cannot encode; a bare label cannot hold mail servers.
  if (domain === '' || !domain.includes('.') || !/^[a-z0-9.-]+$/.test(domain)) return null;
  return { address, localPart, domain };
}
