import { createReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { MessageIdentity } from '../../../../shared/identity.js';
import { IdentityHasher } from '../../identity-hasher.js';
import { withoutTuidLine } from './mbsync-tuid.js';
import { MaildirLineEnds, toMaildirForm } from '../line-ends.js';

/**
 * Writes a new message file (`wx`: never over an existing one) and makes its bytes and
 * mtime durable. Streams are copied chunk by chunk, so memory stays bounded. On failure the
 * partial file is removed.
 */
export async function writeMessageFile(path: string, content: Readable | Buffer, mtime: Date): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    try {
      // Files get LF line ends (see line-ends.ts for why, and why the identity stays the same).
      if (Buffer.isBuffer(content)) await fh.writeFile(toMaildirForm(content));
      else {
        const lines = new MaildirLineEnds();
        for await (const chunk of content) await fh.writeFile(lines.push(toBuffer(chunk)));
        await fh.writeFile(lines.end());
      }
      await fh.utimes(mtime, mtime);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** Strings are refused: a decoded stream may already have mangled 8-bit bytes. */
function toBuffer(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError('a message stream must yield bytes, not strings');
}

/**
 * Identity of a stored message, hashed as it streams from disk. Rejects with ENOENT when it
 * vanished. `withoutTuid`: the identity of the message as mbsync received it (mbsync-tuid.ts).
 */
export async function identifyFile(path: string, opts: { withoutTuid?: boolean } = {}): Promise<MessageIdentity> {
  const hasher = new IdentityHasher();
  const stream = createReadStream(path) as AsyncIterable<Buffer>;
  for await (const chunk of opts.withoutTuid ? withoutTuidLine(stream) : stream) hasher.update(chunk);
  const { messageId, size, headerSha256 } = hasher.digest();
  return { messageId, size, headerSha256 };
}
