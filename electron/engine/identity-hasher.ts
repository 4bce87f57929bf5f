import { createHash, type Hash } from 'node:crypto';
import type { FullIdentity, MessageIdentity } from '../../shared/identity.js';

const CR = 0x0d;
const LF = 0x0a;
/** Header blocks longer than this are hashed only up to here (hostile input stays bounded). */
const MAX_HEADER = 256 * 1024;

/**
 * Computes a message's identity from its bytes as they stream past, in bounded memory.
 * Line endings are normalized to CRLF on the fly, so LF-only Maildir files and their IMAP
 * copies hash the same.
 */
export class IdentityHasher {
  private readonly full: Hash = createHash('sha256');
  private readonly header: Hash = createHash('sha256');
  private headerDone = false;
  private headerBytes = 0;
  private headerText: Buffer[] = [];
  private size = 0;
  private prevCR = false;
  /** Count of consecutive line ends seen at the end of the header so far (2 ends the header). */
  private lineEnds = 0;

  update(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    // Jump from LF to LF (native indexOf): mail is mostly CRLF already, so this is a few
    // hundred steps per message rather than one per byte.
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
      const before = i > 0 ? chunk[i - 1] : this.prevCR ? CR : undefined;
      if (before !== CR) {
        // Bare LF: emit what came before, then CRLF in its place.
        this.emit(chunk.subarray(start, i));
        this.emit(CRLF);
        start = i + 1;
      }
    }
    this.emit(chunk.subarray(start));
    this.prevCR = chunk[chunk.length - 1] === CR;
  }

  private emit(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.full.update(bytes);
    this.size += bytes.length;
    if (this.headerDone) return;
    let end = bytes.length;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === LF) {
        this.lineEnds++;
        if (this.lineEnds === 2) {
          end = i + 1;
          this.headerDone = true;
          break;
        }
      } else if (b !== CR) {
        this.lineEnds = 0;
      }
    }
    const part = bytes.subarray(0, end);
    this.header.update(part);
    if (this.headerBytes < MAX_HEADER) this.headerText.push(part.subarray(0, MAX_HEADER - this.headerBytes));
    this.headerBytes += part.length;
    if (this.headerBytes >= MAX_HEADER) this.headerDone = true;
  }

  digest(): FullIdentity {
    const headerSha256 = this.header.digest('hex');
    return {
      messageId: parseMessageId(Buffer.concat(this.headerText)),
      size: this.size,
      headerSha256,
      sha256: this.full.digest('hex'),
    };
  }
}

const CRLF = Buffer.from('\r\n');

export function fullIdentityOf(bytes: Buffer): FullIdentity {
  const h = new IdentityHasher();
  h.update(bytes);
  return h.digest();
}

/**
 * Identity from a header block and the message's normalized size, for sides that can give
 * those without the body (IMAP: BODY.PEEK[HEADER] and RFC822.SIZE).
 */
export function identityFromHeader(header: Buffer, normalizedSize: number): MessageIdentity {
  const h = new IdentityHasher();
  h.update(header);
  const { messageId, headerSha256 } = h.digest();
  return { messageId, size: normalizedSize, headerSha256 };
}

/** The Message-ID header's `<…>` value (unfolded), or null when absent or malformed. */
export function parseMessageId(header: Buffer): string | null {
  const text = header.toString('latin1');
  const m = /(?:^|\r?\n)message-id[ \t]*:((?:[^\r\n]*)(?:\r?\n[ \t][^\r\n]*)*)/i.exec(text);
  if (!m || m[1] === undefined) return null;
  const value = m[1].replace(/\r?\n[ \t]/g, ' ');
  const id = /<[^<>\s]+>/.exec(value);
  return id ? id[0] : null;
}
