import type { OAuth2AuthConfig } from '../../../shared/config.js';
import { runSecretCommand } from '../config/resolve-password.js';
import { registerSecret } from '../secrets.js';
import type { GrantStore, StoredGrant } from './grant-store.js';
import { OAuth2Error } from './oauth2-error.js';
import { resolveEndpoints, type ProviderAuth, type ProviderEndpoints } from './providers.js';
import { requestTokens, type OAuthClient } from './token-client.js';

/**
 * Where an IMAP connection gets its OAuth2 access token. One source serves every connection of
 * a side (a pass's extra connections, IDLE, watch), so a token is refreshed once for all.
 */
export interface AccessTokenSource {
  /** A token that is not about to expire. Throws OAuth2Error (kind invalid-grant: sign in again). */
  get(): Promise<string>;
  /** The server refused this token: the next get() obtains another one. */
  refused(token: string): void;
  /** True once the grant is known to be dead (until a get() succeeds again): only a new sign-in helps. */
  readonly signInRequired?: boolean;
}

/** Tokens are replaced this long before they expire (less for very short lifetimes). */
const EXPIRY_MARGIN_MS = 60_000;
/** A token of unknown lifetime (a tokenCommand's, or a provider that gives none) is reused this long. */
const UNKNOWN_LIFETIME_REUSE_MS = 5 * 60_000;

export function isFresh(token: { expiresAt: number | null; obtainedAt: number | null }, now = Date.now()): boolean {
  if (token.expiresAt === null) return token.obtainedAt !== null && now - token.obtainedAt < UNKNOWN_LIFETIME_REUSE_MS;
  const lifetime = token.obtainedAt === null ? Infinity : token.expiresAt - token.obtainedAt;
  return token.expiresAt - now > Math.min(EXPIRY_MARGIN_MS, lifetime / 2);
}

/** Identifies the app registration a grant belongs to; a grant of another one is never used. */
export function grantBinding(auth: ProviderAuth): string {
  return JSON.stringify([auth.provider, auth.clientId, auth.tenant ?? null, auth.issuer ?? null, auth.tokenUrl ?? null]);
}

export function providerName(auth: ProviderAuth): string {
  if (auth.provider === 'google') return 'Google';
  if (auth.provider === 'microsoft') return 'Microsoft';
  const url = auth.issuer ?? auth.tokenUrl ?? auth.authorizationUrl;
  try {
    return new URL(url!).host;
  } catch {
    return 'the OAuth2 provider';
  }
}

export function oauthClient(auth: ProviderAuth): OAuthClient {
  return { clientId: auth.clientId, ...(auth.clientSecret !== undefined ? { clientSecret: auth.clientSecret } : {}), providerName: providerName(auth) };
}

/**
 * Access tokens from the refresh token a sign-in stored: the stored access token while it is
 * fresh, otherwise a refresh (under the store's lock, after reading the store again, since
 * another process may have refreshed meanwhile). A rotated refresh token is stored before the
 * new access token is used. A refused grant (invalid_grant) is recorded, and every later
 * request fails at once with `signInAgain`, without asking the provider again.
 */
export class RefreshingTokenSource implements AccessTokenSource {
  private cached: { token: string; expiresAt: number | null; obtainedAt: number | null } | null = null;
  private inflight: Promise<string> | null = null;
  private readonly refusedTokens = new Set<string>();
  private endpoints: ProviderEndpoints | null = null;
  signInRequired = false;

