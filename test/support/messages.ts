import { randomBytes } from 'node:crypto';

let counter = 0;

/** A plain RFC 5322 message with CRLF line ends (the IMAP wire form, so bytes compare exactly). */
export function makeMessage(opts: { subject?: string; body?: string | Buffer; messageId?: string | null; date?: Date; headers?: string[] } = {}): Buffer {
  counter++;
  const id = opts.messageId === undefined ? `<m${counter}.${randomBytes(6).toString('hex')}@test.mailferry>` : opts.messageId;
  const lines = [
    'From: Alice <alice@example.org>',
    'To: Bob <bob@example.org>',
    `Subject: ${opts.subject ?? `message ${counter}`}`,
    `Date: ${(opts.date ?? new Date('2024-03-01T10:00:00Z')).toUTCString()}`,
    ...(id ? [`Message-ID: ${id}`] : []),
    ...(opts.headers ?? []),
    'MIME-Version: 1.0',
    '',
    '',
  ];
  const body = opts.body ?? `Body of message ${counter}.\r\n`;
  return Buffer.concat([Buffer.from(lines.join('\r\n')), typeof body === 'string' ? Buffer.from(body) : body]);
}

/** Messages an over-eager re-serializer would damage: 8-bit, long lines, no Message-ID, folding. */
export function oddMessages(): Buffer[] {
  const eightBit = Buffer.concat([Buffer.from('Grüße aus Köln\r\n', 'utf8'), Buffer.from([0xfc, 0xe4, 0x80, 0xff, 0x0d, 0x0a])]);
  return [
    makeMessage({ subject: '=?utf-8?q?Gr=C3=BC=C3=9Fe?=', headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], body: eightBit }),
    makeMessage({ subject: 'long line', body: `${'x'.repeat(5000)}\r\n` }),
    makeMessage({ subject: 'no message id', messageId: null }),
    makeMessage({ subject: 'folded header', headers: ['X-Folded: first part\r\n\tsecond part', 'x-lowercase-header:  two  spaces '] }),
  ];
}

/** About `bytes` of base64 attachment: large enough that the engine must stream it. */
export function largeMessage(bytes: number): Buffer {
  const payload = randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return makeMessage({
    subject: 'large attachment',
    headers: ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64'],
    body: `${payload}\r\n`,
  });
}
