import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFlagChanges, meaningfulFlagChange, mergeFlags } from '../../../electron/engine/plan/merge-flags.js';

const S = '\\Seen';
const A = '\\Answered';
const F = '\\Flagged';
const D = '\\Deleted';

describe('mergeFlags (three-way, per flag)', () => {
  it.each([
    ['local +Seen, remote +Answered -> both', [], [A], [S], [A, S]],
    ['local -Seen, remote +Flagged -> Flagged only', [S], [S, F], [], [F]],
    ['identical change on both sides', [], [S], [S], [S]],
    ['remote removes, local untouched', [S, F], [F], [S, F], [F]],
    ['local removes, remote untouched', [S, F], [S, F], [S], [S]],
    ['both remove the same flag', [S], [], [], []],
    ['nothing changed', [S], [S], [S], [S]],
    ['keywords merge like system flags', ['$label1'], ['$label1', '$Forwarded'], ['NonJunk'], ['$Forwarded', 'NonJunk']],
    ['no base (first pairing uses the intersection as base) gives the union', [S], [S, F], [S, A], [A, F, S]],
  ])('%s', (_name, base, remote, local, expected) => {
    expect(mergeFlags(base, remote, local)).toEqual([...expected].sort());
  });

  it('is symmetric in the two sides and idempotent', () => {
    const flag = fc.constantFrom(S, A, F, D, '\\Draft', '$Forwarded', 'kw');
    const set = fc.uniqueArray(flag).map((a) => [...a].sort());
    fc.assert(
      fc.property(set, set, set, (b, r, l) => {
        const m = mergeFlags(b, r, l);
        expect(mergeFlags(b, l, r)).toEqual(m);
        // Re-merging after both sides took the result changes nothing (crash after STORE is harmless).
        expect(mergeFlags(m, m, m)).toEqual(m);
        expect(mergeFlags(b, m, m)).toEqual(m);
        // A side that did not change never overrides the other.
        expect(mergeFlags(b, b, l)).toEqual(l);
      }),
    );
  });
});

describe('applyFlagChanges (one-way)', () => {
  it('carries only the source changes onto the destination', () => {
    expect(applyFlagChanges([S], [S, F], [A, S])).toEqual([A, F, S]);
    expect(applyFlagChanges([S], [], [A, S])).toEqual([A]);
    expect(applyFlagChanges([S], [S], [A])).toEqual([A]);
  });
});

describe('meaningfulFlagChange', () => {
  it('ignores \\Deleted (a delete in progress) but sees every other flag', () => {
    expect(meaningfulFlagChange([S], [S, D])).toBe(false);
    expect(meaningfulFlagChange([S], [S, F])).toBe(true);
    expect(meaningfulFlagChange([S], [])).toBe(true);
    expect(meaningfulFlagChange([S], [S])).toBe(false);
  });
});
