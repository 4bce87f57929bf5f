import { open } from 'node:fs/promises';

const CHUNK = 16 * 1024;
/** Header blocks longer than this are cut (hostile input stays bounded). */
const MAX_HEADER = 256 * 1024;

/** A message file's header block, read up to its blank line and no further into the body. */
export async function readHeaderBlock(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    let bytes = Buffer.alloc(0);
    while (bytes.length < MAX_HEADER) {
      const chunk = Buffer.alloc(CHUNK);
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, bytes.length);
      if (bytesRead === 0) break;
      // Look from just before the new bytes: the blank line may straddle two chunks.
      const from = Math.max(0, bytes.length - 3);
      bytes = Buffer.concat([bytes, chunk.subarray(0, bytesRead)]);
      const end = blankLineEnd(bytes, from);
      if (end !== -1) return bytes.subarray(0, end);
    }
    return bytes.subarray(0, MAX_HEADER);
  } finally {
    await fh.close();
  }
}

/** Where the first empty line (LF LF or LF CR LF) ends, searching from `from`; -1 when none yet. */
function blankLineEnd(bytes: Buffer, from: number): number {
  for (let i = bytes.indexOf(0x0a, from); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
    if (bytes[i + 1] === 0x0a) return i + 2;
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}
