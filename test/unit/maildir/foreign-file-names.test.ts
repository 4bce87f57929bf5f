import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flagsFromInfo, type KeywordTable } from '../../../electron/engine/store/maildir/maildir-flags.js';
import { mbsyncUid, nameFields, parseName, type NameFields } from '../../../electron/engine/store/maildir/maildir-names.js';

/** Dovecot's keyword file of the folder these names live in: a = $Label1, b = Work. */
const KEYWORD_LETTERS: Record<string, string> = { a: '$Label1', b: 'Work' };
const keywords: KeywordTable = {
  nameOf: (l) => KEYWORD_LETTERS[l],
  letterOf: () => undefined,
};

const none: NameFields = { uid: null, folderMd5: null, size: null, virtualSize: null };
const FMD5 = '7e33429f656f1e6e9d79b29c3f82c57e';

/** File names exactly as each tool writes them, and what Mailferry must read from them. */
const cases: {
  tool: string;
  name: string;
  unique: string;
  flags: string[];
  fields?: Partial<NameFields>;
  mbsync?: number;
}[] = [
  { tool: 'mutt 2 (time.R<random>.host)', name: '1700000000.R8837219377328461983.laptop:2,S', unique: '1700000000.R8837219377328461983.laptop', flags: ['\\Seen'] },
  { tool: 'mutt 1 (time.pid_count.host), fresh in new/', name: '1700000000.4242_1.laptop', unique: '1700000000.4242_1.laptop', flags: [] },
  { tool: 'notmuch insert', name: '1700000000.M123456P4242.laptop:2,FS', unique: '1700000000.M123456P4242.laptop', flags: ['\\Flagged', '\\Seen'] },
  { tool: 'mu / mu4e after a move', name: '1700000000.4f1a2b3c4d5e6f70.laptop:2,RS', unique: '1700000000.4f1a2b3c4d5e6f70.laptop', flags: ['\\Answered', '\\Seen'] },
  {
    tool: 'Dovecot with sizes and keyword letters',
    name: '1700000000.M123456P4242.mail.example.org,S=2048,W=2101:2,Sab',
    unique: '1700000000.M123456P4242.mail.example.org,S=2048,W=2101',
    flags: ['$Label1', 'Work', '\\Seen'],
    fields: { size: 2048, virtualSize: 2101 },
  },
  {
    tool: 'Courier',
    name: '1700000000.M123456P4242V0000000000000803I0000000000123456_0.host,S=1234:2,DS',
    unique: '1700000000.M123456P4242V0000000000000803I0000000000123456_0.host,S=1234',
    flags: ['\\Draft', '\\Seen'],
    fields: { size: 1234 },
  },
  { tool: 'mbsync', name: '1795934109.8598_1.vm,U=12:2,FS', unique: '1795934109.8598_1.vm,U=12', flags: ['\\Flagged', '\\Seen'], fields: { uid: 12 }, mbsync: 12 },
  { tool: 'mbsync, unseen in new/ with info', name: '1795934109.8598_2.vm,U=2:2,F', unique: '1795934109.8598_2.vm,U=2', flags: ['\\Flagged'], fields: { uid: 2 }, mbsync: 2 },
  { tool: 'mbsync, a file it uploaded (renamed, no info)', name: '1700000001.P1.localhost,U=1', unique: '1700000001.P1.localhost,U=1', flags: [], fields: { uid: 1 }, mbsync: 1 },
  { tool: 'mbsync on Windows (InfoDelimiter ;)', name: '1795934109.8598_1.vm,U=3;2,RS', unique: '1795934109.8598_1.vm,U=3', flags: ['\\Answered', '\\Seen'], fields: { uid: 3 }, mbsync: 3 },
  {
    tool: 'OfflineIMAP',
    name: `1795934109_2.8622.vm,U=1,FMD5=${FMD5}:2,S`,
    unique: `1795934109_2.8622.vm,U=1,FMD5=${FMD5}`,
    flags: ['\\Seen'],
    fields: { uid: 1, folderMd5: FMD5 },
  },
  {
    tool: 'OfflineIMAP, maildir-windows-compatible',
    name: `1795934109_3.8622.vm,U=7,FMD5=${FMD5}!2,FS`,
    unique: `1795934109_3.8622.vm,U=7,FMD5=${FMD5}`,
    flags: ['\\Flagged', '\\Seen'],
    fields: { uid: 7, folderMd5: FMD5 },
  },
  { tool: 'Windows "!" separator, other tools', name: '1700000000.M1P2.host!2,DS', unique: '1700000000.M1P2.host', flags: ['\\Draft', '\\Seen'] },
  { tool: 'escaped host name', name: '1700000000.M1P2.a\\057b\\072c:2,T', unique: '1700000000.M1P2.a\\057b\\072c', flags: ['\\Deleted'] },
  { tool: 'Mailferry', name: '1700000000.M12P3Q4R0123456789abcdef.host:2,P', unique: '1700000000.M12P3Q4R0123456789abcdef.host', flags: ['$Forwarded'] },
  { tool: 'letters without a meaning stay on disk, are no flags', name: '1700000000.M1P2.host:2,Sz', unique: '1700000000.M1P2.host', flags: ['\\Seen'] },
  { tool: 'experimental ":1," info carries no flags', name: '1700000000.M1P2.host:1,xyz', unique: '1700000000.M1P2.host', flags: [] },
  { tool: 'malformed fields are ignored', name: '1700000000.M1P2.host,U=abc,S=,FMD5=xyz,W=-1:2,S', unique: '1700000000.M1P2.host,U=abc,S=,FMD5=xyz,W=-1', flags: ['\\Seen'] },
  { tool: '",U=0" is no UID', name: '1700000000.M1P2.host,U=0:2,', unique: '1700000000.M1P2.host,U=0', flags: [] },
];

