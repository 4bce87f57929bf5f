import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFlagChange, flagsFromInfo, type KeywordTable } from '../../../electron/engine/store/maildir/maildir-flags.js';
import { decodeSegment, encodeSegment } from '../../../electron/engine/store/maildir/maildir-folders.js';
import { formatKeywordsFile, parseKeywordsFile } from '../../../electron/engine/store/maildir/maildir-keywords.js';
import { formatName, parseName } from '../../../electron/engine/store/maildir/maildir-names.js';
import { normalizeFlags } from '../../../shared/flags.js';

/** Property tests of everything that reads or writes Maildir names: round trips, and no input that throws. */
const RUNS = { numRuns: 500 };

// Unique parts as Maildir writers make them: no '/', no ':', no '!2,' info marker, no leading dot.
const unique = fc
  .string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'abcXYZ019.,=_-\\!2'.split('')) })
  .filter((u) => !u.startsWith('.') && !u.includes('!2,'));
const letters = fc.uniqueArray(fc.constantFrom(...'DFPRSTabcdez'.split('')), { maxLength: 8 }).map((l) => l.sort().join(''));

describe('Maildir file names', () => {
  it('parseName never throws, and what it parses formats back to the same name', () => {
    fc.assert(
      // Anything a directory can list: non-empty, no '/' or NUL.
      fc.property(fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }).filter((n) => !/[/\0]/.test(n)), (name) => {
        const parsed = parseName(name);
        if (parsed === null) return;
        expect(parsed.unique.length).toBeGreaterThan(0);
        expect(parsed.unique + parsed.suffix).toBe(name);
        if (parsed.info !== null && parsed.separator !== null) expect(formatName(parsed.unique, parsed.separator, parsed.info)).toBe(name);
      }),
      RUNS,
    );
  });

  it('formatName then parseName gives back the unique part, separator and letters', () => {
    fc.assert(
      fc.property(unique, fc.constantFrom<':' | '!' | ';'>(':', '!', ';'), letters, (u, sep, info) => {
        fc.pre(sep === '!' || !u.includes(':'));
        expect(parseName(formatName(u, sep, info))).toEqual({ unique: u, separator: sep, info, suffix: `${sep}2,${info}` });
      }),
      RUNS,
    );
  });
});

describe('Maildir folder-name segments', () => {
  const segment = fc.string({ maxLength: 20, unit: fc.oneof(fc.constantFrom('.', '%', '\0', 'c', 'u', 'r', 'n', 'e', 'w', 't', 'm', 'p'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) }).filter((s) => !s.includes('/'));

  it('decodeSegment(encodeSegment(s)) is s, and the encoding can neither escape, hide nor collide with cur/new/tmp', () => {
    fc.assert(
      fc.property(segment, (s) => {
        const onDisk = encodeSegment(s);
        expect(decodeSegment(onDisk)).toBe(s);
        expect(onDisk).not.toMatch(/^\./);
        expect(onDisk).not.toContain('\0');
        expect(['', 'cur', 'new', 'tmp']).not.toContain(onDisk);
      }),
      RUNS,
    );
  });

  it('decodeSegment never throws and accepts only what encodeSegment writes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (name) => {
        const decoded = decodeSegment(name);
        if (decoded !== null) expect(encodeSegment(decoded)).toBe(name);
      }),
      RUNS,
    );
  });
});

describe('Maildir flags and keywords', () => {
  const keywordNames = fc.uniqueArray(fc.constantFrom('$Forwarded', 'Work', '$Junk', 'NonJunk', 'todo', 'Ünïcode'), { maxLength: 5 });
  const table = (names: string[]): KeywordTable => ({
    nameOf: (l) => names[l.charCodeAt(0) - 97],
    letterOf: (n) => {
      const i = names.findIndex((x) => x.toLowerCase() === n.toLowerCase());
      return i < 0 ? undefined : String.fromCharCode(97 + i);
    },
  });

  it('flags written into an info string read back as the same normalized flags', () => {
    fc.assert(
      fc.property(keywordNames, fc.uniqueArray(fc.constantFrom('\\Seen', '\\Flagged', '\\Answered', '\\Draft', '\\Deleted', '\\Recent', '\\seen'), { maxLength: 6 }), (kw, system) => {
        const keywords = table(kw);
        const flags = [...system, ...kw];
        const info = applyFlagChange('', flags, [], keywords);
        expect(flagsFromInfo(info, keywords)).toEqual(normalizeFlags(flags));
        expect(applyFlagChange(info, [], flags, keywords)).toBe('');
      }),
      RUNS,
    );
  });

  it('flagsFromInfo never throws on any info string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), keywordNames, (info, kw) => void flagsFromInfo(info, table(kw))), RUNS);
  });

  it('the dovecot-keywords file round-trips, keeping lines it does not understand', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const once = parseKeywordsFile(text);
        const again = parseKeywordsFile(formatKeywordsFile(once));
        expect(again).toEqual(once);
      }),
      RUNS,
    );
  });
});
