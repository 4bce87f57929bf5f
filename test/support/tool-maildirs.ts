import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FixtureMessage, ImapFixture } from './imap-fixture.js';

/**
 * Maildirs exactly as mbsync and OfflineIMAP leave them (as observed with mbsync 1.4.4 and
 * offlineimap3 8.0.0 against Dovecot), written without the tools, and a view of any Maildir
 * or IMAP folder that ignores the tools' bookkeeping. Independent of the engine's Maildir code.
 */

/** A server folder, and where a tool keeps it on disk (relative to the Maildir root, '' = the root). */
export interface ToolFolder {
  name: string;
  dir: string;
}

export interface ServerFolder extends ToolFolder {
  uidValidity: string;
  messages: FixtureMessage[];
}

const LETTERS: [string, string][] = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];

export function lettersOf(flags: readonly string[]): string {
  return LETTERS.filter(([, f]) => flags.includes(f)).map(([l]) => l).join('');
}

function flagsOf(letters: string): string {
  return LETTERS.filter(([l]) => letters.includes(l)).map(([, f]) => f).sort().join(' ');
}

/** The server's bytes as a Maildir tool stores them: bare LF line ends. */
export function lf(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

/** What mbsync adds to every message it copies: an X-TUID line at the end of the header. */
export function withTuid(bytes: Buffer, crlf: boolean): Buffer {
  const text = bytes.toString('latin1');
  const eol = crlf ? '\r\n' : '\n';
  const end = text.indexOf(`${eol}${eol}`);
  const tuid = randomBytes(9).toString('base64');
  return Buffer.from(`${text.slice(0, end + eol.length)}X-TUID: ${tuid}${eol}${text.slice(end + eol.length)}`, 'latin1');
}

async function makeFolder(dir: string): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
}

/**
 * mbsync's Maildir: file names `<time>.<pid>_<n>.<host>,U=<its own UID>:2,<flags>` (unseen
 * mail in new/, with its info), its own UIDVALIDITY in `.uidvalidity`, every downloaded message
 * with an X-TUID line, and with `SyncState *` its state in `.mbsyncstate`; with `syncStateDir`
 * (its default `SyncState ~/.mbsync/`) there, as `:r:<box>_:l:<box>` with `!` for `/` (the
 * folders' directories must then be their mbsync names: SubFolders Verbatim). `pushed` lists UIDs
 * server messages mbsync uploaded from this Maildir: the file has the bytes without X-TUID
 * (the server's copy got it), under the name the client gave it plus mbsync's `,U=`.
 */
export async function writeMbsyncMaildir(
  root: string,
  folders: ServerFolder[],
  opts: { syncStateInFolder: boolean; syncStateDir?: string; pushed?: { folder: string; uid: number; bytes: Buffer }[] },
): Promise<void> {
  const nearUidValidity = 1795934109;
  for (const f of folders) {
    const dir = join(root, f.dir);
    await makeFolder(dir);
    const state: string[] = [];
    for (const [i, m] of f.messages.entries()) {
      const near = i + 1;
      const letters = lettersOf(m.flags);
      const pushed = opts.pushed?.find((p) => p.folder === f.name && p.uid === m.uid)?.bytes;
      const base = pushed ? `1700000000.R${near}.laptop,U=${near}` : `${nearUidValidity}.8598_${near}.vm,U=${near}`;
      const sub = m.flags.includes('\\Seen') ? 'cur' : 'new';
      await writeFile(join(dir, sub, `${base}:2,${letters}`), pushed ?? withTuid(lf(m.bytes), false));
      state.push(`${m.uid} ${near} ${letters}`);
    }
    await writeFile(join(dir, '.uidvalidity'), `${nearUidValidity}\n${f.messages.length}\n`);
    const header = `FarUidValidity ${f.uidValidity}\nNearUidValidity ${nearUidValidity}\nMaxPulledUid ${f.messages.length}\nMaxPushedUid ${f.messages.length}\n\n`;
    const text = header + state.map((l) => `${l}\n`).join('');
    if (opts.syncStateInFolder) await writeFile(join(dir, '.mbsyncstate'), text);
    if (opts.syncStateDir !== undefined) {
      const box = f.dir.replaceAll('/', '!');
      await mkdir(opts.syncStateDir, { recursive: true });
      await writeFile(join(opts.syncStateDir, `:r:${box}_:l:${box}`), text);
    }
  }
}