  constructor(
    private readonly auth: ProviderAuth,
    private readonly store: GrantStore,
    /** The sentence that tells the user how to sign in again, e.g. "sign in again: mailferry login --account work". */
    private readonly signInAgain: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async get(): Promise<string> {
    if (this.cached && isFresh(this.cached) && !this.refusedTokens.has(this.cached.token)) return this.cached.token;
    this.inflight ??= this.obtain().finally(() => (this.inflight = null));
    return this.inflight;
  }

  refused(token: string): void {
    this.refusedTokens.add(token);
    if (this.cached?.token === token) this.cached = null;
  }

  private async obtain(): Promise<string> {
    return this.store.exclusive(async () => {
      const grant = await this.store.read();
      const binding = grantBinding(this.auth);
      if (grant === null) throw this.signIn('not signed in');
      if (grant.binding !== binding) throw this.signIn('the stored sign-in belongs to other auth settings (provider, clientId, tenant or issuer changed)');
      if (grant.refreshToken === null) throw this.signIn(grant.refusedReason ?? 'the sign-in no longer works');
      if (grant.accessToken && isFresh(grant) && !this.refusedTokens.has(grant.accessToken)) return this.keep(grant.accessToken, grant.expiresAt, grant.obtainedAt);
      this.endpoints ??= await resolveEndpoints(this.auth, this.fetchImpl);
      const client = oauthClient(this.auth);
      let tokens;
      try {
        tokens = await requestTokens(this.endpoints.tokenUrl, client, { grant_type: 'refresh_token', refresh_token: grant.refreshToken }, this.fetchImpl);
      } catch (err) {
        if (err instanceof OAuth2Error && (err.kind === 'invalid-grant' || err.kind === 'invalid-client')) {
          await this.store.write({ ...grant, refreshToken: null, accessToken: null, expiresAt: null, obtainedAt: null, refusedReason: err.message });
          throw this.signIn(err.message);
        }
        throw err;
      }
      const obtainedAt = Date.now();
      const next: StoredGrant = {
        ...grant,
        // Rotation: the new refresh token replaces the old one, which may already be dead.
        refreshToken: tokens.refreshToken ?? grant.refreshToken,
        accessToken: tokens.accessToken,
        expiresAt: tokens.expiresAt,
        obtainedAt,
        scope: tokens.scope ?? grant.scope,
      };
      await this.store.write(next);
      return this.keep(tokens.accessToken, tokens.expiresAt, obtainedAt);
    });
  }

  private keep(token: string, expiresAt: number | null, obtainedAt: number | null): string {
    registerSecret(token);
    this.signInRequired = false;
    this.cached = { token, expiresAt, obtainedAt };
    return token;
  }

  private signIn(why: string): OAuth2Error {
    this.signInRequired = true;
    return new OAuth2Error('invalid-grant', 'invalid_grant', `${why.replace(/[.;]\s*$/, '')}; ${this.signInAgain}`);
  }
}

/**
 * Access tokens from an external helper (auth.tokenCommand, e.g. oama or pizauth), run as a
 * passwordCommand is: its first output line is the token. It is run again when the server
 * refused the last token, or after a few minutes (the helper knows the real lifetime).
 */
export class CommandTokenSource implements AccessTokenSource {
  private cached: { token: string; obtainedAt: number } | null = null;
  private inflight: Promise<string> | null = null;

  constructor(
    private readonly command: string,
    private readonly account: string,
    private readonly hiddenEnv: readonly string[],
  ) {}

  async get(): Promise<string> {
    if (this.cached && isFresh({ expiresAt: null, obtainedAt: this.cached.obtainedAt })) return this.cached.token;
    this.inflight ??= runSecretCommand(this.command, this.account, this.hiddenEnv, 30_000, 'auth.tokenCommand', 'access token')
      .then((token) => {
        registerSecret(token);
        this.cached = { token, obtainedAt: Date.now() };
        return token;
      })
      .finally(() => (this.inflight = null));
    return this.inflight;
  }

  refused(token: string): void {
    if (this.cached?.token === token) this.cached = null;
  }
}

/** Sources live as long as the process, one per grant, so that all connections share one. */
const sources = new Map<string, AccessTokenSource>();

export function sharedSource(key: string, make: () => AccessTokenSource): AccessTokenSource {
  let source = sources.get(key);
  if (!source) sources.set(key, (source = make()));
  return source;
}

export type { OAuth2AuthConfig };
