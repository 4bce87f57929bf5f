import type { MessageHeaders } from './mail-store.js';
import { decodeEncodedWords } from './encoded-words.js';

/** Long enough for any real subject; a hostile header cannot bloat the state files. */
const MAX_TEXT = 300;

/**
 * Subject, From and Date from a message's header block (or from the few header fields a
 * server returned), decoded for display. Anything after the blank line is ignored.
 */
export function parseHeaderFields(header: Buffer): MessageHeaders {
  const fields = new Map<string, string>();
  const block = decodeRaw(header).split(/\r?\n\r?\n/, 1)[0] ?? '';
  // Unfolding removes only the line break; the whitespace after it stays.
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const [, rawName, value = ''] = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(line) ?? [];
    const name = rawName?.toLowerCase();
    if (name && !fields.has(name)) fields.set(name, value.trim());
  }
  return { subject: text(fields.get('subject')), from: sender(fields.get('from')), date: isoDate(fields.get('date')) };
}

/** Raw 8-bit headers are UTF-8 in practice; anything that is not valid UTF-8 is read as Latin-1. */
function decodeRaw(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function text(value: string | undefined): string | null {
  if (value === undefined) return null;
  // Control characters (a decoded word may carry any) would garble the screen.
  const clean = decodeEncodedWords(value).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean === '' ? null : clean.slice(0, MAX_TEXT);
}

/** `"Alice Example" <alice@example.org>` reads as `Alice Example <alice@example.org>`. */
function sender(value: string | undefined): string | null {
  const t = text(value);
  return t === null ? null : t.replace(/^"((?:[^"\\]|\\.)*)"\s*(<[^<>]*>)$/, (_, name: string, addr: string) => `${name.replace(/\\(.)/g, '$1')} ${addr}`);
}

function isoDate(value: string | undefined): string | null {
  if (value === undefined) return null;
  const t = Date.parse(value.replace(/\([^()]*\)/g, ' '));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
