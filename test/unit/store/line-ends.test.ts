import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullIdentityOf } from '../../../electron/engine/identity-hasher.js';
import { toWireForm } from '../../../electron/engine/store/line-ends.js';

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
