import type { OAuth2AuthConfig } from '../../../shared/config.js';
import { OAuth2Error } from './oauth2-error.js';

/**
 * What a sign-in needs to know about an authorization server. The presets know Google's and
 * Microsoft's; a custom provider names its endpoints or its issuer, whose OpenID discovery
 * document (`/.well-known/openid-configuration`) names them.
 */
export interface ProviderEndpoints {
  /** Where the browser signs in; null when only the device flow is possible. */
  authorizationUrl: string | null;
  tokenUrl: string;
  /** RFC 8628; null when the provider has no device flow (known to us). */
  deviceAuthorizationUrl: string | null;
  /** Asked for the signed-in address when the token response carries no id_token. */
  userinfoUrl: string | null;
  /** The `iss` an authorization response must carry when it carries one (RFC 9207). */
  issuer: string | null;
  scopes: string[];
  /** Extra authorization request parameters the provider needs (Google: a refresh token only with access_type=offline). */
  extraAuthorizationParams: Record<string, string>;
}

export const GOOGLE_SCOPES = ['https://mail.google.com/'];
export const MICROSOFT_SCOPES = ['https://outlook.office.com/IMAP.AccessAsUser.All', 'offline_access'];
/** A custom provider's default: OpenID Connect with a refresh token and the address in the id_token. */
export const CUSTOM_SCOPES = ['openid', 'email', 'offline_access'];

export type ProviderAuth = OAuth2AuthConfig & { provider: NonNullable<OAuth2AuthConfig['provider']>; clientId: string };

/** Whether the auth config signs in with a provider (rather than running a tokenCommand). */
export function isProviderAuth(auth: OAuth2AuthConfig | undefined): auth is ProviderAuth {
  return auth !== undefined && auth.tokenCommand === undefined && auth.provider !== undefined && auth.clientId !== undefined;
}

/** The preset's endpoints, without any network access; null for a custom provider that needs discovery. */
export function presetEndpoints(auth: ProviderAuth): ProviderEndpoints | null {
  switch (auth.provider) {
    case 'google':
      return {
        authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenUrl: 'https://oauth2.googleapis.com/token',
        deviceAuthorizationUrl: 'https://oauth2.googleapis.com/device/code',
        userinfoUrl: null,
        issuer: 'https://accounts.google.com',
        scopes: auth.scopes ?? GOOGLE_SCOPES,
        extraAuthorizationParams: { access_type: 'offline', prompt: 'consent' },
      };
    case 'microsoft': {
      const base = `https://login.microsoftonline.com/${encodeURIComponent(auth.tenant ?? 'common')}/oauth2/v2.0`;
      return {
        authorizationUrl: `${base}/authorize`,
        tokenUrl: `${base}/token`,
        deviceAuthorizationUrl: `${base}/devicecode`,
        userinfoUrl: null,
        // Microsoft's `iss` names the user's tenant, which "common" cannot know in advance.
        issuer: null,
        scopes: auth.scopes ?? MICROSOFT_SCOPES,
        extraAuthorizationParams: {},
      };
    }
    case 'custom':
      if (auth.issuer !== undefined) return null;
      return {
        authorizationUrl: auth.authorizationUrl ?? null,
        tokenUrl: auth.tokenUrl!,
        deviceAuthorizationUrl: auth.deviceAuthorizationUrl ?? null,
        userinfoUrl: null,
        issuer: null,
        scopes: auth.scopes ?? CUSTOM_SCOPES,
        extraAuthorizationParams: openIdOffline(auth.scopes ?? CUSTOM_SCOPES),
      };
  }
}

/** The provider's endpoints; a custom issuer's are read from its discovery document. */
export async function resolveEndpoints(auth: ProviderAuth, fetchImpl: typeof fetch = fetch): Promise<ProviderEndpoints> {
  const preset = presetEndpoints(auth);
  if (preset) return preset;
  const issuer = auth.issuer!;
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let doc: Record<string, unknown>;
  try {
    const response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    doc = (await response.json()) as Record<string, unknown>;
  } catch (err) {
    throw new OAuth2Error('unreachable', null, `cannot read the OpenID discovery document of ${issuer} (${url}): ${(err as Error).message}`);
  }
  const str = (key: string) => (typeof doc[key] === 'string' ? (doc[key] as string) : null);
  if (str('issuer') !== null && str('issuer')!.replace(/\/$/, '') !== issuer.replace(/\/$/, '')) {
    throw new OAuth2Error('config', null, `the discovery document at ${url} names the issuer "${str('issuer')}", not "${issuer}"`);
  }
  const tokenUrl = auth.tokenUrl ?? str('token_endpoint');
  if (tokenUrl === null) throw new OAuth2Error('config', null, `the discovery document at ${url} names no token_endpoint`);
  return {
    authorizationUrl: auth.authorizationUrl ?? str('authorization_endpoint'),
    tokenUrl,
    deviceAuthorizationUrl: auth.deviceAuthorizationUrl ?? str('device_authorization_endpoint'),
    userinfoUrl: str('userinfo_endpoint'),
    issuer: str('issuer') ?? issuer,
    scopes: auth.scopes ?? CUSTOM_SCOPES,
    extraAuthorizationParams: openIdOffline(auth.scopes ?? CUSTOM_SCOPES),
  };
}

/** OpenID Connect Core 11: a refresh token for offline_access only when the request asks for consent. */
function openIdOffline(scopes: string[]): Record<string, string> {
  return scopes.includes('openid') && scopes.includes('offline_access') ? { prompt: 'consent' } : {};
}
