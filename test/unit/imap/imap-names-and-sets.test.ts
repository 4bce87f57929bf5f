import { describe, expect, it } from 'vitest';
import { storableFlags } from '../../../electron/engine/store/imap/flag-atoms.js';
import { FolderNames } from '../../../electron/engine/store/imap/folder-names.js';
import { classifyConnectError } from '../../../electron/engine/store/imap/imap-connect-error.js';
import type { ImapEndpoint } from '../../../electron/engine/store/imap/imap-endpoint.js';
import { parseUid, uidSets } from '../../../electron/engine/store/imap/uid-set.js';

describe('FolderNames', () => {
  it('round-trips through a "." server with an INBOX. prefix (Courier style)', () => {
    const names = new FolderNames('.', 'INBOX.');
    expect(names.toServer('Archive/2024')).toBe('INBOX.Archive.2024');
    expect(names.toServer('inbox')).toBe('INBOX');
    expect(names.toLogical('INBOX.Archive.2024')).toBe('Archive/2024');
    expect(names.toLogical('INBOX')).toBe('INBOX');
    expect(() => names.toServer('v1.2')).toThrow(/uses "\." to separate/);
    expect(names.toLogical('INBOX.a/b')).toBeNull();
  });

  it('keeps "/" servers as they are and refuses empty levels', () => {
    const names = new FolderNames('/', '');
    expect(names.toServer('Entwürfe/Alt')).toBe('Entwürfe/Alt');
    expect(names.toLogical('a.b/c')).toBe('a.b/c');
    expect(() => names.toServer('a//b')).toThrow(/empty level/);
    expect(names.toLogical('a//b')).toBeNull();
  });

  it('has no nesting on a flat server', () => {
    const names = new FolderNames(null, '');
    expect(names.toServer('Sent')).toBe('Sent');
    expect(() => names.toServer('a/b')).toThrow(/no folder hierarchy/);
    expect(names.toLogical('a/b')).toBeNull();
  });

  it('recognizes other users\' and shared namespaces', () => {
    const names = new FolderNames('/', '', ['shared/', 'user/']);
    expect(names.isForeign('shared/team')).toBe(true);
    expect(names.isForeign('user')).toBe(true);
    expect(names.isForeign('users')).toBe(false);
    expect(names.isForeign('Archive')).toBe(false);
  });
});

describe('UID sets', () => {
  it('packs sorted, de-duplicated UIDs into ranges, split into bounded sets', () => {
    expect(uidSets([5, 1, 2, 3, 9, 3, 10])).toEqual(['1:3,5,9:10']);
    expect(uidSets([1, 2, 3, 7], 2)).toEqual(['1:2', '3,7']);
    expect(uidSets([])).toEqual([]);
  });

  it('accepts only decimal UIDs', () => {
    expect(parseUid('42')).toBe(42);
    for (const bad of ['0', '-1', '1.5', '01', 'x', '4294967296', '']) expect(() => parseUid(bad)).toThrow(/not an IMAP UID/);
  });
});

describe('storableFlags', () => {
  it('keeps system flags and atom keywords, drops \\Recent, refuses what IMAP cannot carry', () => {
    expect(storableFlags(['\\seen', '$Forwarded', 'Work', '\\Recent', 'two words', 'naïve', 'a]b'])).toEqual({
      storable: ['$Forwarded', 'Work', '\\Seen'],
      refused: ['a]b', 'naïve', 'two words'],
    });
  });
});

describe('classifyConnectError', () => {
  const endpoint: ImapEndpoint = { host: 'imap.example.org', port: 993, security: 'tls', user: 'alice', password: 'hunter22' };

  it('names the reason without the password', () => {
    const refused = classifyConnectError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), endpoint);
    expect([refused.kind, refused.message]).toEqual(['unreachable', expect.stringMatching(/^cannot reach imap\.example\.org:993: connection refused \(nothing listens on that port\); check "host" and "port"/)]);

    const auth = classifyConnectError(Object.assign(new Error('x'), { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' }), endpoint);
    expect([auth.kind, auth.message]).toEqual(['auth', 'login failed for alice at imap.example.org: wrong user name or password']);

    const echoed = classifyConnectError(Object.assign(new Error('x'), { authenticationFailed: true, response: 'bad password hunter22' }), endpoint);
    expect(echoed.kind).toBe('auth');
    expect(echoed.message).not.toContain('hunter22');

    const silent = classifyConnectError(Object.assign(new Error('no greeting'), { code: 'GREETING_TIMEOUT' }), endpoint);
    expect(silent.kind).toBe('protocol');
  });
});
