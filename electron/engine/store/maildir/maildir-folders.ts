import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './fs-errors.js';

/** The three directories that make a directory a Maildir folder. */
export const MAILDIR_SUBDIRS = ['cur', 'new', 'tmp'] as const;
export const RESERVED = new Set<string>(MAILDIR_SUBDIRS);

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
  const segment = unescapeSegment(onDisk);
  return encodeSegment(segment) === onDisk ? segment : null;
}

/** Undoes the percent escapes (callers check the result by encoding it again). */
export function unescapeSegment(onDisk: string): string {
  return onDisk === '%' ? '' : onDisk.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
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
