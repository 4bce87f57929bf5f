import { describe, expect, it } from 'vitest';
import { isTransient } from '../../../electron/engine/sync/retry.js';
import { ImapConnectError } from '../../../electron/engine/store/imap/imap-connect-error.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('isTransient', () => {
  it.each([
    ['a reset connection', coded('ECONNRESET'), true],
    ['imapflow closing the connection, wrapped as a command error', new Error('IMAP FETCH failed', { cause: coded('EConnectionClosed') }), true],
    ['a timeout', coded('ETIMEOUT'), true],
    ['an unreachable server', new ImapConnectError('unreachable', 'cannot reach'), true],
    ['a wrong password', new ImapConnectError('auth', 'login failed'), false],
    ['an untrusted certificate', new ImapConnectError('tls-untrusted', 'not trusted'), false],
    ['a server NO', Object.assign(new Error('NO'), { responseStatus: 'NO' }), false],
    ['a full disk', coded('ENOSPC'), false],
    ['a connection closed because the server sent a giant literal', new Error('IMAP FETCH failed', { cause: Object.assign(coded('EConnectionClosed'), { cause: coded('LiteralTooLarge') }) }), false],
    ['not an error at all', 'boom', false],
  ])('%s -> %s', (_name, err, expected) => {
    expect(isTransient(err)).toBe(expected);
  });
});
