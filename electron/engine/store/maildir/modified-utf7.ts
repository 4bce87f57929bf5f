/**
 * IMAP's modified UTF-7 (RFC 3501 §5.1.3), the spelling Dovecot, OfflineIMAP (by default) and
 * mbsync 1.4 give non-ASCII folder names on disk: printable ASCII stays, `&` is `&-`, anything
 * else is `&` + base64 of its UTF-16 (with `,` for `/`) + `-`.
 */
export function encodeModifiedUtf7(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    out += `&${utf16be(pending).toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

/**
 * The name a modified UTF-7 spelling stands for, or null when it is not one an encoder writes
 * (bad base64, a lone `&`, raw non-ASCII, half a character, a shifted run that holds plain ASCII). Only canonical
 * spellings are accepted, so two directories can never decode to the same name.
 */
export function decodeModifiedUtf7(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const ch = text.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e) return null;
    if (text[i] !== '&') {
      out += text[i++];
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) return null;
    const b64 = text.slice(i + 1, end);
    i = end + 1;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return null;
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return null;
    out += bytes.swap16().toString('utf16le');
  }
  // A lone surrogate is no character: no folder name can hold it.
  if (/\p{Surrogate}/u.test(out)) return null;
  return encodeModifiedUtf7(out) === text ? out : null;
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}
