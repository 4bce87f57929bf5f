/**
 * IMAP settings of large mail providers, as they publish them. Each is found by the address's
 * domain, or, for a provider that hosts custom domains, by the host names of the domain's MX
 * records (a company domain on Google Workspace receives mail at *.google.com).
 */
export interface KnownProvider {
  name: string;
  host: string;
  port: number;
  security: 'tls';
  /** What the provider expects as the login name. */
  user: 'address' | 'local-part';
  domains: readonly string[];
  /** Suffixes of MX host names that mean the domain's mail lives at this provider. */
  mxSuffixes: readonly string[];
}

export const KNOWN_PROVIDERS: readonly KnownProvider[] = [
  {
    name: 'Gmail',
    host: 'imap.gmail.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['gmail.com', 'googlemail.com'],
    mxSuffixes: ['google.com', 'googlemail.com'],
  },
  {
    name: 'Outlook.com / Microsoft 365',
    host: 'outlook.office365.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: [
      'outlook.com', 'outlook.de', 'outlook.fr', 'outlook.es', 'outlook.it',
      'hotmail.com', 'hotmail.co.uk', 'hotmail.de', 'hotmail.fr', 'hotmail.es', 'hotmail.it',
      'live.com', 'live.co.uk', 'live.de', 'live.fr', 'live.nl', 'msn.com', 'passport.com',
    ],
    mxSuffixes: ['mail.protection.outlook.com'],
  },
  {
    name: 'iCloud Mail',
    host: 'imap.mail.me.com',
    port: 993,
    security: 'tls',
    // Apple asks for the name part of the iCloud address, not the whole address.
    user: 'local-part',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    mxSuffixes: ['mail.icloud.com'],
  },
  {
    name: 'Yahoo Mail',
    host: 'imap.mail.yahoo.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['yahoo.com', 'yahoo.co.uk', 'yahoo.de', 'yahoo.fr', 'yahoo.es', 'yahoo.it', 'yahoo.ca', 'yahoo.com.au', 'ymail.com', 'rocketmail.com'],
    mxSuffixes: [],
  },
  {
    name: 'AOL Mail',
    host: 'imap.aol.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['aol.com', 'aim.com', 'aol.de', 'aol.fr', 'aol.co.uk'],
    mxSuffixes: [],
  },
  {
    name: 'Fastmail',
    host: 'imap.fastmail.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['fastmail.com', 'fastmail.fm', 'fastmail.net', 'fastmail.org', 'fastmail.us', 'fastmail.to', 'messagingengine.com'],
    mxSuffixes: ['messagingengine.com'],
  },
  {
    name: 'GMX',
    host: 'imap.gmx.net',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch'],
    mxSuffixes: [],
  },
  {
    name: 'GMX (international)',
    host: 'imap.gmx.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['gmx.com', 'gmx.us', 'gmx.co.uk', 'gmx.fr', 'gmx.es'],
    mxSuffixes: [],
  },
  {
    name: 'mail.com',
    host: 'imap.mail.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['mail.com', 'email.com', 'usa.com'],
    mxSuffixes: [],
  },
  {
    name: 'WEB.DE',
    host: 'imap.web.de',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['web.de'],
    mxSuffixes: [],
  },
  {
    name: 'Posteo',
    host: 'posteo.de',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['posteo.de', 'posteo.net', 'posteo.org', 'posteo.eu', 'posteo.at', 'posteo.ch', 'posteo.uk', 'posteo.us'],
    mxSuffixes: [],
  },
  {
    name: 'mailbox.org',
    host: 'imap.mailbox.org',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['mailbox.org'],
    mxSuffixes: ['mailbox.org'],
  },
  {
    name: 'Zoho Mail',
    host: 'imap.zoho.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['zoho.com', 'zohomail.com'],
    mxSuffixes: ['zoho.com'],
  },
  {
    name: 'Zoho Mail (EU)',
    host: 'imap.zoho.eu',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['zoho.eu', 'zohomail.eu'],
    mxSuffixes: ['zoho.eu'],
  },
  {
    name: 'Yandex Mail',
    host: 'imap.yandex.com',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['yandex.com', 'yandex.ru', 'yandex.ua', 'yandex.by', 'yandex.kz', 'ya.ru'],
    mxSuffixes: ['mx.yandex.net', 'mx.yandex.ru'],
  },
  {
    name: 'Mail.ru',
    host: 'imap.mail.ru',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['mail.ru', 'inbox.ru', 'list.ru', 'bk.ru'],
    mxSuffixes: [],
  },
  {
    name: 'Telekom Mail',
    host: 'secureimap.t-online.de',
    port: 993,
    security: 'tls',
    user: 'address',
    domains: ['t-online.de', 'magenta.de'],
    mxSuffixes: [],
  },
];

const BY_DOMAIN = new Map(KNOWN_PROVIDERS.flatMap((p) => p.domains.map((d) => [d, p] as const)));

/** The provider serving addresses at exactly this (lowercase ASCII) domain. */
export function providerForDomain(domain: string): KnownProvider | null {
  return BY_DOMAIN.get(domain) ?? null;
}

/** The provider whose mail exchangers these are: the one most MX hosts point to, by suffix. */
export function providerForMxHosts(mxHosts: readonly string[]): KnownProvider | null {
  let best: KnownProvider | null = null;
  let bestCount = 0;
  for (const provider of KNOWN_PROVIDERS) {
    const count = mxHosts.filter((host) => provider.mxSuffixes.some((suffix) => hostUnder(host, suffix))).length;
    if (count > bestCount) {
      best = provider;
      bestCount = count;
    }
  }
  return best;
}

/** `aspmx.l.google.com` is under `google.com`; `evilgoogle.com` is not. */
function hostUnder(host: string, suffix: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === suffix || h.endsWith(`.${suffix}`);
}
