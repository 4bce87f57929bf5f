interface ImapFailure {
  message?: unknown;
  responseText?: unknown;
  code?: unknown;
  /** Why the connection closed (a BYE text, or the protocol violation imapflow stopped at). */
  reason?: unknown;
}

/** An error that says which IMAP command failed in which folder (if any), and what the server said. */
export function commandError(folder: string, command: string, err: unknown): Error {
  const e: ImapFailure = typeof err === 'object' && err !== null ? (err as ImapFailure) : {};
  const said = [e.responseText, e.message, e.code].find((t): t is string => typeof t === 'string' && t.length > 0);
  const why = typeof e.reason === 'string' && e.reason.length > 0 && e.reason !== said ? ` (${e.reason})` : '';
  const where = folder ? ` in folder "${folder}"` : '';
  return new Error(`IMAP ${command}${where} failed: ${said ?? String(err)}${why}`, { cause: err });
}

/** Runs one step of a folder operation, turning whatever imapflow throws into a commandError. */
export async function step<T>(folder: string, command: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw commandError(folder, command, err);
  }
}
