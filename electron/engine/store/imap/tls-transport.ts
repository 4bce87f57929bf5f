import net from 'node:net';
import tls from 'node:tls';
import type { ImapTransport, ImapTransportSocket } from 'imapflow';
import { guardContinuations } from './continuation-guard.js';
import { ImapConnectError, displayFingerprint, pinAdvice } from './imap-connect-error.js';
import type { ImapEndpoint } from './imap-endpoint.js';

/**
 * Sockets for imapflow whose TLS handshakes (implicit or STARTTLS) are checked here rather than
 * by Node's rejectUnauthorized, so that a refused certificate comes back as an ImapConnectError
 * that names its fingerprint, and so that a pinned fingerprint can stand in for the CA chain.
 */
export function verifyingTransport(endpoint: ImapEndpoint): ImapTransport {
  const pin = normalizePin(endpoint.tls?.fingerprint);
  // Giving Node a CA list replaces its default roots, so the extra CA is added to them.
  const ca = endpoint.tls?.ca ? [...tls.rootCertificates, endpoint.tls.ca] : undefined;
  const servername = net.isIP(endpoint.host) ? undefined : endpoint.host;

  const secure = (socket: net.Socket | undefined, onSecure: () => void): tls.TLSSocket => {
    const tlsSocket: tls.TLSSocket = tls.connect(
      {
        host: endpoint.host,
        port: endpoint.port,
        ...(socket ? { socket } : {}),
        ...(servername ? { servername } : {}),
        ...(ca ? { ca } : {}),
        minVersion: 'TLSv1.2',
        rejectUnauthorized: false,
      },
      () => {
        const refusal = checkPeer(tlsSocket, endpoint.host, pin);
        if (refusal) tlsSocket.destroy(refusal);
        else onSecure();
      },
    );
    guardContinuations(tlsSocket);
    return tlsSocket;
  };
  // The plain socket's guard must not read the TLS bytes once the connection is upgraded.
  let unguardPlain = (): void => undefined;

  return {
    connect(options, onConnect): ImapTransportSocket {
      if (options.secure) return secure(undefined, onConnect);
      const socket = net.connect({ host: endpoint.host, port: endpoint.port }, onConnect);
      unguardPlain = guardContinuations(socket);
      return socket;
    },
    upgrade(socket, _options, onSecure): ImapTransportSocket {
      unguardPlain();
      return secure(socket as net.Socket, onSecure);
    },
  };
}

/** Accepts `ab:cd:…`, `sha256:…`, any case; returns bare lowercase hex. */
export function normalizePin(pin: string | undefined): string | null {
  if (!pin) return null;
  const hex = pin.trim().replace(/^sha-?256:/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ImapConnectError('protocol', `TLS fingerprint pin "${pin}" is not a SHA-256 fingerprint (64 hex digits)`);
  return hex;
}

function checkPeer(socket: tls.TLSSocket, host: string, pin: string | null): ImapConnectError | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.fingerprint256) return new ImapConnectError('protocol', `TLS server ${host} presented no certificate`);
  const fingerprint = cert.fingerprint256.replace(/:/g, '').toLowerCase();
  const shown = displayFingerprint(fingerprint);
  if (pin !== null) {
    if (fingerprint === pin) return null;
    return new ImapConnectError(
      'tls-mismatch',
      `TLS certificate of ${host} is not the pinned one (SHA-256 fingerprint ${shown}, pinned ${displayFingerprint(pin)}); if the server changed its certificate and you trust the new one, update the pin`,
      fingerprint,
    );
  }
  // Node verified the chain against the trusted CAs and, when that passed, the host name.
  if (socket.authorized) return null;
  const reason = String(socket.authorizationError ?? 'unknown reason');
  if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ImapConnectError(
      'tls-mismatch',
      `TLS certificate of ${host} is issued for another name (${certNames(cert)}) (SHA-256 fingerprint ${shown}); ${pinAdvice(fingerprint)}`,
      fingerprint,
    );
  }
  return new ImapConnectError(
    'tls-untrusted',
    `TLS certificate of ${host} is not trusted: ${chainProblem(reason)} (SHA-256 fingerprint ${shown}); ${pinAdvice(fingerprint)}`,
    fingerprint,
  );
}

function chainProblem(code: string): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'self-signed';
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not yet valid';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'issued by an unknown authority';
    default:
      return code.toLowerCase().replace(/_/g, ' ');
  }
}

function certNames(cert: tls.PeerCertificate): string {
  const alt = cert.subjectaltname?.replace(/(DNS|IP Address):/g, '');
  const cn = cert.subject?.CN;
  return alt || (typeof cn === 'string' ? cn : 'no name');
}
