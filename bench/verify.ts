import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeModifiedUtf7 } from '../electron/engine/store/maildir/modified-utf7.js';

/** How a Maildir tree maps folder names to directories. */
export interface MaildirLayout {
  /** INBOX is the root itself (Dovecot) rather than <root>/INBOX. */
  inboxAtRoot: boolean;
  /** Directory names are modified UTF-7 (Dovecot, mbsync 1.4) rather than UTF-8. */
  mutf7: boolean;
}

/** Per folder, one sorted "sha256-of-normalized-bytes flags" entry per message. */
export type SideView = Map<string, string[]>;

const LETTER_FLAGS: Record<string, string> = { D: '\\Draft', F: '\\Flagged', P: '$Forwarded', R: '\\Answered', S: '\\Seen', T: '\\Deleted' };
/** Headers the tools add for their own bookkeeping (mbsync's X-TUID, OfflineIMAP's X-OfflineIMAP). */
const TOOL_HEADERS = /^(x-tuid|x-offlineimap):/i;
const READERS = 16;

/**
 * Reads replicas straight from disk (Dovecot's own Maildirs included), independently of every
 * tool. Maildir files never change content, so a file's hash is remembered by inode, size and
 * mtime across verifications; only new files are read.
 */
export class Verifier {
  private readonly hashes = new Map<string, string>();

  async maildirView(root: string, layout: MaildirLayout): Promise<SideView> {
    const view: SideView = new Map();
    for (const [name, dir] of await maildirFolders(root, layout)) {
      const keywords = await readKeywords(dir);
      const entries: string[] = [];
      const files: { file: string; letters: string }[] = [];
      for (const sub of ['cur', 'new']) {
        for (const n of await readdir(path.join(dir, sub)).catch(() => [] as string[])) {
          if (n.startsWith('.')) continue;
          const i = n.indexOf(':2,');
          files.push({ file: path.join(dir, sub, n), letters: i < 0 ? '' : n.slice(i + 3) });
        }
      }
      let next = 0;
      const reader = async () => {
        while (next < files.length) {
          const { file, letters } = files[next++]!;
          entries.push(`${await this.hash(file)} ${lettersToFlags(letters, keywords)}`);
        }
      };
      await Promise.all(Array.from({ length: READERS }, reader));
      view.set(name, entries.sort());
    }
    return view;
  }

  private async hash(file: string): Promise<string> {
    const st = await stat(file);
    // By inode: the server copies share their files as hard links, and renames keep the inode.
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    const known = this.hashes.get(key);
    if (known) return known;
    const digest = createHash('sha256').update(normalize(await readFile(file))).digest('hex');
    this.hashes.set(key, digest);
    return digest;
  }
}

/** LF line ends, without the tools' bookkeeping headers: what a reader of the message sees. */
export function normalize(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1').replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  if (!/^x-(tuid|offlineimap):/im.test(head)) return Buffer.from(text, 'latin1');
  const kept = head.split('\n').filter((l) => !TOOL_HEADERS.test(l)).join('\n');
  return Buffer.from(kept + (end < 0 ? '' : text.slice(end)), 'latin1');
}

function lettersToFlags(letters: string, keywords: string[]): string {
  return [...letters]
    .map((l) => LETTER_FLAGS[l] ?? (l >= 'a' && l <= 'z' ? keywords[l.charCodeAt(0) - 97] : undefined) ?? `letter:${l}`)
    .sort()
    .join(' ');
}

async function readKeywords(dir: string): Promise<string[]> {
  const out: string[] = [];
  const text = await readFile(path.join(dir, 'dovecot-keywords'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line.trim());
    if (m) out[Number(m[1])] = m[2]!;
  }
  return out;
}

/** Folder name -> directory, for every directory holding cur/ and new/. */
async function maildirFolders(root: string, layout: MaildirLayout): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, parts: string[]) => {
    const subdirs = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    if (subdirs.includes('cur') && subdirs.includes('new')) {
      const name = parts.length === 0 ? (layout.inboxAtRoot ? 'INBOX' : null) : parts.map((p) => (layout.mutf7 ? (decodeModifiedUtf7(p) ?? p) : p)).join('/');
      if (name !== null) out.set(name, dir);
    }
    for (const s of subdirs) {
      if (s === 'cur' || s === 'new' || s === 'tmp' || s.startsWith('.')) continue;
      await walk(path.join(dir, s), [...parts, s]);
    }
  };
  await walk(root, []);
  return out;
}

export interface Verdict {
  identical: boolean;
  /** Messages on the remote side (all folders). */
  messages: number;
  /** Why the sides differ: the first few folders that do. */
  reason: string | null;
}

/** Same folders (an empty folder may be absent on one side), same multiset of bytes + flags in each. */
export function compareViews(remote: SideView, local: SideView, names: [string, string] = ['remote', 'local']): Verdict {
  const problems: string[] = [];
  let messages = 0;
  for (const folder of [...new Set([...remote.keys(), ...local.keys()])].sort()) {
    const a = remote.get(folder) ?? [];
    const b = local.get(folder) ?? [];
    messages += a.length;
    if (a.length !== b.length) {
      problems.push(`${folder}: ${a.length} ${names[0]} vs ${b.length} ${names[1]}`);
      continue;
    }
    const onlyRemote = multisetMinus(a, b);
    if (onlyRemote > 0) problems.push(`${folder}: ${onlyRemote} messages differ in bytes or flags`);
  }
  return { identical: problems.length === 0, messages, reason: problems.length ? problems.slice(0, 3).join('; ') : null };
}

function multisetMinus(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  let missing = 0;
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n === 0) missing++;
    else counts.set(x, n - 1);
  }
  return missing;
}
