import type { ImapEndpoint } from './imap-endpoint.js';

/**
 * Why a connection to an IMAP account could not be set up:
 * - auth: the server refused the login (wrong credentials, or login not allowed as configured);
 * - unreachable: no connection (refused, no route, unknown host, timeout, dropped);
 * - tls-untrusted: the certificate chain is not trusted (self-signed, unknown CA, expired);
 * - tls-mismatch: the certificate does not match what was expected: another host name,
 *   or not the pinned fingerprint;
 * - protocol: the server does not speak what the settings say (no STARTTLS, not IMAP, wrong port);
 * - signin-required: the OAuth2 sign-in was revoked or expired (or never made): only signing
 *   in again helps, so the account stops instead of retrying.
 */
export type ImapConnectErrorKind = 'auth' | 'unreachable' | 'tls-untrusted' | 'tls-mismatch' | 'protocol' | 'signin-required';

/** A one-line, actionable connect failure. Never carries the password. */
export class ImapConnectError extends Error {
  constructor(
    readonly kind: ImapConnectErrorKind,
    message: string,
    /** SHA-256 of the server's leaf certificate (lowercase hex), for TLS failures. */
    readonly fingerprint?: string,
  ) {
    super(message);
    this.name = 'ImapConnectError';
  }
}

/** `ab:cd:…` for people to compare with what their provider publishes. */
export function displayFingerprint(hex: string): string {
  return hex.match(/../g)?.join(':') ?? hex;
}

export function pinAdvice(hex: string): string {
  return `pin it with "tls": {"fingerprint": "sha256:${hex}"} if you trust it`;
}

interface ErrorFields {
  code?: unknown;
  message?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  response?: unknown;
  responseText?: unknown;
  tlsFailed?: unknown;
  oauthError?: unknown;
}

const RESET = 'connection reset; if it keeps happening, check "port" and "security"';
const CLOSED = 'the server closed the connection; if it keeps happening, check "port" and "security"';

/** Why a connection could not be made, and what to check: `cannot reach HOST:PORT: <this>`. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port); check "host" and "port" (IMAP: 993 with security "tls", 143 with "starttls")',
  ENOTFOUND: 'host name not found; check "host" for a typo, and that this computer is online',
  EAI_AGAIN: 'host name lookup failed (no answer from DNS); check that this computer is online',
  ETIMEDOUT: 'connection timed out; check "host" and "port", and that no firewall blocks the port',
  CONNECT_TIMEOUT: 'connection timed out; check "host" and "port", and that no firewall blocks the port',
  ETIMEOUT: 'the server stopped answering (for longer than "timeoutSeconds")',
  EHOSTUNREACH: 'no route to host; check that this computer is online and "host" is right',
  ENETUNREACH: 'network unreachable; check that this computer is online',
  ECONNRESET: RESET,
  EPIPE: RESET,
  NoConnection: CLOSED,
  EConnectionClosed: CLOSED,
  ClosedAfterConnectText: CLOSED,
  ClosedAfterConnectTLS: CLOSED,
};

/** What OpenSSL says when the bytes it got are not TLS at all (a plain-text IMAP greeting, say). */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|record layer failure|http request|ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG/i;

/** The implicit-TLS IMAP port: a server there waits for a TLS hello and never greets in plain text. */
const IMAPS_PORT = 993;

