import { execFile } from 'node:child_process';
import { chown, mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DovecotServer } from '../test/support/dovecot.js';
import { corpusFolders, corpusMessage, type CorpusFolder, type CorpusSpec } from './corpus.js';
import { encodeModifiedUtf7 } from '../electron/engine/store/maildir/modified-utf7.js';

const run = promisify(execFile);
const WRITERS = 32;
const LETTERS: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };

export interface LoadedCorpus {
  folders: CorpusFolder[];
  totalBytes: number;
  seconds: number;
}

/** Where Dovecot keeps a folder with LAYOUT=fs: INBOX is the root, names are modified UTF-7. */
export function dovecotFolderDir(root: string, folder: string): string {
  return folder === 'INBOX' ? root : path.join(root, ...folder.split('/').map(encodeModifiedUtf7));
}

/**
 * Writes the corpus as Maildir files straight into the first user's mail root (far faster than
 * APPEND) and hard-links it into the others' (Dovecot never rewrites a message file, only renames
 * or unlinks it, so the users stay independent). Then Dovecot indexes every folder of every user
 * and must count what was written.
 */
export async function loadCorpus(server: DovecotServer, users: string[], spec: CorpusSpec): Promise<LoadedCorpus> {
  const started = Date.now();
  const [first, ...others] = users;
  if (first === undefined) throw new Error('loadCorpus needs a user');
  const root = server.mailRoot(first);
  const folders = corpusFolders(spec);
  const jobs: { folder: string; dir: string; index: number }[] = [];
  for (const f of folders) {
    const dir = dovecotFolderDir(root, f.name);
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(dir, sub), { recursive: true });
    for (let i = f.first; i < f.first + f.count; i++) jobs.push({ folder: f.name, dir, index: i });
  }
  let totalBytes = 0;
  let next = 0;
  const writer = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const m = corpusMessage(spec, job.index, job.folder);
      const lines = m.bytes.reduce((n, b) => (b === 10 ? n + 1 : n), 0);
      const letters = m.flags.map((f) => LETTERS[f] ?? '').sort().join('');
      // The leading timestamp orders Dovecot's UID assignment; S= and W= spare it a stat and a scan.
      const name = `${1_500_000_000 + job.index}.M${job.index}P0.bench,S=${m.bytes.length},W=${m.bytes.length + lines}:2,${letters}`;
      const file = path.join(job.dir, 'cur', name);
      await writeFile(file, m.bytes);
      await utimes(file, m.internalDate, m.internalDate);
      totalBytes += m.bytes.length;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  for (const u of others) await run('cp', ['-al', root, server.mailRoot(u)]);
  for (const u of users) {
    await chownLike(server.dir, server.mailRoot(u));
    await checkCounts(server, u, folders);
  }
  return { folders, totalBytes, seconds: (Date.now() - started) / 1000 };
}

/** Dovecot runs mail processes as the owner of its directory; the files must be theirs. */
async function chownLike(reference: string, tree: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = await stat(reference);
  await run('chown', ['-R', `${uid}:${gid}`, tree]);
  await chown(path.dirname(tree), uid, gid);
}

async function checkCounts(server: DovecotServer, user: string, folders: CorpusFolder[]): Promise<void> {
  const counts = await dovecotCounts(server, user);
  for (const f of folders) {
    if (counts.get(f.name) !== f.count) throw new Error(`Dovecot counts ${counts.get(f.name)} messages in ${f.name}, expected ${f.count}`);
  }
}

/** Messages per folder as Dovecot sees them (this also builds its indexes). */
export async function dovecotCounts(server: DovecotServer, user: string): Promise<Map<string, number>> {
  const conf = path.join(server.dir, 'dovecot.conf');
  const { stdout } = await run('doveadm', ['-c', conf, '-f', 'tab', 'mailbox', 'status', '-u', user, 'messages', '*'], { maxBuffer: 64 << 20 });
  const counts = new Map<string, number>();
  for (const line of stdout.trim().split('\n').slice(1)) {
    const tab = line.lastIndexOf('\t');
    counts.set(line.slice(0, tab).split(server.separator).join('/'), Number(line.slice(tab + 1)));
  }
  return counts;
}
