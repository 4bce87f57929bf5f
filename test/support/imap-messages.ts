import { randomBytes } from 'node:crypto';

/** A small RFC 5322 message with CRLF line ends and a unique Message-ID. */
export function rawMessage(subject: string, body = 'Hello.\r\n', extraHeaders = ''): Buffer {
  const id = randomBytes(6).toString('hex');
  return Buffer.from(
    `Message-ID: <${id}@mailferry.test>\r\n` +
      'From: Alice <alice@example.org>\r\n' +
      'To: Bob <bob@example.org>\r\n' +
      `Subject: ${subject}\r\n` +
      'Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n' +
      extraHeaders +
      '\r\n' +
      body,
    'latin1',
  );
}

/** 8-bit body: UTF-8 text plus raw high bytes that are not valid UTF-8. */
export function eightBitMessage(): Buffer {
  const head = rawMessage('8bit', '', 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n');
  const body = Buffer.concat([
    Buffer.from('Grüße aus Köln, 東京\r\n', 'utf8'),
    Buffer.from([0xfc, 0xe4, 0x80, 0xff, 0xfe, 0x0d, 0x0a]),
  ]);
  return Buffer.concat([head, body]);
}

/** A message of about `bytes` bytes: random base64 lines, like a big attachment. */
export function bigMessage(bytes: number): Buffer {
  const head = rawMessage('big', '', 'MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n');
  const lines: string[] = [];
  let size = head.length;
  while (size < bytes) {
    const line = randomBytes(57).toString('base64') + '\r\n';
    lines.push(line);
    size += line.length;
  }
  return Buffer.concat([head, Buffer.from(lines.join(''), 'latin1')]);
}
