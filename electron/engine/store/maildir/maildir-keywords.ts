import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../durable-fs.js';
import { isNotFound } from './fs-errors.js';
import type { KeywordTable } from './maildir-flags.js';

/** Dovecot's per-folder keyword table: lines `<index> <name>`, index 0 is letter `a`. */
export const KEYWORDS_FILE = 'dovecot-keywords';
/** One letter per keyword, a..z. */
export const MAX_KEYWORDS = 26;

const LINE = /^(\d+) (.+)$/;
const A = 'a'.charCodeAt(0);

export interface KeywordsFileContent {
  byIndex: Map<number, string>;
  /** Lines we do not understand, written back unchanged. */
  other: string[];
}

export function parseKeywordsFile(text: string): KeywordsFileContent {
  const byIndex = new Map<number, string>();
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m && m[1] !== undefined && m[2] !== undefined && !byIndex.has(Number(m[1]))) byIndex.set(Number(m[1]), m[2]);
    else other.push(line);
  }
  return { byIndex, other };
}

export function formatKeywordsFile(content: KeywordsFileContent): string {
  const lines = [...content.byIndex].sort(([a], [b]) => a - b).map(([i, name]) => `${i} ${name}`);
  return [...lines, ...content.other].map((l) => `${l}\n`).join('');
}

/** The keyword letters of one folder, re-read from disk before every change. */
export class MaildirKeywords implements KeywordTable {
  private content: KeywordsFileContent = { byIndex: new Map(), other: [] };

  constructor(private readonly folderDir: string) {}

  private get path(): string {
    return join(this.folderDir, KEYWORDS_FILE);
  }

  /** Picks up keywords another program (Dovecot, a MUA) added since the last read. */
  async reload(): Promise<void> {
    try {
      this.content = parseKeywordsFile(await readFile(this.path, 'utf8'));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.content = { byIndex: new Map(), other: [] };
    }
  }

  nameOf(letter: string): string | undefined {
    const index = letter.charCodeAt(0) - A;
    return index >= 0 && index < MAX_KEYWORDS ? this.content.byIndex.get(index) : undefined;
  }

  letterOf(name: string): string | undefined {
    const index = indexOfKeyword(this.content.byIndex, name);
    return index === undefined ? undefined : String.fromCharCode(A + index);
  }

  /**
   * Re-reads the table, then gives every keyword in `names` a letter, taking the lowest free
   * indexes, and writes the table durably before any message file uses the new letters.
   * Throws, writing nothing, when the folder would need more than 26 keywords or a name
   * cannot be stored.
   */
  async ensure(names: readonly string[], folder: string): Promise<void> {
    await this.reload();
    const byIndex = new Map(this.content.byIndex);
    let changed = false;
    for (const name of names) {
      if (indexOfKeyword(byIndex, name) !== undefined) continue;
      if (/[\s\x00-\x1f\x7f]/.test(name)) {
        throw new Error(`keyword "${name}" cannot be stored in Maildir folder "${folder}": it contains whitespace or control characters`);
      }
      let free = 0;
      while (free < MAX_KEYWORDS && byIndex.has(free)) free++;
      if (free === MAX_KEYWORDS) {
        throw new Error(
          `cannot add keyword "${name}" to Maildir folder "${folder}": a Maildir folder holds at most ${MAX_KEYWORDS} keywords (letters a-z in ${KEYWORDS_FILE}) and all are taken`,
        );
      }
      byIndex.set(free, name);
      changed = true;
    }
    if (!changed) return;
    const next = { byIndex, other: this.content.other };
    await writeFileDurably(this.path, formatKeywordsFile(next));
    this.content = next;
  }
}

function indexOfKeyword(byIndex: ReadonlyMap<number, string>, name: string): number | undefined {
  const lower = name.toLowerCase();
  for (const [index, n] of byIndex) if (index < MAX_KEYWORDS && n.toLowerCase() === lower) return index;
  return undefined;
}
