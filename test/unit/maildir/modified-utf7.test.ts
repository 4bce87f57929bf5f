import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeModifiedUtf7, encodeModifiedUtf7 } from '../../../electron/engine/store/maildir/modified-utf7.js';

describe('modified UTF-7 folder names', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['Sent & Received', 'Sent &- Received'],
    ['台北', '&U,BTFw-'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Émoji 📬', '&AMk-moji &2D3c7A-'],
    ['', ''],
  ])('%j is spelled %j, and read back', (name, onDisk) => {
    expect(encodeModifiedUtf7(name)).toBe(onDisk);
    expect(decodeModifiedUtf7(onDisk)).toBe(name);
  });

  it.each([
    ['&', 'a lone shift'],
    ['&APw', 'no closing "-"'],
    ['&AG-', 'half a character'],
    ['&AGE-', 'plain ASCII ("a") shifted'],
    ['&APw-&APw-', 'two shifted runs where one would do'],
    ['Entwürfe', 'raw non-ASCII'],
    ['&A/w-', '"/" instead of ","'],
    ['&2D0-', 'a lone surrogate'],
    ['a\tb', 'a control character'],
  ])('%j is no spelling an encoder writes (%s)', (onDisk) => {
    expect(decodeModifiedUtf7(onDisk)).toBeNull();
  });

  it('round-trips every name, and decoding never throws and accepts only canonical spellings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: 'grapheme' }), (name) => {
        expect(decodeModifiedUtf7(encodeModifiedUtf7(name))).toBe(name);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: fc.constantFrom(...'&-AGEPwU,+/BTFZab'.split('')) }), (text) => {
        const name = decodeModifiedUtf7(text);
        if (name !== null) expect(encodeModifiedUtf7(name)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
