import { ImapConnectError } from '../store/imap/imap-connect-error.js';

/** Waits between attempts after a dropped connection; the last failure is reported as is. */
export const RETRY_DELAYS_MS = [500, 2000, 5000];

const TRANSIENT_CODES = new Set([
  'EConnectionClosed',
  'NoConnection',
  'ETIMEOUT',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETHROTTLE',
]);

/** The server broke the protocol (imapflow's parser limits, our continuation guard): retrying gets the same. */
const PROTOCOL_CODES = new Set(['LiteralTooLarge', 'LineTooLarge', 'ResponseTooLarge', 'TooManyTokens', 'ParserErrorExchange', 'ParserErrorInternal']);

/**
 * Whether an error is the network failing rather than the server or our data saying no: a
 * dropped or refused connection, a timeout. Only those are worth another attempt in the
 * same run; every step is journaled, so an attempt resumes where the last one stopped. A
 * connection we closed because the server broke the protocol is not: the cause says so.
 */
export function isTransient(err: unknown): boolean {
  let transient = false;
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ImapConnectError) return e.kind === 'unreachable';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && PROTOCOL_CODES.has(code)) return false;
    if (/continuation requests in a row/.test(String((e as { message?: unknown }).message))) return false;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) transient = true;
  }
  return transient;
}

export async function withRetry<T>(attempt: () => Promise<T>, onRetry: (err: unknown, delayMs: number) => void): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = RETRY_DELAYS_MS[i];
      if (delay === undefined || !isTransient(err)) throw err;
      onRetry(err, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const UNREADABLE_CODES = new Set(['EACCES', 'EPERM', 'EISDIR', 'ELOOP']);

/**
 * Whether one message cannot be copied for a reason of its own: the server refused it (NO or
 * BAD to its APPEND, e.g. a zero-byte message) or its file cannot be read. Such a message is
 * skipped with a note and tried again next run; it must not stop the rest of the folder.
 */
export function isRefusedMessage(err: unknown): boolean {
  if (isTransient(err)) return false;
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { responseStatus, code } = e as { responseStatus?: unknown; code?: unknown };
    if (responseStatus === 'NO' || responseStatus === 'BAD') return true;
    if (typeof code === 'string' && UNREADABLE_CODES.has(code)) return true;
  }
  return false;
}
