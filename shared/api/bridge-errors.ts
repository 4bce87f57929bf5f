/**
 * How a failed request surfaces from a MailferryBridge on every transport: an Error whose
 * message is "<code>: <text>". (Electron's contextBridge copies nothing of an Error but its
 * message, so the code has to ride in it.) Free of zod so that the preload stays small.
 */
export type ApiErrorCode = 'invalid-request' | 'not-found' | 'busy' | 'failed' | 'unsupported';

const CODES: readonly ApiErrorCode[] = ['invalid-request', 'not-found', 'busy', 'failed', 'unsupported'];

export function bridgeErrorMessage(error: { code: ApiErrorCode; message: string }): string {
  return `${error.code}: ${error.message}`;
}

/** The code and the text for the user from a rejected request's Error. */
export function parseBridgeError(err: unknown): { code: ApiErrorCode; message: string } {
  const text = err instanceof Error ? err.message : String(err);
  const colon = text.indexOf(': ');
  const code = colon > 0 ? (text.slice(0, colon) as ApiErrorCode) : null;
  return code !== null && CODES.includes(code) ? { code, message: text.slice(colon + 2) } : { code: 'failed', message: text };
}
