import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullIdentityOf } from '../../../electron/engine/identity-hasher.js';
import { MaildirLineEnds, toMaildirForm, toWireForm } from '../../../electron/engine/store/line-ends.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('toWireForm (what is sent to an IMAP server)', () => {
  it.each([
    ['LF only', 'Subject: a\n\nbody\n', 'Subject: a\r\n\r\nbody\r\n'],
    ['CRLF already', 'Subject: a\r\n\r\nbody\r\n', 'Subject: a\r\n\r\nbody\r\n'],
    ['mixed', 'A: 1\r\nB: 2\n\r\nx\ny\r\n', 'A: 1\r\nB: 2\r\n\r\nx\r\ny\r\n'],
    ['a bare CR is left alone', 'A: 1\rB\n\nx\r', 'A: 1\rB\r\n\r\nx\r'],
    ['LF first', '\nx', '\r\nx'],
    ['CR CR LF keeps both CRs', 'x\r\r\ny\n', 'x\r\r\ny\r\n'],
    ['no line end', 'x', 'x'],
    ['empty', '', ''],
  ])('%s', (_name, input, wire) => {
    expect(toWireForm(b(input)).toString('latin1')).toBe(wire);
  });

  it('returns the same buffer when nothing needs changing (no copy of a large message)', () => {
    const crlf = b('A: 1\r\n\r\nbody\r\n');
    expect(toWireForm(crlf)).toBe(crlf);
  });

  it('has no bare LF left, is idempotent, changes nothing but line ends, and keeps the identity', () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.map((x) => (x % 7 === 0 ? 0x0a : x % 11 === 0 ? 0x0d : x))));
    fc.assert(
      fc.property(bytes, (raw) => {
        const wire = toWireForm(raw);
        for (let i = 0; i < wire.length; i++) if (wire[i] === 0x0a) expect(i > 0 && wire[i - 1] === 0x0d).toBe(true);
        expect(toWireForm(wire).equals(wire)).toBe(true);
        // Dropping every CR that precedes an LF gives the same text from both.
        const strip = (x: Buffer) => x.toString('latin1').replace(/\r\n/g, '\n');
        expect(strip(wire)).toBe(strip(Buffer.from(raw.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'), 'latin1')));
        expect(fullIdentityOf(wire)).toEqual(fullIdentityOf(raw));
        expect(fullIdentityOf(wire).size).toBe(wire.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('toMaildirForm (what is written to a Maildir file)', () => {
  it.each([
    ['CRLF', 'Subject: a\r\n\r\nbody\r\n', 'Subject: a\n\nbody\n'],
    ['CR CR LF keeps its CRs, so the change can be undone', 'x\r\r\ny\r\n', 'x\r\r\ny\n'],
    ['a bare CR stays', 'a\rb\r\n', 'a\rb\n'],
    ['a final CR stays', 'a\r\nb\r', 'a\nb\r'],
    ['a bare LF stays', 'a\nb', 'a\nb'],
  ])('%s', (_name, input, file) => {
    expect(toMaildirForm(b(input)).toString('latin1')).toBe(file);
  });

  const wireForm = fc.uint8Array({ maxLength: 400 }).map((a) => toWireForm(Buffer.from(a.map((x) => (x % 5 === 0 ? 0x0a : x % 7 === 0 ? 0x0d : x)))));

  it('is undone exactly by toWireForm (so the file has the server copy\'s identity), in any chunking', () => {
    fc.assert(
      fc.property(wireForm, fc.array(fc.nat(400), { maxLength: 6 }), (wire, cuts) => {
        const file = toMaildirForm(wire);
        expect(toWireForm(file).equals(wire)).toBe(true);
        expect(fullIdentityOf(file)).toEqual(fullIdentityOf(wire));
        const lines = new MaildirLineEnds();
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
        const parts: Buffer[] = [];
        let from = 0;
        for (const p of [...points, wire.length]) {
          parts.push(lines.push(wire.subarray(from, p)));
          from = p;
        }
        parts.push(lines.end());
        expect(Buffer.concat(parts).equals(file)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
