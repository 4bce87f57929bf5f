const CR = 0x0d;
const LF = 0x0a;

/**
 * The IMAP wire form of a message (RFC 9051 §4.3: lines end in CRLF): every bare LF becomes
 * CRLF; CRLF and a bare CR are left as they are. Maildir files written by mail clients end
 * lines in LF, and strict servers (Cyrus) refuse an APPEND with bare LF. The identity of a
 * message is computed over this form (identity-hasher.ts), so both forms are the same message.
 * Returns the buffer itself when it is already in wire form.
 */
export function toWireForm(bytes: Buffer): Buffer {
  let bare = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) if (i === 0 || bytes[i - 1] !== CR) bare++;
  if (bare === 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length + bare);
  let o = 0;
  let start = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (i > 0 && bytes[i - 1] === CR) continue;
    o += bytes.copy(out, o, start, i);
    out[o++] = CR;
    out[o++] = LF;
    start = i + 1;
  }
  bytes.copy(out, o, start);
  return out;
}
