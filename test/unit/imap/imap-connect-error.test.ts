import { describe, expect, it } from 'vitest';
import { classifyConnectError, openSslReason } from '../../../electron/engine/store/imap/imap-connect-error.js';
import type { ImapEndpoint } from '../../../electron/engine/store/imap/imap-endpoint.js';

/** Every raw library error a connect can end in, as the user reads it (one line, the fix in it). */
const tls: ImapEndpoint = { host: 'imap.example.org', port: 143, security: 'tls', user: 'alice', password: 'hunter22' };
const coded = (code: string, message = code, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
const OPENSSL_PLAIN_TEXT =
  '805C4D97FB7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';

describe('classifyConnectError: plain words with the fix', () => {
  it.each<[string, unknown, Partial<ImapEndpoint>, string, string]>([
    [
      'TLS against a plain-text port',
      coded('ERR_SSL_WRONG_VERSION_NUMBER', OPENSSL_PLAIN_TEXT),
      {},
      'protocol',
      'the server at imap.example.org:143 does not speak TLS on this port; try security: starttls (or none on loopback), or port 993',
    ],
    [
      'TLS against plain text, as imapflow flags it',
      Object.assign(new Error(OPENSSL_PLAIN_TEXT), { tlsFailed: true }),
      { port: 1143 },
      'protocol',
      'the server at imap.example.org:1143 does not speak TLS on this port; try security: starttls (or none on loopback), or port 993',
    ],
    [
      'TLS against plain text on 993',
      coded('ERR_SSL_PACKET_LENGTH_TOO_LONG', 'packet length too long'),
      { port: 993 },
      'protocol',
      'the server at imap.example.org:993 does not speak TLS on this port; try security: starttls (or none on loopback)',
    ],
    [
      'another TLS failure, OpenSSL framing dropped',
      coded('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', '80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1605:SSL alert number 40\n'),
      {},
      'protocol',
      'TLS handshake with imap.example.org:143 failed (sslv3 alert handshake failure); check the port and the security setting',
    ],
    [
      'no STARTTLS offered',
      Object.assign(new Error('Server does not support STARTTLS'), { tlsFailed: true }),
      { security: 'starttls' },
      'protocol',
      'imap.example.org:143 does not offer STARTTLS; use security "tls" with the server\'s IMAPS port',
    ],
    [
      'plain text or STARTTLS against the IMAPS port',
      coded('GREETING_TIMEOUT', 'Failed to receive greeting from server in required time'),
      { port: 993, security: 'starttls' },
      'protocol',
      'imap.example.org:993 sent no IMAP greeting: port 993 is IMAP over TLS; use security "tls" with it (or port 143 with "starttls")',
    ],
    [
      'no greeting elsewhere',
      coded('GREETING_TIMEOUT'),
      {},
      'protocol',
      'imap.example.org:143 accepted the connection but sent no IMAP greeting; check the port and the security setting',
    ],
    [
      'refused',
      coded('ECONNREFUSED', 'connect ECONNREFUSED 1.2.3.4:143'),
      {},
      'unreachable',
      'cannot reach imap.example.org:143: connection refused (nothing listens on that port); check "host" and "port" (IMAP: 993 with security "tls", 143 with "starttls")',
    ],
    ['unknown host', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND imap.example.org'), {}, 'unreachable', 'cannot reach imap.example.org:143: host name not found; check "host" for a typo, and that this computer is online'],
    ['DNS down', coded('EAI_AGAIN'), {}, 'unreachable', 'cannot reach imap.example.org:143: host name lookup failed (no answer from DNS); check that this computer is online'],
    ['timed out', coded('ETIMEDOUT'), {}, 'unreachable', 'cannot reach imap.example.org:143: connection timed out; check "host" and "port", and that no firewall blocks the port'],
    ['imapflow connect timeout', coded('CONNECT_TIMEOUT'), {}, 'unreachable', 'cannot reach imap.example.org:143: connection timed out; check "host" and "port", and that no firewall blocks the port'],
    ['no route', coded('EHOSTUNREACH'), {}, 'unreachable', 'cannot reach imap.example.org:143: no route to host; check that this computer is online and "host" is right'],
    ['no network', coded('ENETUNREACH'), {}, 'unreachable', 'cannot reach imap.example.org:143: network unreachable; check that this computer is online'],
    ['reset', coded('ECONNRESET'), {}, 'unreachable', 'cannot reach imap.example.org:143: connection reset; if it keeps happening, check "port" and "security"'],
    ['closed', coded('NoConnection'), {}, 'unreachable', 'cannot reach imap.example.org:143: the server closed the connection; if it keeps happening, check "port" and "security"'],
    ['anything else, on one line', new Error('Unexpected\n  reply'), {}, 'protocol', 'IMAP login at imap.example.org:143 failed: Unexpected reply'],
  ])('%s', (_name, err, endpoint, kind, message) => {
    const e = classifyConnectError(err, { ...tls, ...endpoint });
    expect([e.kind, e.message]).toEqual([kind, message]);
    // One line, parentheses balanced, no OpenSSL source references.
    expect(e.message).not.toMatch(/\n|\.c:\d+/);
    expect(e.message.split('(').length).toBe(e.message.split(')').length);
  });
});

describe('openSslReason', () => {
  it.each([
    [OPENSSL_PLAIN_TEXT, 'wrong version number'],
    ['C0:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889:', 'certificate verify failed'],
    ['socket hang up', 'socket hang up'],
    ['two\nlines ', 'two lines'],
  ])('%j -> %s', (text, reason) => {
    expect(openSslReason(text)).toBe(reason);
  });
});