describe('file names from other tools', () => {
  it.each(cases)('$tool: $name', ({ name, unique, flags, fields, mbsync }) => {
    const parsed = parseName(name);
    expect(parsed?.unique).toBe(unique);
    expect(flagsFromInfo(parsed?.info ?? '', keywords)).toEqual(flags);
    expect(nameFields(unique)).toEqual({ ...none, ...fields });
    expect(mbsyncUid(unique)).toBe(mbsync ?? null);
  });

  it('keeps each separator, so a flag change renames the file the way its tool reads it', () => {
    expect(['a:2,S', 'a!2,S', 'a;2,S', 'a'].map((n) => parseName(n)?.separator)).toEqual([':', '!', ';', null]);
  });

  it('a "!" or ";" elsewhere in a name is part of the unique name', () => {
    expect(parseName('1700000000.M1P2.host!x;y:2,S')).toMatchObject({ unique: '1700000000.M1P2.host!x;y', separator: ':', info: 'S' });
    expect(parseName('1700000000.M1P2.host!x')).toMatchObject({ unique: '1700000000.M1P2.host!x', separator: null, info: null });
  });
});

describe('parsing never throws', () => {
  // Names built from the characters the conventions use, so that fields and separators occur often.
  const name = fc.string({ minLength: 1, maxLength: 80, unit: fc.constantFrom(...'0123456789abcdefUSWFMD=,.:!;2_-\\/é\u0000'.split('')) });

  it('parseName, nameFields and mbsyncUid accept any name; fields are counts or 32 hex digits', () => {
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ maxLength: 80, unit: 'binary' })), (n) => {
        const parsed = parseName(n);
        const fields = nameFields(parsed?.unique ?? n);
        for (const v of [fields.uid, fields.size, fields.virtualSize]) if (v !== null) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
        if (fields.folderMd5 !== null) expect(fields.folderMd5).toMatch(/^[0-9a-f]{32}$/);
        const uid = mbsyncUid(parsed?.unique ?? n);
        if (uid !== null) expect(uid).toBe(fields.uid);
      }),
      { numRuns: 1000 },
    );
  });
});
