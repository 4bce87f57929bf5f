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

/**
 * The form of a message in a Maildir file: line ends are LF, as Dovecot, mbsync and OfflineIMAP
 * write them and as Unix mail tools (mutt, notmuch, mu, procmail, grep) expect. Each CRLF
 * becomes LF, except one whose CR follows another CR ("\r\r\n" stays): that keeps the change
 * reversible, so toWireForm of the file is exactly the wire form the server sent, and the
 * identity (computed over the wire form) is the server copy's. Bare CRs are left alone.
 * Streams in chunks; a CR at the end of a chunk waits for the next byte.
 */
export class MaildirLineEnds {
  /** A CR held back from the previous chunk (it may start a CRLF). */
  private heldCr = false;
  /** The byte before the held CR (or before the next chunk) was a CR. */
  private afterCr = false;

  push(chunk: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let o = 0;
    let held = this.heldCr;
    let afterCr = this.afterCr;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (held) {
        held = false;
        // The held CR is dropped only when it starts a CRLF and did not follow a CR itself.
        if (!(b === LF && !afterCr)) out[o++] = CR;
        afterCr = true;
      }
      if (b === CR) {
        held = true;
        continue;
      }
      out[o++] = b;
      afterCr = false;
    }
    this.heldCr = held;
    this.afterCr = afterCr;
    return out.subarray(0, o);
  }

  /** What is still held at the end of the message. */
  end(): Buffer {
    const rest = this.heldCr ? Buffer.from([CR]) : Buffer.alloc(0);
    this.heldCr = false;
    this.afterCr = false;
    return rest;
  }
}

export function toMaildirForm(bytes: Buffer): Buffer {
  const lines = new MaildirLineEnds();
  return Buffer.concat([lines.push(bytes), lines.end()]);
}