/** Turns whatever connecting and logging in threw into an ImapConnectError. */
export function classifyConnectError(err: unknown, endpoint: ImapEndpoint): ImapConnectError {
  if (err instanceof ImapConnectError) return err;
  const e: ErrorFields = typeof err === 'object' && err !== null ? (err as ErrorFields) : { message: String(err) };
  const code = typeof e.code === 'string' ? e.code : '';
  const where = `${endpoint.host}:${endpoint.port}`;
  const detail = (text: unknown) => redact(typeof text === 'string' ? text : '', endpoint.password);

  if (e.authenticationFailed === true || e.serverResponseCode === 'AUTHENTICATIONFAILED') {
    const reason = endpoint.oauth2 ? oauthReason(e, detail) : authReason(e, detail);
    return new ImapConnectError('auth', `login failed for ${endpoint.user} at ${endpoint.host}: ${reason}`);
  }
  if (endpoint.oauth2 && /Unsupported authentication mechanism/i.test(detail(e.message))) {
    return new ImapConnectError('protocol', `${where} does not offer OAuth2 login (AUTH=OAUTHBEARER or AUTH=XOAUTH2); use a password for this server`);
  }
  const unreachable = UNREACHABLE[code];
  if (unreachable) return new ImapConnectError('unreachable', `cannot reach ${where}: ${unreachable}`);
  if (code === 'GREETING_TIMEOUT') {
    if (endpoint.security !== 'tls' && endpoint.port === IMAPS_PORT) {
      return new ImapConnectError('protocol', `${where} sent no IMAP greeting: port ${IMAPS_PORT} is IMAP over TLS; use security "tls" with it (or port 143 with "${endpoint.security}")`);
    }
    return new ImapConnectError('protocol', `${where} accepted the connection but sent no IMAP greeting; check the port and the security setting`);
  }
  const message = detail(e.message);
  if (e.tlsFailed === true && /STARTTLS/.test(message)) {
    return new ImapConnectError('protocol', `${where} does not offer STARTTLS; use security "tls" with the server's IMAPS port`);
  }
  const tls = e.tlsFailed === true || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS');
  if (tls && (NOT_TLS.test(code) || NOT_TLS.test(message))) {
    const port = endpoint.port === IMAPS_PORT ? '' : `, or port ${IMAPS_PORT}`;
    return new ImapConnectError('protocol', `the server at ${where} does not speak TLS on this port; try security: starttls (or none on loopback)${port}`);
  }
  if (tls) {
    return new ImapConnectError('protocol', `TLS handshake with ${where} failed (${openSslReason(message) || code}); check the port and the security setting`);
  }
  return new ImapConnectError('protocol', `IMAP login at ${where} failed: ${oneLine(message) || code || 'unknown error'}`);
}

/**
 * OpenSSL's own words without its error-stack framing: from
 * `805C…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:`
 * the reason, `wrong version number`. Other texts come back on one line.
 */
export function openSslReason(message: string): string {
  const stack = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/i.exec(message.trim());
  return stack ? stack[1]!.trim() : oneLine(message);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function authReason(e: ErrorFields, detail: (text: unknown) => string): string {
  const serverCode = typeof e.serverResponseCode === 'string' ? e.serverResponseCode : '';
  if (serverCode === 'AUTHENTICATIONFAILED') return 'wrong user name or password';
  if (serverCode === 'PRIVACYREQUIRED' || /login is disabled/i.test(detail(e.message))) {
    return 'the server allows login only over TLS; use security "starttls" or "tls"';
  }
  const text = detail(e.response) || detail(e.responseText);
  return text ? `the server said: ${text}` : 'wrong user name or password';
}

/**
 * The OAuth2 refusal in words: the JSON the server sent in its SASL challenge (RFC 7628 3.2.2,
 * and Google's XOAUTH2 alike), else the server's text.
 */
export function oauthReason(e: { oauthError?: unknown; response?: unknown; responseText?: unknown; message?: unknown }, detail: (text: unknown) => string = (t) => (typeof t === 'string' ? t : '')): string {
  const said = (detail(e.responseText) || detail(e.response)).replace(/^\S+ (?:NO|BAD) (?:\[[^\]]*\] ?)?/, '').trim();
  const json = typeof e.oauthError === 'object' && e.oauthError !== null ? (e.oauthError as Record<string, unknown>) : null;
  if (!json) return `the server refused the access token${said ? ` (the server said: ${said})` : ''}`;
  const status = String(json.status ?? '');
  const scope = typeof json.scope === 'string' ? json.scope : null;
  const words =
    status === 'invalid_token' || status === '401'
      ? 'the server did not accept the access token (expired, revoked, or issued for another user or server)'
      : status === 'insufficient_scope' || status === '403'
        ? `the access token lacks the permission the server needs${scope ? ` (scope "${scope}")` : ''}; add it to auth.scopes and sign in again`
        : status === 'invalid_request' || status === '400'
          ? `the server refused the access token as not valid for this login (status ${status}: expired or revoked, or for another user${scope ? `; it wants scope "${scope}"` : ''})`
          : `the server refused the access token (status "${status || 'none'}"${scope ? `, scope "${scope}"` : ''})`;
  return said ? `${words}; the server said: ${said}` : words;
}

/** Server and library texts are not ours; make sure the password cannot ride along in one. */
function redact(text: string, password: string): string {
  return password ? text.split(password).join('***') : text;
}
