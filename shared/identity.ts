/**
 * What makes two stored copies "the same message", independent of UIDs or file names.
 * Sizes and hashes are over the message with line endings normalized to CRLF (the IMAP
 * wire form), so a Maildir file written with bare LF and its server copy agree.
 */
export interface MessageIdentity {
  /** Message-ID header value including angle brackets, or null when absent. */
  messageId: string | null;
  /** Size in bytes after CRLF normalization (equals IMAP RFC822.SIZE). */
  size: number;
  /** SHA-256 (hex) of the normalized header block, up to and including the blank line. */
  headerSha256: string;
}

/** Identity plus the hash of the whole normalized message, known whenever we moved the bytes. */
export interface FullIdentity extends MessageIdentity {
  sha256: string;
}

/** Key under which candidates are matched: equal keys mean the same message. */
export function identityKey(id: MessageIdentity): string {
  return `${id.size}:${id.headerSha256}`;
}
