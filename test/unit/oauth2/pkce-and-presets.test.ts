import { describe, expect, it } from 'vitest';
import { ConfigSchema, formatConfigIssues } from '../../../shared/config.js';
import { describeProviderError } from '../../../electron/engine/oauth2/oauth2-error.js';
import { codeChallenge, newCodeVerifier, newState } from '../../../electron/engine/oauth2/pkce.js';
import { presetEndpoints, resolveEndpoints, type ProviderAuth } from '../../../electron/engine/oauth2/providers.js';

describe('PKCE', () => {
  it('S256 of the RFC 7636 appendix B verifier is the RFC challenge', () => {
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('verifiers are 43 unreserved characters (32 random octets), states 22; never the same twice', () => {
    const verifiers = new Set(Array.from({ length: 200 }, () => newCodeVerifier()));
    expect(verifiers.size).toBe(200);
    for (const v of verifiers) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newState()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newState()).not.toBe(newState());
  });
});

const auth = (a: Partial<ProviderAuth>): ProviderAuth => ({ method: 'oauth2', provider: 'google', clientId: 'cid', ...a }) as ProviderAuth;

describe('provider presets', () => {
  it('Google: its endpoints, https://mail.google.com/, and offline access with consent (or a refresh token is not given)', () => {
    expect(presetEndpoints(auth({ provider: 'google' }))).toEqual({
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      deviceAuthorizationUrl: 'https://oauth2.googleapis.com/device/code',
      userinfoUrl: null,
      issuer: 'https://accounts.google.com',
      scopes: ['https://mail.google.com/'],
      extraAuthorizationParams: { access_type: 'offline', prompt: 'consent' },
    });
  });

  it('Microsoft: the tenant ("common" by default) in every endpoint, IMAP.AccessAsUser.All plus offline_access', () => {
    expect(presetEndpoints(auth({ provider: 'microsoft' }))).toEqual({
      authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
      tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      deviceAuthorizationUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/devicecode',
      userinfoUrl: null,
      issuer: null,
      scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All', 'offline_access'],
      extraAuthorizationParams: {},
    });
    const contoso = presetEndpoints(auth({ provider: 'microsoft', tenant: 'contoso.onmicrosoft.com' }))!;
    expect(contoso.tokenUrl).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
  });

  it('scopes in the config replace the preset ones', () => {
    expect(presetEndpoints(auth({ provider: 'google', scopes: ['a', 'b'] }))!.scopes).toEqual(['a', 'b']);
  });

  it('custom: named endpoints, OpenID scopes with offline_access (and prompt=consent, which OpenID Connect needs for it)', () => {
    const e = presetEndpoints(auth({ provider: 'custom', authorizationUrl: 'https://id.example/a', tokenUrl: 'https://id.example/t' }))!;
    expect(e).toMatchObject({ authorizationUrl: 'https://id.example/a', tokenUrl: 'https://id.example/t', deviceAuthorizationUrl: null, scopes: ['openid', 'email', 'offline_access'], extraAuthorizationParams: { prompt: 'consent' } });
    expect(presetEndpoints(auth({ provider: 'custom', issuer: 'https://id.example' }))).toBeNull();
  });

  it('custom with an issuer: endpoints from its discovery document, whose issuer must be the one configured', async () => {
    const doc = { issuer: 'https://id.example', authorization_endpoint: 'https://id.example/auth', token_endpoint: 'https://id.example/token', device_authorization_endpoint: 'https://id.example/device', userinfo_endpoint: 'https://id.example/me' };
    const asked: string[] = [];
    const fetchDoc = (body: unknown) => (async (url: string | URL | Request) => {
      asked.push(String(url));
      return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const e = await resolveEndpoints(auth({ provider: 'custom', issuer: 'https://id.example/' }), fetchDoc(doc));
    expect(asked).toEqual(['https://id.example/.well-known/openid-configuration']);
    expect(e).toMatchObject({ authorizationUrl: 'https://id.example/auth', tokenUrl: 'https://id.example/token', deviceAuthorizationUrl: 'https://id.example/device', userinfoUrl: 'https://id.example/me', issuer: 'https://id.example' });
    await expect(resolveEndpoints(auth({ provider: 'custom', issuer: 'https://id.example' }), fetchDoc({ ...doc, issuer: 'https://evil.example' }))).rejects.toThrow(/names the issuer "https:\/\/evil.example"/);
  });
});

describe('provider errors in words', () => {
  it.each([
    ['access_denied', null, 'denied', /consent was denied/],
    ['invalid_client', null, 'invalid-client', /does not accept the client ID/],
    ['invalid_grant', 'AADSTS70008: The refresh token has expired', 'invalid-grant', /no longer accepts the sign-in.*AADSTS70008/],
    ['invalid_request', 'AADSTS65001: The user or administrator has not consented to use the application', 'consent-required', /needs an administrator to approve this app/],
    ['access_denied', 'AADSTS90094: Admin approval required', 'consent-required', /administrator/],
    ['invalid_scope', null, 'config', /refused the scopes/],
    ['temporarily_unavailable', null, 'protocol', /refused the sign-in: temporarily_unavailable/],
  ])('%s %s', (code, description, kind, text) => {
    const err = describeProviderError(code, description, 'Microsoft');
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(text);
  });
});

describe('config: auth', () => {
  const parse = (remote: Record<string, unknown>) => {
    const r = ConfigSchema.safeParse({ accounts: [{ name: 'a', remote: { type: 'imap', host: 'imap.example.org', user: 'u', ...remote }, local: { type: 'maildir', path: '/m' } }] }, { reportInput: true });
    return r.success ? [] : formatConfigIssues(r.error);
  };
  it('accepts the documented forms', () => {
    expect(parse({ auth: { method: 'oauth2', provider: 'google', clientId: 'x.apps.googleusercontent.com', clientSecret: 's' } })).toEqual([]);
    expect(parse({ auth: { method: 'oauth2', provider: 'microsoft', clientId: 'c', tenant: 'organizations' } })).toEqual([]);
    expect(parse({ auth: { method: 'oauth2', provider: 'custom', clientId: 'c', issuer: 'https://id.example', scopes: ['openid', 'mail'] } })).toEqual([]);
    expect(parse({ auth: { method: 'oauth2', provider: 'custom', clientId: 'c', authorizationUrl: 'https://id.example/a', tokenUrl: 'https://id.example/t' } })).toEqual([]);
    expect(parse({ auth: { method: 'oauth2', tokenCommand: 'oama access alice@gmail.com' } })).toEqual([]);
  });
  it.each([
    [{ auth: { method: 'oauth2', provider: 'google' } }, 'accounts[0].remote.auth.clientId: is required: the client ID of the desktop app you registered with the provider (see "Gmail and Outlook" in README.md)'],
    [{ auth: { method: 'oauth2', provider: 'yahoo', clientId: 'c' } }, 'accounts[0].remote.auth.provider: must be "google", "microsoft" or "custom" (got "yahoo")'],
    [{ auth: { method: 'oauth2', provider: 'google', clientId: 'c', tenant: 'common' } }, 'accounts[0].remote.auth.tenant: is only for provider "microsoft"'],
    [{ auth: { method: 'oauth2', provider: 'google', clientId: 'c', tokenUrl: 'https://x.example/t' } }, 'accounts[0].remote.auth.tokenUrl: is only for provider "custom" (the "google" preset knows its endpoints)'],
    [{ auth: { method: 'oauth2', provider: 'custom', clientId: 'c' } }, 'accounts[0].remote.auth: provider "custom" needs an issuer (its endpoints are read from the OpenID discovery document) or both authorizationUrl and tokenUrl'],
    [{ auth: { method: 'oauth2', provider: 'custom', clientId: 'c', issuer: 'http://id.example' } }, 'accounts[0].remote.auth.issuer: must be an https:// URL (http:// only for a loopback host such as 127.0.0.1)'],
    [{ auth: { method: 'oauth2', tokenCommand: 'x', clientId: 'c' } }, 'accounts[0].remote.auth.clientId: cannot be combined with tokenCommand (the command gets the tokens itself)'],
    [{ auth: { method: 'password' } }, 'accounts[0].remote.auth.method: must be "oauth2" (got "password")'],
    [{ auth: { method: 'oauth2', provider: 'google', clientId: 'c' }, password: 'p' }, 'accounts[0].remote: needs exactly one of password, passwordCommand, passwordEnv, auth (got password and auth)'],
    [{ auth: { method: 'oauth2', provider: 'google', clientId: 'c', scopes: ['has space'] } }, 'accounts[0].remote.auth.scopes[0]: must be a list of OAuth2 scopes (each without spaces or quotes), at least one (got "has space")'],
  ])('%j', (remote, line) => {
    expect(parse(remote)).toContain(line);
  });
  it('never repeats a client secret or a token command in a message', () => {
    const lines = parse({ auth: { method: 'oauth2', tokenCommand: 12345678, clientSecret: 87654321 } });
    expect(lines.join('\n')).not.toMatch(/12345678|87654321/);
  });
});
