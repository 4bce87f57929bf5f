import type { SrvRecord } from 'node:dns';
import type { SetupDns } from './setup-dns.js';

export interface SrvServer {
  host: string;
  port: number;
  security: 'tls' | 'starttls';
}

/**
 * The IMAP servers a domain announces per RFC 6186: `_imaps._tcp` (implicit TLS, preferred as
 * RFC 8314 asks) before `_imap._tcp` (used with STARTTLS only: we never fall back to plain text).
 * A lookup that fails or times out counts as no records, so a broken DNS never blocks the wizard.
 */
export async function srvServers(dns: SetupDns, domain: string): Promise<SrvServer[]> {
  const [imaps, imap] = await Promise.all([
    dns.resolveSrv(`_imaps._tcp.${domain}`).catch(() => []),
    dns.resolveSrv(`_imap._tcp.${domain}`).catch(() => []),
  ]);
  return [
    ...usable(imaps).map((r) => ({ host: targetHost(r), port: r.port, security: 'tls' as const })),
    ...usable(imap).map((r) => ({ host: targetHost(r), port: r.port, security: 'starttls' as const })),
  ];
}

/**
 * RFC 2782 order: lowest priority first; among equal priorities the heavier weight first (the
 * RFC picks at random by weight, but the wizard shows one stable list). A lone "." target means
 * the service is decidedly not offered (RFC 2782, RFC 6186 section 3.4).
 */
export function usable(records: readonly SrvRecord[]): SrvRecord[] {
  if (records.length === 1 && targetHost(records[0]!) === '') return [];
  return records
    .filter((r) => targetHost(r) !== '' && r.port > 0 && r.port <= 65535)
    .sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}

function targetHost(record: SrvRecord): string {
  return record.name.replace(/\.$/, '').toLowerCase();
}
