/** An RFC 2047 encoded word: `=?charset?B|Q?data?=` (the charset may carry a `*language`). */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * Decodes the RFC 2047 encoded words in a header value. Adjacent words of one charset are
 * joined before decoding, because a sender may split a multi-byte character between them;
 * the space between adjacent words is dropped, as the RFC says. A word in a charset this
 * runtime does not know is left as written.
 */
export function decodeEncodedWords(value: string): string {
  let out = '';
  let at = 0;
  let run: { charset: string; bytes: Buffer[]; source: string } | null = null;
  const flush = () => {
    if (run) out += decodeBytes(run.charset, Buffer.concat(run.bytes)) ?? run.source;
    run = null;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(at, m.index);
    const charset = m[1]!.toLowerCase();
    const adjacent = run !== null && /^[ \t]*$/.test(between);
    if (!(adjacent && run!.charset === charset)) {
      flush();
      if (!adjacent) out += between;
      run = { charset, bytes: [], source: '' };
    }
    run!.bytes.push(wordBytes(m[2]!, m[3]!));
    run!.source += m[0];
    at = m.index + m[0].length;
  }
  flush();
  return out + value.slice(at);
}

function wordBytes(encoding: string, data: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(data, 'base64');
  const text = data.replace(/_/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeBytes(charset: string, bytes: Buffer): string | null {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return null;
  }
}
