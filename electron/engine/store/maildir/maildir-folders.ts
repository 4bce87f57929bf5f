import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './fs-errors.js';

/** The three directories that make a directory a Maildir folder. */
export const MAILDIR_SUBDIRS = ['cur', 'new', 'tmp'] as const;
const RESERVED = new Set<string>(MAILDIR_SUBDIRS);

function hex(ch: string): string {
  return `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * The on-disk spelling of one folder-name segment. Segments that could escape the root
 * (`.`, `..`), hide (leading `.`), vanish (empty), break the escaping (`%`), break C APIs
 * (NUL) or land inside a parent folder's cur/new/tmp are percent-escaped; others stay as is.
 */
export function encodeSegment(segment: string): string {
  if (segment === '') return '%';
  const unsafe = segment.startsWith('.') || segment.includes('%') || segment.includes('\0') || RESERVED.has(segment);
  if (!unsafe) return segment;
  const escaped = segment.replace(/[%\0]/g, hex);
  return escaped.startsWith('.') || RESERVED.has(escaped) ? hex(escaped.charAt(0)) + escaped.slice(1) : escaped;
}

/** The folder-name segment a directory name stands for, or null when encodeSegment never writes it. */
export function decodeSegment(onDisk: string): string | null {
  const segment = onDisk === '%' ? '' : onDisk.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return encodeSegment(segment) === onDisk ? segment : null;
}

/** Directory of a logical folder name (`Archive/2024` -> `<root>/Archive/2024`). */
export function folderDir(root: string, name: string): string {
  return join(root, ...name.split('/').map(encodeSegment));
}

/** True when `dir` holds real (not symlinked) cur/, new/ and tmp/ directories. */
export async function isFolderDir(dir: string): Promise<boolean> {
  for (const sub of MAILDIR_SUBDIRS) {
    try {
      if (!(await lstat(join(dir, sub))).isDirectory()) return false;
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw err;
    }
  }
  return true;
}

/**
 * Every folder under `root`, sorted. Walks real directories only: symlinks are reported and
 * skipped (they could loop or lead outside the root), hidden entries and cur/new/tmp are
 * never folders, files (Dovecot's indexes, uidlists, keywords) are ignored.
 */
export async function walkFolders(root: string, warn: (msg: string) => void): Promise<string[]> {
  const out: string[] = [];
  await walk(root, [], out, warn);
  return out.sort();
}

async function walk(dir: string, segments: string[], out: string[], warn: (msg: string) => void): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const realDirs = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  if (MAILDIR_SUBDIRS.every((s) => realDirs.has(s))) {
    if (segments.length > 0) out.push(segments.join('/'));
    else warn(`${dir} itself holds cur/, new/ and tmp/ (Maildir++ layout?): mail there is not synced; INBOX is ${join(dir, 'INBOX')}`);
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isSymbolicLink()) {
      warn(`skipping symlink ${path}: symlinks in a Maildir tree are never followed`);
      continue;
    }
    if (!e.isDirectory() || RESERVED.has(e.name)) continue;
    const segment = decodeSegment(e.name);
    if (segment === null || e.name.includes('\uFFFD')) {
      warn(`skipping directory ${path}: its name is not one this tool writes (invalid UTF-8 or a stray '%')`);
      continue;
    }
    await walk(path, [...segments, segment], out, warn);
  }
}
