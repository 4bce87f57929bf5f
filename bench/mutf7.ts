/**
 * IMAP modified UTF-7 (RFC 3501 §5.1.3): the on-disk folder names of Dovecot and mbsync 1.4.
 * The bench needs it to find folders on disk without asking the tools.
 */
export function encodeMutf7(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    out += `&${Buffer.from(pending, 'utf16le').swap16().toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
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

export function decodeMutf7(name: string): string {
  return name.replace(/&([A-Za-z0-9+,]*)-/g, (_, b64: string) => {
    if (b64 === '') return '&';
    return Buffer.from(b64.replace(/,/g, '/'), 'base64').swap16().toString('utf16le');
  });
}
