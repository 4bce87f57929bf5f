import { ImapFlow } from 'imapflow';
import { classifyConnectError } from './imap-connect-error.js';
import type { ImapEndpoint } from './imap-endpoint.js';
import { verifyingTransport } from './tls-transport.js';

/** Bounds for a dead or stalled server: connecting, the greeting, and silence mid-command. */
const CONNECTION_TIMEOUT_MS = 30_000;
const GREETING_TIMEOUT_MS = 15_000;
const SOCKET_TIMEOUT_MS = 120_000;

/** Connects and logs in; every failure is an ImapConnectError. */
export async function openClient(endpoint: ImapEndpoint): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls',
    transport: verifyingTransport(endpoint),
    auth: { user: endpoint.user, pass: endpoint.password },
    clientInfo: { name: 'mailferry' },
    // imapflow logs to stdout by default, with user names and server texts in it.
    logger: false,
    // Commands go out through exec() too (see raw-command.ts), which must never meet an IDLE.
    disableAutoIdle: true,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  // A connection that dies between commands emits 'error'; the next command then fails (or the
  // store reconnects), so the event itself needs no handling beyond not crashing the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw classifyConnectError(err, endpoint);
  }
  return client;
}
