import { describe, expect, it } from 'vitest';
import { escapeHostname, formatName, newUniqueName, parseName } from '../../../electron/engine/store/maildir/maildir-names.js';

describe('parseName', () => {
  const cases: { from: string; name: string; unique: string; info: string | null; suffix: string }[] = [
    { from: 'fresh delivery in new/', name: '1700000000.M1P2.host', unique: '1700000000.M1P2.host', info: null, suffix: '' },
    { from: 'maildir spec', name: '1700000000.M1P2.host:2,RS', unique: '1700000000.M1P2.host', info: 'RS', suffix: ':2,RS' },
    { from: 'no flags yet', name: '1700000000.M1P2.host:2,', unique: '1700000000.M1P2.host', info: '', suffix: ':2,' },
    { from: 'mutt/notmuch/Dovecot sizes', name: '1700000000.M1P2.host,S=1234,W=1250:2,S', unique: '1700000000.M1P2.host,S=1234,W=1250', info: 'S', suffix: ':2,S' },
    { from: 'mbsync', name: '1700000000.12345_3.host,U=12:2,FS', unique: '1700000000.12345_3.host,U=12', info: 'FS', suffix: ':2,FS' },
    {
      from: 'OfflineIMAP',
      name: '1700000000_0.4242.host,U=12,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,Sa',
      unique: '1700000000_0.4242.host,U=12,FMD5=7e33429f656f1e6e9d79b29c3f82c57e',
      info: 'Sa',
      suffix: ':2,Sa',
    },
    { from: 'Windows separator', name: '1700000000.M1P2.host!2,DS', unique: '1700000000.M1P2.host', info: 'DS', suffix: '!2,DS' },
    { from: 'escaped hostname', name: '1700000000.M1P2.a\\057b\\072c:2,T', unique: '1700000000.M1P2.a\\057b\\072c', info: 'T', suffix: ':2,T' },
    { from: 'experimental :1, info', name: '1700000000.M1P2.host:1,xyz', unique: '1700000000.M1P2.host', info: null, suffix: ':1,xyz' },
  ];
  it.each(cases)('$from: $name', ({ name, unique, info, suffix }) => {
    expect(parseName(name)).toMatchObject({ unique, info, suffix });
  });

  it('keeps the separator a name was written with', () => {
    expect(parseName('x!2,S')?.separator).toBe('!');
    expect(parseName('x:2,S')?.separator).toBe(':');
    expect(parseName('x')?.separator).toBeNull();
  });

  it.each(['.hidden', '.', ':2,S', '!2,S'])('%s is not a message', (name) => {
    expect(parseName(name)).toBeNull();
  });
});

describe('formatName', () => {
  it('writes the info after the unique part', () => {
    expect(formatName('u', ':', 'FS')).toBe('u:2,FS');
    expect(formatName('u', '!', '')).toBe('u!2,');
  });
});

describe('unique names', () => {
  it('escapes / and : in the host name as the maildir convention says', () => {
    expect(escapeHostname('my/host:1')).toBe('my\\057host\\0721');
  });

  it('have the documented shape and never repeat', () => {
    const names = Array.from({ length: 2000 }, () => newUniqueName('box:7/a'));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names.slice(0, 5)) {
      expect(n).toMatch(/^\d+\.M\d{1,6}P\d+Q\d+R[0-9a-f]{16}\.box\\0727\\057a$/);
      const [seconds] = n.split('.');
      expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
      expect(parseName(n)?.unique).toBe(n);
    }
  });
});
