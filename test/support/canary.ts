/**
 * The secrets tests' canary passwords: they must never show up in anything Mailferry prints,
 * stores (outside the password's own place), sends to the renderer or hands to a child.
 */
export const CANARY = 'Canary-s3cr3t-7f1c9e-PW';

/** A canary with characters URL and form encodings change, so those forms differ from it. */
export const ENCODED_CANARY = 'Enc+Canary/5e2a&pw=%7';

/** The forms a password could leak in: as is, URL-encoded, base64 (also URL-safe), and inside SASL PLAIN. */
export function leakForms(password: string, user: string): string[] {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return [password, encodeURIComponent(password), base64(password), Buffer.from(password).toString('base64url'), base64(`\0${user}\0${password}`)];
}

/** The forms an OAuth2 token (access, refresh, code) could leak in, SASL payloads included. */
export function tokenLeakForms(token: string, user: string): string[] {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    token,
    encodeURIComponent(token),
    base64(token),
    Buffer.from(token).toString('base64url'),
    base64(`user=${user}\x01auth=Bearer ${token}\x01\x01`),
    `Bearer ${token}`,
  ];
}
