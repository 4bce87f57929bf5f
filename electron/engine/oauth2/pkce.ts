import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636: a code verifier of 32 random octets, base64url (43 characters of the unreserved set). */
export function newCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 4.2, S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The `state` that ties a redirect to the sign-in that asked for it. */
export function newState(): string {
  return randomBytes(16).toString('base64url');
}
