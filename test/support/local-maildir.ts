import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Looks at and changes a Maildir replica the way a mail client would, independently of the
 * engine's Maildir code: files in cur/ and new/, flags in the `:2,` suffix.
 */
export interface LocalMessage {
  /** File name relative to the folder, e.g. `cur/123.M1P2.host:2,S`. */
  file: string;
  unique: string;
  letters: string;
  bytes: Buffer;
  mtime: Date;
}

export function folderDir(root: string, folder: string): string {
  return join(root, ...folder.split('/'));
}

export async function localMessages(root: string, folder: string): Promise<LocalMessage[]> {
  const dir = folderDir(root, folder);
  const out: LocalMessage[] = [];
  for (const sub of ['cur', 'new']) {
    let names: string[];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, sub, name);
      const i = name.indexOf(':2,');
      out.push({
        file: `${sub}/${name}`,
        unique: i < 0 ? name : name.slice(0, i),
        letters: i < 0 ? '' : name.slice(i + 3),
        bytes: await readFile(path),
        mtime: (await stat(path)).mtime,
      });
    }
  }
  return out;
}

export async function localFolderNames(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, prefix: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    if (prefix.length > 0 && names.has('cur') && names.has('new') && names.has('tmp')) out.push(prefix.join('/'));
    for (const n of names) {
      if (prefix.length > 0 && (n === 'cur' || n === 'new' || n === 'tmp')) continue;
      await walk(join(dir, n), [...prefix, n]);
    }
  }
  await walk(root, []);
  return out.sort();
}

/** Delivers a message into new/ as an MTA or MUA would. */
export async function deliverLocal(root: string, folder: string, bytes: Buffer, opts: { letters?: string; mtime?: Date } = {}): Promise<string> {
  const dir = folderDir(root, folder);
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
  const unique = `${Date.now()}.M${Math.floor(Math.random() * 1e6)}P${process.pid}.testhost`;
  const path = opts.letters === undefined ? join(dir, 'new', unique) : join(dir, 'cur', `${unique}:2,${opts.letters}`);
  await writeFile(path, bytes);
  if (opts.mtime) await utimes(path, opts.mtime, opts.mtime);
  return unique;
}

/** Sets the flag letters of a message, moving it to cur/ like a mail client does. */
export async function setLocalLetters(root: string, folder: string, unique: string, letters: string): Promise<void> {
  const dir = folderDir(root, folder);
  const msg = (await localMessages(root, folder)).find((m) => m.unique === unique);
  if (!msg) throw new Error(`no local message ${unique} in ${folder}`);
  await rename(join(dir, msg.file), join(dir, 'cur', `${unique}:2,${[...letters].sort().join('')}`));
}

export async function deleteLocal(root: string, folder: string, unique: string): Promise<void> {
  const msg = (await localMessages(root, folder)).find((m) => m.unique === unique);
  if (!msg) throw new Error(`no local message ${unique} in ${folder}`);
  await rm(join(folderDir(root, folder), msg.file));
}

/**
 * A Maildir file's message as the server holds it: its LF line ends as CRLF (Mailferry writes
 * LF; a file a mail client wrote may have either). What "the same bytes on both sides" compares.
 */
export function wireBytes(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'), 'latin1');
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
