import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A message file name split at its info separator. Foreign conventions (Dovecot `,S=`/`,W=`,
 * mbsync `,U=`, OfflineIMAP `,FMD5=`) live inside the unique part, so they need no parsing:
 * the whole unique part is the message id.
 */
export interface MaildirName {
  unique: string;
  /** `:` as the Maildir spec says, `!` where `:` cannot appear in file names (Windows). Null without info. */
  separator: ':' | '!' | null;
  /** The letters after `2,`, or null when the name has no version-2 info (fresh files in new/). */
  info: string | null;
  /** Everything from the separator on (empty without info), kept when only the unique part changes. */
  suffix: string;
}

/** The separator this platform can put in a file name. */
export const DEFAULT_SEPARATOR: ':' | '!' = process.platform === 'win32' ? '!' : ':';

/** Parses a file name from cur/ or new/, or null for names that are not messages (dotfiles). */
export function parseName(name: string): MaildirName | null {
  if (name.startsWith('.')) return null;
  let at = name.indexOf(':');
  let separator: ':' | '!' | null = at >= 0 ? ':' : null;
  if (at < 0) {
    at = name.indexOf('!2,');
    if (at >= 0) separator = '!';
  }
  if (at === 0) return null;
  if (at < 0) return { unique: name, separator: null, info: null, suffix: '' };
  const suffix = name.slice(at);
  // `:1,` (experimental semantics) and other versions carry no flags we can read.
  const info = suffix.startsWith('2,', 1) ? suffix.slice(3) : null;
  return { unique: name.slice(0, at), separator, info, suffix };
}

/** The file name for a message in cur/ with these info letters. */
export function formatName(unique: string, separator: ':' | '!' | null, letters: string): string {
  return `${unique}${separator ?? DEFAULT_SEPARATOR}2,${letters}`;
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
