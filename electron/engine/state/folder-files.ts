import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-fs.js';

/**
 * Where one folder's state lives. File names must be safe on every filesystem the app runs
 * on, including case-insensitive ones (macOS, Windows) where "Work" and "work" would collide,
 * and they must map back to the folder name so the store can list folders with state.
 *
 * Encoding: lower-case ASCII letters, digits and `-_.!~'()` stay as they are; every other
 * character (upper case included) becomes %XX of its UTF-8 bytes. A leading '.' and Windows'
 * reserved device names (con, nul, com1, ...) get their first character escaped too.
 * Names whose encoding would be too long for a file name (255 bytes on most filesystems) are
 * shortened to a prefix plus `%%` and a hash of the exact name; `%%` never appears in a plain
 * encoding, and such folders keep their real name in a `<base>.name` file.
 */
export interface FolderFiles {
  folder: string;
  /** The encoded name every file of this folder starts with. */
  base: string;
  snapshot: string;
  journal: string;
  /** Holds the folder's exact name when `base` is a shortened (hashed) one. */
  nameFile: string | null;
}

export const SNAPSHOT_SUFFIX = '.snap';
export const JOURNAL_SUFFIX = '.journal';
const NAME_SUFFIX = '.name';
const HASH_MARK = '%%';
/** Leaves room for the longest suffix (`.journal.corrupt-<timestamp>-<n>`) within 255 bytes. */
const MAX_BASE = 180;
const KEPT_PREFIX = 120;

const PLAIN = /^[a-z0-9\-_.!~'()]$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/;

function escapeChar(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function plainEncoding(name: string): string {
  let out = '';
  for (const ch of name) out += PLAIN.test(ch) ? ch : escapeChar(ch);
  if (out.startsWith('.') || WINDOWS_DEVICE.test(out)) out = escapeChar(out.charAt(0)) + out.slice(1);
  return out;
}

function nameHash(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32);
}

export function encodeFolderName(name: string): string {
  if (name.length === 0) throw new Error('folder name is empty');
  // Lone surrogates cannot round-trip through UTF-8; encodeURIComponent rejects them.
  try {
    encodeURIComponent(name);
  } catch {
    throw new Error(`folder name ${JSON.stringify(name)} is not valid Unicode`);
  }
  const plain = plainEncoding(name);
  if (plain.length <= MAX_BASE) return plain;
  let prefix = plain.slice(0, KEPT_PREFIX);
  // Never cut through a %XX escape: the prefix must not end in '%' or '%X'.
  const pct = prefix.lastIndexOf('%');
  if (pct >= 0 && pct > prefix.length - 3) prefix = prefix.slice(0, pct);
  return `${prefix}${HASH_MARK}${nameHash(name)}`;
}

/**
 * The folder a file base belongs to: its name, 'hashed' when the name is in the `.name`
 * file, or null when the base is not one this store writes (temp files, stray files).
 */
export function decodeFolderBase(base: string): string | 'hashed' | null {
  if (base.includes(HASH_MARK)) return /%%[0-9a-f]{32}$/.test(base) ? 'hashed' : null;
  let name: string;
  try {
    name = decodeURIComponent(base);
  } catch {
    return null;
  }
  return name.length > 0 && plainEncoding(name) === base ? name : null;
}

export function folderFiles(foldersDir: string, folder: string): FolderFiles {
  const base = encodeFolderName(folder);
  return {
    folder,
    base,
    snapshot: join(foldersDir, base + SNAPSHOT_SUFFIX),
    journal: join(foldersDir, base + JOURNAL_SUFFIX),
    nameFile: base.includes(HASH_MARK) ? join(foldersDir, base + NAME_SUFFIX) : null,
  };
}

/** Reads the exact folder name of a hashed base, checking it belongs to that base. */
export async function readHashedName(foldersDir: string, base: string): Promise<string> {
  const path = join(foldersDir, base + NAME_SUFFIX);
  let name: string;
  try {
    name = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`state files for ${base} have no readable folder name file ${path}: ${(err as Error).message}`);
  }
  if (encodeFolderName(name) !== base) throw new Error(`folder name file ${path} does not match its state files`);
  return name;
}

/** Makes sure a hashed folder's name is on disk before any of its state files exist. */
export async function recordFolderName(files: FolderFiles): Promise<void> {
  if (files.nameFile === null) return;
  try {
    if ((await readFile(files.nameFile, 'utf8')) === files.folder) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeFileDurably(files.nameFile, files.folder);
}
