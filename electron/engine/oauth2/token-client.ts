import { registerSecret } from '../secrets.js';
import { describeProviderError, OAuth2Error } from './oauth2-error.js';

/** What a token endpoint gave: tokens are registered as secrets as soon as they arrive. */
export interface TokenSet {
  accessToken: string;
  /** Absent when the provider keeps the old one (no rotation) or gives none. */
  refreshToken: string | null;
  /** When the access token expires (ms since the epoch); null when the provider did not say. */
  expiresAt: number | null;
  scope: string | null;
  idToken: string | null;
}

export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
  /** For messages: "Google", "Microsoft" or the provider's host. */
  providerName: string;
}

const TIMEOUT_MS = 30_000;

/** POSTs a form to an OAuth2 endpoint and returns its JSON; errors in the RFC 6749 format become OAuth2Errors. */
export async function postForm(url: string, client: OAuthClient, params: Record<string, string>, fetchImpl: typeof fetch = fetch): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({ ...params, client_id: client.clientId });
  // client_secret_post: what Google and Microsoft accept for desktop apps that have a secret.
  if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new OAuth2Error('unreachable', null, `cannot reach ${client.providerName} at ${new URL(url).origin}: ${why}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const record = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  if (record && typeof record.error === 'string') {
    throw describeProviderError(record.error, typeof record.error_description === 'string' ? record.error_description : null, client.providerName);
  }
  if (!response.ok || record === null) {
    throw new OAuth2Error('protocol', null, `${client.providerName} answered ${new URL(url).pathname} with HTTP ${response.status}${record === null ? ' and no JSON' : ''}`);
  }
  return record;
}

/** A token endpoint request (RFC 6749 section 4.1.3, 6; RFC 8628 3.4). */
export async function requestTokens(tokenUrl: string, client: OAuthClient, params: Record<string, string>, fetchImpl: typeof fetch = fetch): Promise<TokenSet> {
  const sent = Date.now();
  const json = await postForm(tokenUrl, client, params, fetchImpl);
  return tokenSetFrom(json, sent, client.providerName);
}

export function tokenSetFrom(json: Record<string, unknown>, sentAt: number, providerName: string): TokenSet {
  const str = (key: string) => (typeof json[key] === 'string' && json[key] !== '' ? (json[key] as string) : null);
  const accessToken = str('access_token');
  if (accessToken === null) throw new OAuth2Error('protocol', null, `${providerName} sent no access_token`);
  const type = str('token_type');
  if (type !== null && type.toLowerCase() !== 'bearer') throw new OAuth2Error('protocol', null, `${providerName} sent a token of type "${type}", not a bearer token`);
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : typeof json.expires_in === 'string' ? Number(json.expires_in) : NaN;
  const set: TokenSet = {
    accessToken,
    refreshToken: str('refresh_token'),
    // Counted from when the request went out, so a slow answer errs on the early side.
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? sentAt + expiresIn * 1000 : null,
    scope: str('scope'),
    idToken: str('id_token'),
  };
  for (const secret of [set.accessToken, set.refreshToken, set.idToken]) if (secret) registerSecret(secret);
  return set;
}

/** The claims of an id_token, unverified: it came straight from the token endpoint over TLS (OpenID Connect Core 3.1.3.7). */
export function idTokenClaims(idToken: string | null): Record<string, unknown> | null {
  if (!idToken) return null;
  const payload = idToken.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The address an id_token or userinfo names: email, else Microsoft's preferred_username / upn. */
export function identityFrom(claims: Record<string, unknown> | null): string | null {
  if (!claims) return null;
  for (const key of ['email', 'preferred_username', 'upn']) {
    const v = claims[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}
