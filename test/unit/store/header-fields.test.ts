import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEncodedWords } from '../../../electron/engine/store/encoded-words.js';
import { parseHeaderFields } from '../../../electron/engine/store/header-fields.js';
import { readHeaderBlock } from '../../../electron/engine/store/maildir/header-block.js';

const header = (...lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');

describe('RFC 2047 encoded words', () => {
  it.each([
    ['=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=', 'Grüße aus Köln'],
    ['=?UTF-8?B?8J+TpiBQYWNrYWdl?=', '📦 Package'],
    ['=?iso-8859-1?q?caf=E9?= time', 'café time'],
    // One character split over two words, with the space between them dropped.
    ['=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=', 'éé'],
    ['=?utf-8?q?a?= =?iso-8859-1?q?=E9?=', 'aé'],
    ['Re: =?utf-8*en?q?hello?= world', 'Re: hello world'],
    ['=?x-no-such-charset?q?abc?= stays', '=?x-no-such-charset?q?abc?= stays'],
    ['plain text =? not a word', 'plain text =? not a word'],
  ])('%s', (raw, decoded) => {
    expect(decodeEncodedWords(raw)).toBe(decoded);
  });
});

describe('Subject, From and Date from a header block', () => {
  it('decodes, unfolds and takes the first of each field, ignoring the body', () => {
    const h = parseHeaderFields(
      Buffer.concat([
        header(
          'Received: from x',
          'subject: =?utf-8?q?Quarterly_report?=',
          '  =?utf-8?q?=3A_please_review?=',
          'From: "Example, Alice" <alice@example.org>',
          'Date: Tue, 1 Jul 2003 10:52:37 +0200 (CEST)',
          'Subject: a second subject',
        ),
        Buffer.from('Subject: in the body\r\n'),
      ]),
    );
    expect(h).toEqual({ subject: 'Quarterly report: please review', from: 'Example, Alice <alice@example.org>', date: '2003-07-01T08:52:37.000Z' });
  });

  it('reads raw 8-bit headers as UTF-8, or Latin-1 when they are not', () => {
    expect(parseHeaderFields(header('Subject: Grüße')).subject).toBe('Grüße');
    expect(parseHeaderFields(Buffer.from('Subject: caf\xe9\n\n', 'latin1')).subject).toBe('café');
  });

  it('gives null for missing, empty or unparsable fields, strips control characters and caps the length', () => {
    expect(parseHeaderFields(header('Date: not a date', 'Subject:   '))).toEqual({ subject: null, from: null, date: null });
    expect(parseHeaderFields(header('Subject: =?utf-8?q?a=07=0Ab?=')).subject).toBe('a b');
    expect(parseHeaderFields(header(`Subject: ${'x'.repeat(5000)}`)).subject).toHaveLength(300);
  });
});

describe('a Maildir file header block', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  async function file(bytes: Buffer): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-header-'));
    dirs.push(dir);
    await writeFile(join(dir, 'm'), bytes);
    return join(dir, 'm');
  }

  it('stops at the blank line, LF or CRLF, even when the first read ends inside it', async () => {
    for (const eol of ['\n', '\r\n']) {
      // The first 16 KB read ends right after the header's last line break.
      const pad = 16 * 1024 - 'Subject: s'.length - 'X-Pad: '.length - 2 * eol.length;
      const head = `Subject: s${eol}X-Pad: ${'p'.repeat(pad)}${eol}${eol}`;
      const path = await file(Buffer.from(`${head}Subject: in the body${eol}`));
      expect((await readHeaderBlock(path)).toString()).toBe(head);
    }
  });

  it('reads a message without a body whole, and a giant header only up to its cap', async () => {
    expect((await readHeaderBlock(await file(Buffer.from('Subject: only\n')))).toString()).toBe('Subject: only\n');
    const giant = await readHeaderBlock(await file(Buffer.from(`X-Big: ${'b'.repeat(400 * 1024)}\n\nbody`)));
    expect(giant.length).toBe(256 * 1024);
  });
});
