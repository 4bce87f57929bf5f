import type { Socket } from 'node:net';

/**
 * An honest server sends one continuation request ("+ ...") per literal we send or SASL step,
 * and then answers. imapflow ignores the ones nobody asked for, and since they are traffic the
 * socket timeout never fires: a server that keeps sending them would hold a sync forever.
 * More than this many in a row, with no other response line between them, ends the connection.
 */
export const MAX_CONTINUATIONS_IN_A_ROW = 100;

const LF = 0x0a;
const PLUS = 0x2b;
const LITERAL_AT_END = /\{(\d+)\+?\}\r?\n$/;

/**
 * Watches what the server sends on `socket`, following line and literal framing so that
 * message bodies are never mistaken for responses. Returns a function that stops watching.
 */
export function guardContinuations(socket: Socket): () => void {
  let lineStart = true;
  let plusLine = false;
  let tail = '';
  let literalLeft = 0;
  let inARow = 0;

  const onData = (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (literalLeft > 0) {
        const skip = Math.min(literalLeft, chunk.length - i);
        literalLeft -= skip;
        i += skip;
        continue;
      }
      if (lineStart) {
        plusLine = chunk[i] === PLUS;
        lineStart = false;
      }
      const nl = chunk.indexOf(LF, i);
      const end = nl < 0 ? chunk.length : nl + 1;
      tail = (tail + chunk.toString('latin1', Math.max(i, end - 32), end)).slice(-32);
      i = end;
      if (nl < 0) break;
      const literal = LITERAL_AT_END.exec(tail);
      tail = '';
      if (literal) {
        // The response goes on after the literal's bytes.
        literalLeft = Number(literal[1]);
        continue;
      }
      lineStart = true;
      inARow = plusLine ? inARow + 1 : 0;
      if (inARow > MAX_CONTINUATIONS_IN_A_ROW) {
        socket.destroy(new Error(`the server sent more than ${MAX_CONTINUATIONS_IN_A_ROW} continuation requests in a row that no command asked for`));
        return;
      }
    }
  };
  socket.on('data', onData);
  return () => socket.off('data', onData);
}
