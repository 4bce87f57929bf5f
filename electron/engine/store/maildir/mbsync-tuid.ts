/**
 * mbsync puts an `X-TUID: <12 characters>` line into the header of every message it copies
 * (its marker for finding the copy again), so the file it downloaded differs from the server's
 * copy by exactly that line. Without it, the file is byte for byte what the server holds.
 */
const TUID_LINE = /(^|\n)X-TUID: [A-Za-z0-9+/]{12}\r?\n/i;
const HEADER_END = /\n\r?\n/;
/** Headers longer than this are passed through untouched (the identity hashes no more of them either). */
const MAX_HEADER = 256 * 1024;

/** The message's bytes as they stream past, with the first X-TUID line of its header left out. */
export async function* withoutTuidLine(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  let head = Buffer.alloc(0);
  let done = false;
  for await (const chunk of source) {
    if (done) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    const end = HEADER_END.exec(head.toString('latin1'));
    if (end === null && head.length <= MAX_HEADER) continue;
    done = true;
    yield end === null ? head : Buffer.concat([dropTuid(head.subarray(0, end.index + end[0].length)), head.subarray(end.index + end[0].length)]);
  }
  if (!done) yield dropTuid(head);
}

function dropTuid(header: Buffer): Buffer {
  const m = TUID_LINE.exec(header.toString('latin1'));
  if (m === null) return header;
  const start = m.index + (m[1] ?? '').length;
  return Buffer.concat([header.subarray(0, start), header.subarray(m.index + m[0].length)]);
}
