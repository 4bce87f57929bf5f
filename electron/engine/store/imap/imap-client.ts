import { ImapFlow } from 'imapflow';
import { OAuth2Error } from '../../oauth2/oauth2-error.js';
import { classifyConnectError, ImapConnectError } from './imap-connect-error.js';
import type { ImapEndpoint } from './imap-endpoint.js';
import { verifyingTransport } from './tls-transport.js';

/** Bounds for a dead or stalled server: connecting, the greeting, and silence mid-command. */
const CONNECTION_TIMEOUT_MS = 30_000;
const GREETING_TIMEOUT_MS = 15_000;
const DEFAULT_TIMEOUT_SECONDS = 120;

/**
 * Bounds on what one server reply may make us hold in memory (imapflow's defaults are 1-2 GB).
 * Message bodies arrive in 1 MB partial FETCHes (imap-folder-session.ts), so no honest literal
 * comes near these; a hostile or broken server announcing more fails the connection instead of
 * exhausting memory.
 */
const MAX_LITERAL_BYTES = 64 * 1024 * 1024;
const MAX_LINE_BYTES = 64 * 1024 * 1024;
// Above the literal cap: one response carries the literal plus its framing (and a FETCH may
// carry a header and a body part).
const MAX_RESPONSE_BYTES = 2 * MAX_LITERAL_BYTES + 1024 * 1024;
const MAX_RESPONSE_TOKENS = 250_000;

/**
 * Connects and logs in; every failure is an ImapConnectError. With OAuth2 the access token
 * comes from the endpoint's token source; a refused token is replaced once (it may have been
 * revoked or expired early), and a second refusal is reported as it is.
 */
export async function openClient(endpoint: ImapEndpoint): Promise<ImapFlow> {
  const source = endpoint.oauth2;
  if (!source) return connect(endpoint, { user: endpoint.user, pass: endpoint.password });
  const token = await accessToken(endpoint);
  try {
    return await connect(endpoint, { user: endpoint.user, accessToken: token });
  } catch (err) {
    if (!(err instanceof ImapConnectError) || err.kind !== 'auth') throw err;
    source.refused(token);
    return connect(endpoint, { user: endpoint.user, accessToken: await accessToken(endpoint) });
  }
}

/** A token from the endpoint's source; its failures as connect failures (a refused grant stops the account). */
async function accessToken(endpoint: ImapEndpoint): Promise<string> {
  try {
    return await endpoint.oauth2!.get();
  } catch (err) {
    if (err instanceof OAuth2Error) {
      const kind = err.kind === 'invalid-grant' ? 'signin-required' : err.kind === 'unreachable' ? 'unreachable' : 'auth';
      throw new ImapConnectError(kind, `OAuth2 for ${endpoint.user}: ${err.message}`);
    }
    throw new ImapConnectError('auth', `OAuth2 for ${endpoint.user}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function connect(endpoint: ImapEndpoint, auth: { user: string; pass: string } | { user: string; accessToken: string }): Promise<ImapFlow> {
  const timeoutMs = (endpoint.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls',
    transport: verifyingTransport(endpoint),
    auth,
    clientInfo: { name: 'mailferry' },
    // imapflow logs to stdout by default, with user names and server texts in it.
    logger: false,
    // Commands go out through exec() too (see raw-command.ts), which must never meet an IDLE.
    disableAutoIdle: true,
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, timeoutMs),
    greetingTimeout: Math.min(GREETING_TIMEOUT_MS, timeoutMs),
    socketTimeout: timeoutMs,
    maxLiteralSize: MAX_LITERAL_BYTES,
    maxLineLength: MAX_LINE_BYTES,
    maxResponseSize: MAX_RESPONSE_BYTES,
    maxResponseTokens: MAX_RESPONSE_TOKENS,
  });
  // A connection that dies between commands emits 'error'; the next command then fails (or the
  // store reconnects). A connection imapflow ends for a protocol violation (an oversized
  // literal, a flood of continuation requests) fails the command in flight as a bare
  // "Connection not available"; recorded as the close reason, the cause rides along on that
  // rejection's `reason` (see command-error.ts). imapflow's field, hence the pinned version.
  client.on('error', (err: unknown) => {
    const closing = client as unknown as { byeReason?: string };
    if (!closing.byeReason && err instanceof Error) closing.byeReason = err.message;
  });
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw classifyConnectError(err, endpoint);
  }
  return client;
}
