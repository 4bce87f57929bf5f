import { canonicalFlag, normalizeFlags } from '../../../../shared/flags.js';

/** Keyword letters of one folder (a..z), as recorded in its dovecot-keywords file. */
export interface KeywordTable {
  nameOf(letter: string): string | undefined;
  /** The letter of a keyword, matched case-insensitively as IMAP does. */
  letterOf(name: string): string | undefined;
}

const SYSTEM_LETTERS: ReadonlyMap<string, string> = new Map([
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['P', '$Forwarded'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
]);
const LETTER_OF_SYSTEM: ReadonlyMap<string, string> = new Map(
  [...SYSTEM_LETTERS].map(([letter, flag]) => [flag.toLowerCase(), letter]),
);

function isKeywordLetter(ch: string): boolean {
  return ch >= 'a' && ch <= 'z';
}

/** The flags an info string stands for. Letters without a meaning are not flags (but stay on disk). */
export function flagsFromInfo(info: string, keywords: KeywordTable): string[] {
  const flags: string[] = [];
  for (const ch of info) {
    const flag = SYSTEM_LETTERS.get(ch) ?? (isKeywordLetter(ch) ? keywords.nameOf(ch) : undefined);
    if (flag !== undefined) flags.push(flag);
  }
  return normalizeFlags(flags);
}

/**
 * Keywords among `flags` that need a letter of their own. canonicalFlag already dropped the
 * flags that are never synced (`\Recent`, unknown `\` flags); the rest of `\` flags have letters.
 */
export function keywordsIn(flags: Iterable<string>): string[] {
  const out: string[] = [];
  for (const f of flags) {
    const c = canonicalFlag(f);
    if (c !== null && !LETTER_OF_SYSTEM.has(c.toLowerCase())) out.push(c);
  }
  return out;
}

/** Every letter in `info` that means `flag` (a keyword may also be spelled as a system letter). */
function lettersMeaning(flag: string, letters: Iterable<string>, keywords: KeywordTable): string[] {
  const lower = flag.toLowerCase();
  const out: string[] = [];
  for (const ch of letters) {
    const meaning = SYSTEM_LETTERS.get(ch) ?? (isKeywordLetter(ch) ? keywords.nameOf(ch) : undefined);
    if (meaning !== undefined && meaning.toLowerCase() === lower) out.push(ch);
  }
  return out;
}

/**
 * New info letters after removing and adding flags, in ASCII order. Letters we do not
 * understand are kept. Keywords being added must already have a letter (see MaildirKeywords.ensure).
 */
export function applyFlagChange(info: string, add: readonly string[], remove: readonly string[], keywords: KeywordTable): string {
  const letters = new Set(info);
  for (const f of remove) {
    const c = canonicalFlag(f);
    if (c === null) continue;
    for (const ch of lettersMeaning(c, [...letters], keywords)) letters.delete(ch);
  }
  for (const f of add) {
    const c = canonicalFlag(f);
    if (c === null || lettersMeaning(c, letters, keywords).length > 0) continue;
    const letter = LETTER_OF_SYSTEM.get(c.toLowerCase()) ?? keywords.letterOf(c);
    if (letter === undefined) throw new Error(`keyword "${c}" has no Maildir letter yet`);
    letters.add(letter);
  }
  return [...letters].sort().join('');
}
