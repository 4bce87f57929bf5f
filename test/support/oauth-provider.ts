import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { HOST } from './server-process.js';

/**
 * A real OAuth2 / OpenID Connect authorization server on loopback for the sign-in tests: the
 * `oidc-provider` package (OpenID-certified) with
 *  - a public native client (PKCE required, loopback redirect on any port, RFC 8252), allowed
 *    the authorization code, refresh token (rotated on every use, as oidc-provider does for
 *    public clients) and device code grants;
 *  - a confidential client that may introspect tokens (RFC 7662), which is what Dovecot uses;
 *  - short, adjustable token lifetimes;
 *  - the development login and consent forms: any login name is accepted and becomes `sub`
 *    (and `email`), so a test signs in as its IMAP user.
 */
export interface TestOAuthProvider {
  readonly issuer: string;
  /** The public client Mailferry uses. */
  readonly clientId: string;
  /** Dovecot's: the confidential client, for introspection. */
  readonly introspection: { clientId: string; clientSecret: string; url: string };
  /** The introspection URL with the credentials in it, as Dovecot's oauth2 passdb wants it. */
  readonly dovecotIntrospectionUrl: string;
  /** Seconds an access token lives, from the next one issued on. */
  setAccessTokenTtl(seconds: number): void;
  /** Token endpoint successes, in order: the grant type of each ("authorization_code", "refresh_token", …). */
  readonly grants: string[];
  /** Token endpoint refusals, in order: the error of each ("invalid_grant", …). */
  readonly grantErrors: string[];
  /** Revokes the grant behind a refresh token (RFC 7009 at the revocation endpoint): every token of it dies. */
  revoke(refreshToken: string): Promise<void>;
  /** What introspection says of a token. */
  introspect(token: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface OAuthProviderOptions {
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
}

export async function startOAuthProvider(opts: OAuthProviderOptions = {}): Promise<TestOAuthProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${HOST}:${port}`;
  const clientId = 'mailferry-test';
  const introspection = { clientId: 'dovecot', clientSecret: randomBytes(12).toString('hex'), url: `${issuer}/token/introspection` };
  let accessTokenTtl = opts.accessTokenTtl ?? 60;
  const refreshTokenTtl = opts.refreshTokenTtl ?? 3600;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
      {
        client_id: introspection.clientId,
        client_secret: introspection.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        redirect_uris: [],
        response_types: [],
      },
    ],
    scopes: ['openid', 'email', 'offline_access', 'mail'],
    claims: { openid: ['sub'], email: ['email'] },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, email: id }) }),
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => client.clientId === introspection.clientId },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: () => accessTokenTtl,
      RefreshToken: () => refreshTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: 300,
      IdToken: 300,
      Grant: refreshTokenTtl,
      Interaction: 300,
      Session: 3600,
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  const grants: string[] = [];
  const grantErrors: string[] = [];
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type?: string } } }) => grants.push(String(ctx.oidc.params.grant_type)));
  provider.on('grant.error', (_ctx: unknown, err: { error?: string }) => grantErrors.push(String(err.error)));
  // The development interactions warn on every start; tests need no reminder.
  provider.on('server_error', (_ctx: unknown, err: Error) => process.stderr.write(`oidc-provider: ${err.stack}\n`));
  server.on('request', provider.callback());
  const basic = `Basic ${Buffer.from(`${introspection.clientId}:${introspection.clientSecret}`).toString('base64')}`;
  return {
    issuer,
    clientId,
    introspection,
    dovecotIntrospectionUrl: `http://${introspection.clientId}:${introspection.clientSecret}@${HOST}:${port}/token/introspection`,
    grants,
    grantErrors,
    setAccessTokenTtl(seconds) {
      accessTokenTtl = seconds;
    },
    async revoke(refreshToken) {
      const r = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: clientId }),
      });
      if (!r.ok) throw new Error(`revocation failed: HTTP ${r.status} ${await r.text()}`);
    },
    async introspect(token) {
      const r = await fetch(introspection.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams({ token }),
      });
      return (await r.json()) as Record<string, unknown>;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A browser for oidc-provider's development pages, as a person would use them: follows
 * redirects one by one, keeps cookies, fills in the login form with `login`, and either
 * accepts the consent form or takes the page's "abort" link (consent denied). Stops at the
 * first redirect to another origin than the provider's (the app's loopback listener), which
 * it then visits, returning that page: what "you can close this tab" says.
 */
export async function completeSignIn(startUrl: string, opts: { login: string; deny?: boolean; tamper?: (url: URL) => URL }): Promise<{ url: string; status: number; body: string }> {
  const origin = new URL(startUrl).origin;
  const cookies = new Map<string, string>();
  const remember = (r: Response) => {
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  let request: { url: string; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: startUrl, method: 'GET' };
  for (let step = 0; step < 30; step++) {
    const target = new URL(request.url, origin);
    if (target.origin !== origin) {
      const finalUrl = opts.tamper ? opts.tamper(target) : target;
      const r = await fetch(finalUrl, { redirect: 'manual' });
      return { url: finalUrl.href, status: r.status, body: await r.text() };
    }
    const r = await fetch(target, {
      method: request.method,
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(request.body ? { body: request.body } : {}),
    });
    remember(r);
    if (r.status >= 300 && r.status < 400) {
      request = { url: new URL(r.headers.get('location')!, target).href, method: 'GET' };
      continue;
    }
    const html = await r.text();
    if (r.status !== 200) throw new Error(`${target.href}: HTTP ${r.status}: ${html.slice(0, 500)}`);
    const form = firstForm(html);
    if (/Sign-in Success/.test(html) && !form) return { url: target.href, status: r.status, body: html };
    if (!form) throw new Error(`no form on ${target.href}: ${html.slice(0, 500)}`);
    if (opts.deny && form.fields.get('prompt') === 'consent') {
      const abort = /<a href="([^"]+)"[^>]*>\s*\[\s*(?:Cancel|Abort)/i.exec(html) ?? /href="([^"]*\/abort)"/.exec(html);
      if (!abort) throw new Error(`no abort link on the consent page: ${html.slice(0, 500)}`);
      request = { url: new URL(decodeEntities(abort[1]!), target).href, method: 'GET' };
      continue;
    }
    if (form.fields.has('login')) {
      form.fields.set('login', opts.login);
      form.fields.set('password', 'any');
    }
    request = { url: new URL(form.action, target).href, method: 'POST', body: new URLSearchParams([...form.fields]) };
  }
  throw new Error('the sign-in did not finish in 30 steps');
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x2F;/gi, '/').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
}

function firstForm(html: string): { action: string; fields: Map<string, string> } | null {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return null;
  const action = /action="([^"]*)"/i.exec(m[1]!)?.[1] ?? '';
  const fields = new Map<string, string>();
  for (const input of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = /name="([^"]*)"/i.exec(input[1]!)?.[1];
    if (!name) continue;
    fields.set(name, decodeEntities(/value="([^"]*)"/i.exec(input[1]!)?.[1] ?? ''));
  }
  return { action: decodeEntities(action), fields };
}
