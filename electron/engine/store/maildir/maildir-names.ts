import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `:` as the Maildir spec says; where `:` cannot appear in file names (Windows) `!` (OfflineIMAP and others) or `;` (mbsync). */
export type InfoSeparator = ':' | '!' | ';';

/**
 * A message file name split at its info separator. Foreign conventions (Dovecot `,S=`/`,W=`,
 * mbsync `,U=`, OfflineIMAP `,FMD5=`) live inside the unique part, so the whole unique part is
 * the message id; nameFields reads them where they matter.
 */
export interface MaildirName {
  unique: string;
  /** Null without info. */
  separator: InfoSeparator | null;
  /** The letters after `2,`, or null when the name has no version-2 info (fresh files in new/). */
  info: string | null;
  /** Everything from the separator on (empty without info), kept when only the unique part changes. */
  suffix: string;
}

/** The separator this platform can put in a file name. */
export const DEFAULT_SEPARATOR: InfoSeparator = process.platform === 'win32' ? '!' : ':';

/** Parses a file name from cur/ or new/, or null for names that are not messages (dotfiles). */
export function parseName(name: string): MaildirName | null {
  if (name.startsWith('.')) return null;
  let at = name.indexOf(':');
  let separator: InfoSeparator | null = at >= 0 ? ':' : null;
  // The Windows separators are ordinary characters elsewhere: only one followed by `2,` counts.
  for (const sep of ['!', ';'] as const) {
    if (at >= 0) break;
    at = name.indexOf(`${sep}2,`);
    if (at >= 0) separator = sep;
  }
  if (at === 0) return null;
  if (at < 0) return { unique: name, separator: null, info: null, suffix: '' };
  const suffix = name.slice(at);
  // `:1,` (experimental semantics) and other versions carry no flags we can read.
  const info = suffix.startsWith('2,', 1) ? suffix.slice(3) : null;
  return { unique: name.slice(0, at), separator, info, suffix };
}

/** The file name for a message in cur/ with these info letters. */
export function formatName(unique: string, separator: InfoSeparator | null, letters: string): string {
  return `${unique}${separator ?? DEFAULT_SEPARATOR}2,${letters}`;
}

/**
 * The `,KEY=VALUE` fields other tools put after the unique part's base: Dovecot's sizes
 * (`,S=` bytes on disk, `,W=` with CRLF line ends), mbsync's `,U=` (the UID in its own
 * numbering of this folder, see mbsync-state.ts) and OfflineIMAP's `,U=` (the server's UID)
 * with `,FMD5=` (MD5 of the folder's name). A field that is absent or malformed is null.
 */
export interface NameFields {
  uid: number | null;
  folderMd5: string | null;
  size: number | null;
  virtualSize: number | null;
}

export function nameFields(unique: string): NameFields {
  const fields: NameFields = { uid: null, folderMd5: null, size: null, virtualSize: null };
  for (const field of unique.split(',').slice(1)) {
    const [key, value = ''] = field.split(/=(.*)/s);
    const count = /^[0-9]{1,15}$/.test(value) ? Number(value) : null;
    if (key === 'U') fields.uid = count !== null && count > 0 ? count : null;
    else if (key === 'S') fields.size = count;
    else if (key === 'W') fields.virtualSize = count;
    else if (key === 'FMD5') fields.folderMd5 = /^[0-9a-f]{32}$/.test(value) ? value : null;
  }
  return fields;
}

/** The UID in a name mbsync gave (`,U=` without OfflineIMAP's `,FMD5=`), or null. */
export function mbsyncUid(unique: string): number | null {
  const { uid, folderMd5 } = nameFields(unique);
  return folderMd5 === null ? uid : null;
}

/** Maildir convention: `/` and `:` cannot appear in a unique name, so hosts spell them in octal. */
export function escapeHostname(host: string): string {
  return host.replace(/\//g, '\\057').replace(/:/g, '\\072');
}

let counter = 0;

/**
 * A fresh unique name: `<seconds>.M<micros>P<pid>Q<counter>R<random>.<host>`. The counter
 * separates names made in the same microsecond; the random part separates processes that
 * reuse a pid (containers) and clocks that step back.
 */
export function newUniqueName(host: string = hostname()): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const usec = micros - seconds * 1_000_000;
  counter++;
  const rand = randomBytes(8).toString('hex');
  return `${seconds}.M${usec}P${process.pid}Q${counter}R${rand}.${escapeHostname(host || 'localhost')}`;
}
