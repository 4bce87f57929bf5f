import type { MxRecord, SrvRecord } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { parseEmailAddress } from '../../../electron/engine/setup/email-address.js';
import { guessServer, InvalidEmailAddressError } from '../../../electron/engine/setup/guess-server.js';
import { providerForDomain, providerForMxHosts } from '../../../electron/engine/setup/known-providers.js';
import type { SetupDns } from '../../../electron/engine/setup/setup-dns.js';
import { srvServers, usable } from '../../../electron/engine/setup/srv-servers.js';

/** A DNS that knows only what the test tells it; every other question fails like NXDOMAIN. */
function fakeDns(zone: { srv?: Record<string, SrvRecord[]>; mx?: Record<string, MxRecord[]>; hosts?: string[]; failing?: string[] }) {
  const asked: string[] = [];
  const notFound = (name: string) => Object.assign(new Error(`queryX ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  const timedOut = (name: string) => Object.assign(new Error(`queryX ETIMEOUT ${name}`), { code: 'ETIMEOUT' });
  const answer = <T>(table: Record<string, T[]> | undefined, name: string): Promise<T[]> => {
    asked.push(name);
    if (zone.failing?.includes(name)) return Promise.reject(timedOut(name));
    const records = table?.[name];
    return records ? Promise.resolve(records) : Promise.reject(notFound(name));
  };
  const dns: SetupDns = {
    resolveSrv: (name) => answer(zone.srv, name),
    resolveMx: (name) => answer(zone.mx, name),
    hasAddress: async (host) => {
      asked.push(host);
      if (zone.failing?.includes(host)) throw timedOut(host);
      return zone.hosts?.includes(host) ?? false;
    },
  };
  return { dns, asked };
}

const srv = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({ name, port, priority, weight });

describe('parseEmailAddress', () => {
  it.each([
    ['alice@example.org', 'alice', 'example.org'],
    ['  Alice.Smith@Example.ORG  ', 'Alice.Smith', 'example.org'],
    ['"odd@local"@example.org', '"odd@local"', 'example.org'],
    ['bob@example.org.', 'bob', 'example.org'],
    ['jürgen@bücher.de', 'jürgen', 'xn--bcher-kva.de'],
  ])('%s -> local part %s, domain %s', (text, localPart, domain) => {
    expect(parseEmailAddress(text)).toMatchObject({ localPart, domain });
  });

  it.each(['alice', '@example.org', 'alice@', 'alice@localhost', 'al ice@example.org', 'alice@exa_mple.org'])('refuses %j', (text) => {
    expect(parseEmailAddress(text)).toBeNull();
  });
});

describe('known providers', () => {
  it.each([
    ['gmail.com', 'imap.gmail.com'],
    ['googlemail.com', 'imap.gmail.com'],
    ['hotmail.co.uk', 'outlook.office365.com'],
    ['outlook.com', 'outlook.office365.com'],
    ['icloud.com', 'imap.mail.me.com'],
    ['ymail.com', 'imap.mail.yahoo.com'],
    ['fastmail.fm', 'imap.fastmail.com'],
    ['gmx.de', 'imap.gmx.net'],
    ['web.de', 'imap.web.de'],
    ['posteo.de', 'posteo.de'],
    ['mailbox.org', 'imap.mailbox.org'],
    ['zoho.com', 'imap.zoho.com'],
    ['aol.com', 'imap.aol.com'],
    ['yandex.ru', 'imap.yandex.com'],
  ])('%s is served by %s', (domain, host) => {
    expect(providerForDomain(domain)?.host).toBe(host);
  });

  it('knows no provider for an unknown domain', () => {
    expect(providerForDomain('example.org')).toBeNull();
  });

  it('recognises a hosted domain by where its MX records point, by whole labels only', () => {
    expect(providerForMxHosts(['aspmx.l.google.com', 'alt1.aspmx.l.google.com'])?.name).toBe('Gmail');
    expect(providerForMxHosts(['example-org.mail.protection.outlook.com'])?.host).toBe('outlook.office365.com');
    expect(providerForMxHosts(['in1-smtp.messagingengine.com.'])?.name).toBe('Fastmail');
    expect(providerForMxHosts(['mx.evilgoogle.com'])).toBeNull();
    expect(providerForMxHosts([])).toBeNull();
  });

  it('picks the provider most MX hosts point to', () => {
    expect(providerForMxHosts(['backup.mailbox.org', 'aspmx.l.google.com', 'alt1.aspmx.l.google.com'])?.name).toBe('Gmail');
  });
});

describe('SRV records (RFC 6186)', () => {
  it('orders by priority, then by weight, highest first', () => {
    const records = [srv('c.example.org', 993, 20, 0), srv('b.example.org', 993, 10, 5), srv('a.example.org', 993, 10, 60)];
    expect(usable(records).map((r) => r.name)).toEqual(['a.example.org', 'b.example.org', 'c.example.org']);
  });

  it('treats a lone "." target as "not offered" and drops records without a target or port', () => {
    expect(usable([srv('.', 0)])).toEqual([]);
    expect(usable([srv('', 0)])).toEqual([]);
    expect(usable([srv('', 993), srv('imap.example.org', 0), srv('imap.example.org', 143)]).map((r) => r.port)).toEqual([143]);
  });

  it('lists implicit-TLS servers before STARTTLS ones, whatever their priorities', async () => {
    const { dns } = fakeDns({
      srv: {
        '_imap._tcp.example.org': [srv('plain.example.org.', 143, 0)],
        '_imaps._tcp.example.org': [srv('backup.example.org.', 993, 20), srv('imap.example.org.', 993, 10)],
      },
    });
    expect(await srvServers(dns, 'example.org')).toEqual([
      { host: 'imap.example.org', port: 993, security: 'tls' },
      { host: 'backup.example.org', port: 993, security: 'tls' },
      { host: 'plain.example.org', port: 143, security: 'starttls' },
    ]);
  });

  it('uses _imap._tcp with STARTTLS when only it is published', async () => {
    const { dns } = fakeDns({ srv: { '_imap._tcp.example.org': [srv('mx.example.org', 143)], '_imaps._tcp.example.org': [srv('.', 0)] } });
    expect(await srvServers(dns, 'example.org')).toEqual([{ host: 'mx.example.org', port: 143, security: 'starttls' }]);
  });

  it('counts a failed or timed-out lookup as no records', async () => {
    const { dns } = fakeDns({ failing: ['_imaps._tcp.example.org'], srv: { '_imap._tcp.example.org': [srv('mx.example.org', 143)] } });
    expect(await srvServers(dns, 'example.org')).toEqual([{ host: 'mx.example.org', port: 143, security: 'starttls' }]);
  });
});

describe('guessServer', () => {
  it('answers a known provider from the table without asking DNS', async () => {
    const { dns, asked } = fakeDns({});
    expect(await guessServer('Someone@GMail.com', dns)).toEqual([
      { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'Someone@GMail.com', source: 'provider' },
    ]);
    expect(asked).toEqual([]);
  });

  it('logs in to iCloud with the name part of the address', async () => {
    const [guess] = await guessServer('emily@icloud.com', fakeDns({}).dns);
    expect(guess).toMatchObject({ host: 'imap.mail.me.com', user: 'emily' });
  });

  it('prefers the SRV records a domain publishes, then the MX provider', async () => {
    const { dns } = fakeDns({
      srv: { '_imaps._tcp.example.org': [srv('imap.example.net', 993)] },
      mx: { 'example.org': [{ exchange: 'aspmx.l.google.com', priority: 1 }] },
      hosts: ['imap.example.org'],
    });
    expect(await guessServer('alice@example.org', dns)).toEqual([
      { host: 'imap.example.net', port: 993, security: 'tls', user: 'alice@example.org', source: 'srv' },
      { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'alice@example.org', source: 'provider' },
    ]);
  });

  it('finds a Google Workspace domain by its MX records', async () => {
    const { dns } = fakeDns({ mx: { 'company.example': [{ exchange: 'aspmx.l.google.com', priority: 1 }] } });
    expect(await guessServer('bob@company.example', dns)).toEqual([
      { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'bob@company.example', source: 'provider' },
    ]);
  });

  it('falls back to imap.<domain> and mail.<domain> that exist in DNS', async () => {
    const { dns, asked } = fakeDns({ hosts: ['mail.example.org'] });
    expect(await guessServer('alice@example.org', dns)).toEqual([
      { host: 'mail.example.org', port: 993, security: 'tls', user: 'alice@example.org', source: 'guess' },
    ]);
    expect(asked).toEqual(expect.arrayContaining(['_imaps._tcp.example.org', '_imap._tcp.example.org', 'example.org', 'imap.example.org', 'mail.example.org']));

    const both = fakeDns({ hosts: ['mail.example.org', 'imap.example.org'] });
    expect((await guessServer('alice@example.org', both.dns)).map((g) => g.host)).toEqual(['imap.example.org', 'mail.example.org']);
  });

  it('still offers imap.<domain> to edit when DNS knows nothing or fails', async () => {
    const offline = fakeDns({ failing: ['_imaps._tcp.example.org', '_imap._tcp.example.org', 'example.org', 'imap.example.org', 'mail.example.org'] });
    expect(await guessServer('alice@example.org', offline.dns)).toEqual([
      { host: 'imap.example.org', port: 993, security: 'tls', user: 'alice@example.org', source: 'guess' },
    ]);
  });

  it('refuses text that is not an address', async () => {
    await expect(guessServer('alice', fakeDns({}).dns)).rejects.toBeInstanceOf(InvalidEmailAddressError);
  });
});
