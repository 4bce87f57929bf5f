import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFlagChange, flagsFromInfo, keywordsIn, type KeywordTable } from '../../../electron/engine/store/maildir/maildir-flags.js';
import { MaildirKeywords, parseKeywordsFile } from '../../../electron/engine/store/maildir/maildir-keywords.js';

function table(names: string[]): KeywordTable {
  return {
    nameOf: (letter) => names[letter.charCodeAt(0) - 97],
    letterOf: (name) => {
      const i = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
      return i < 0 ? undefined : String.fromCharCode(97 + i);
    },
  };
}

describe('info letters and flags', () => {
  const kw = table(['NonJunk', '$Label1']);

  it.each([
    ['', []],
    ['S', ['\\Seen']],
    ['DFPRST', ['$Forwarded', '\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen']],
    ['Sab', ['$Label1', 'NonJunk', '\\Seen']],
    ['SXz', ['\\Seen']],
  ])('%s reads as %j', (info, flags) => {
    expect(flagsFromInfo(info, kw)).toEqual(flags);
  });

  it('writes letters in ASCII order', () => {
    expect(applyFlagChange('', ['\\Seen', 'NonJunk', '\\Answered', '\\Draft', '$Forwarded'], [], kw)).toBe('DPRSa');
  });

  it('round-trips every flag it can hold, keywords included', () => {
    const flags = ['$Forwarded', '$Label1', 'NonJunk', '\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen'];
    expect(flagsFromInfo(applyFlagChange('', flags, [], kw), kw)).toEqual(flags);
  });

  it('keeps letters it does not understand when rewriting', () => {
    const info = applyFlagChange('SXqz', ['\\Flagged'], ['\\Seen'], kw);
    expect(info).toBe('FXqz');
    expect(applyFlagChange(info, [], ['\\Flagged'], kw)).toBe('Xqz');
  });

  it('matches keywords case-insensitively and removes every letter that means a flag', () => {
    expect(applyFlagChange('a', ['nonjunk'], [], kw)).toBe('a');
    const withForwardedKeyword = table(['$forwarded']);
    expect(applyFlagChange('PSa', [], ['$Forwarded'], withForwardedKeyword)).toBe('S');
  });

  it('ignores flags Maildir cannot hold', () => {
    expect(applyFlagChange('', ['\\Recent', '\\Whatever'], [], kw)).toBe('');
    expect(keywordsIn(['\\Seen', '\\Recent', '$Forwarded', 'NonJunk', 'Work'])).toEqual(['NonJunk', 'Work']);
  });

  it('refuses a keyword that has no letter yet', () => {
    expect(() => applyFlagChange('', ['Unknown'], [], kw)).toThrow(/Unknown/);
  });
});

describe('dovecot-keywords', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-kw-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses Dovecot lines and keeps lines it does not understand', () => {
    const parsed = parseKeywordsFile('0 NonJunk\n2 $Label1\ngarbage\n');
    expect([...parsed.byIndex]).toEqual([
      [0, 'NonJunk'],
      [2, '$Label1'],
    ]);
    expect(parsed.other).toEqual(['garbage']);
  });

  it('allocates the lowest free index and rewrites the file atomically', async () => {
    await writeFile(join(dir, 'dovecot-keywords'), '0 NonJunk\n2 $Label1\n');
    const kw = new MaildirKeywords(dir);
    await kw.ensure(['Work', 'nonjunk', 'Home'], 'X');
    expect(await readFile(join(dir, 'dovecot-keywords'), 'utf8')).toBe('0 NonJunk\n1 Work\n2 $Label1\n3 Home\n');
    expect(kw.letterOf('work')).toBe('b');
    expect(kw.nameOf('d')).toBe('Home');
    expect(await readdir(dir)).toEqual(['dovecot-keywords']);
  });

  it('creates the file when the folder has none', async () => {
    const kw = new MaildirKeywords(dir);
    await kw.ensure(['Work'], 'X');
    expect(await readFile(join(dir, 'dovecot-keywords'), 'utf8')).toBe('0 Work\n');
  });

  it('fails clearly on the 27th keyword and writes nothing', async () => {
    const kw = new MaildirKeywords(dir);
    const names = Array.from({ length: 26 }, (_, i) => `kw${i}`);
    await kw.ensure(names, 'Archive');
    const before = await readFile(join(dir, 'dovecot-keywords'), 'utf8');
    await expect(kw.ensure(['one-more'], 'Archive')).rejects.toThrow(/"one-more".*"Archive".*at most 26 keywords/);
    expect(await readFile(join(dir, 'dovecot-keywords'), 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['dovecot-keywords']);
  });

  it('refuses names the file cannot hold', async () => {
    await expect(new MaildirKeywords(dir).ensure(['two words'], 'X')).rejects.toThrow(/whitespace/);
  });
});
