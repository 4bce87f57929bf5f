import { describe, expect, it } from 'vitest';
import { pairByForeignUid } from '../../../electron/engine/plan/pair-by-foreign-uid.js';

const msg = (id: string, messageId: string | null, size = 100) => ({ id, identity: { messageId, size, headerSha256: `h-${id}` } });
const records = (uids: [string, string][], uidValidity = '42') => ({ uidValidity, uids: new Map(uids) });

describe('pairByForeignUid', () => {
  it('pairs a file with the UID the records give it when both carry the same Message-ID, whatever their bytes', () => {
    const pairs = pairByForeignUid([msg('7', '<a@x>', 122), msg('8', '<b@x>')], [msg('f1', '<a@x>', 100), msg('f2', '<b@x>')], records([['f1', '7'], ['f2', '8']]), '42');
    expect(pairs.map(([r, l]) => [r.id, l.id])).toEqual([
      ['7', 'f1'],
      ['8', 'f2'],
    ]);
  });

  it('pairs nothing when the server renumbered the folder since (another UIDVALIDITY)', () => {
    expect(pairByForeignUid([msg('7', '<a@x>')], [msg('f1', '<a@x>')], records([['f1', '7']], '41'), '42')).toEqual([]);
  });

  it('never pairs on the UID alone: another Message-ID, or none at all, stays apart', () => {
    expect(pairByForeignUid([msg('7', '<other@x>')], [msg('f1', '<a@x>')], records([['f1', '7']]), '42')).toEqual([]);
    expect(pairByForeignUid([msg('7', null)], [msg('f1', null)], records([['f1', '7']]), '42')).toEqual([]);
    expect(pairByForeignUid([msg('7', '<a@x>')], [msg('f1', null)], records([['f1', '7']]), '42')).toEqual([]);
  });

  it('pairs neither of two files that claim one UID, and nothing for a UID the server no longer has unpaired', () => {
    expect(pairByForeignUid([msg('7', '<a@x>')], [msg('f1', '<a@x>'), msg('f2', '<a@x>')], records([['f1', '7'], ['f2', '7']]), '42')).toEqual([]);
    expect(pairByForeignUid([msg('9', '<a@x>')], [msg('f1', '<a@x>')], records([['f1', '7']]), '42')).toEqual([]);
  });
});