/**
 * OfflineIMAP's Maildir: `<time>_<n>.<pid>.<host>,U=<server UID>,FMD5=<md5 of the folder's
 * directory name>:2,<flags>` (`!2,` with maildir-windows-compatible), unseen mail in new/,
 * LF line ends, the file's time the server's INTERNALDATE. `rewrite` stands for OfflineIMAP
 * re-serializing a message; with `metadata` each folder's UIDVALIDITY goes to
 * `<metadata>/Repository-<repository>/FolderValidity/<directory name>` (sep = ".").
 */
export async function writeOfflineimapMaildir(
  root: string,
  folders: ServerFolder[],
  opts: { separator: ':' | '!'; rewrite?: (bytes: Buffer) => Buffer; metadata?: { path: string; repository: string } },
): Promise<void> {
  for (const f of folders) {
    const dir = join(root, f.dir);
    await makeFolder(dir);
    const fmd5 = createHash('md5').update(f.dir).digest('hex');
    for (const [i, m] of f.messages.entries()) {
      const sub = m.flags.includes('\\Seen') ? 'cur' : 'new';
      const file = join(dir, sub, `1795934109_${i}.8622.vm,U=${m.uid},FMD5=${fmd5}${opts.separator}2,${lettersOf(m.flags)}`);
      await writeFile(file, (opts.rewrite ?? ((b) => b))(lf(m.bytes)));
      await utimes(file, m.internalDate, m.internalDate);
    }
    if (opts.metadata) {
      const validity = join(opts.metadata.path, `Repository-${opts.metadata.repository}`, 'FolderValidity');
      await mkdir(validity, { recursive: true });
      await writeFile(join(validity, f.dir), `${f.uidValidity}\n`);
    }
  }
}

/**
 * LF line ends, without the tools' bookkeeping headers and with header whitespace collapsed
 * (OfflineIMAP re-folds some): what a reader of the message sees.
 */
function normalized(bytes: Buffer): string {
  const text = lf(bytes).toString('latin1');
  const end = text.indexOf('\n\n');
  const unfolded = text.slice(0, end).replace(/\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ');
  const head = unfolded.split('\n').filter((l) => !/^(x-tuid|x-offlineimap):/i.test(l));
  return createHash('sha256').update(`${head.join('\n')}${text.slice(end)}`, 'latin1').digest('hex');
}

/** Per folder, sorted "<hash of the message a reader sees> <flags>" lines. */
export type ToolView = Record<string, string[]>;

export async function maildirView(root: string, folders: ToolFolder[]): Promise<ToolView> {
  const view: ToolView = {};
  for (const f of folders) {
    const lines: string[] = [];
    for (const sub of ['cur', 'new']) {
      for (const name of await readdir(join(root, f.dir, sub))) {
        const info = /[:!;]2,([A-Za-z]*)$/.exec(name);
        lines.push(`${normalized(await readFile(join(root, f.dir, sub, name)))} ${flagsOf(info?.[1] ?? '')}`);
      }
    }
    view[f.name] = lines.sort();
  }
  return view;
}

export async function serverView(fx: ImapFixture, folders: ToolFolder[]): Promise<ToolView> {
  const view: ToolView = {};
  for (const f of folders) view[f.name] = (await fx.messages(f.name)).map((m) => `${normalized(m.bytes)} ${[...m.flags].sort().join(' ')}`).sort();
  return view;
}

/** Every file name in the folders' cur/ and new/, to prove that nothing was rewritten or added. */
export async function fileNames(root: string, folders: ToolFolder[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of folders) for (const sub of ['cur', 'new']) for (const n of await readdir(join(root, f.dir, sub))) out.push(`${f.dir}/${sub}/${n}`);
  return out.sort();
}

export function installed(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
