import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerSecret } from '../secrets.js';
import { describeProviderError, OAuth2Error } from './oauth2-error.js';
import { codeChallenge, newCodeVerifier, newState } from './pkce.js';
import type { ProviderEndpoints } from './providers.js';
import { identityFrom, idTokenClaims, postForm, requestTokens, type OAuthClient, type TokenSet } from './token-client.js';

export interface SignInResult {
  tokens: TokenSet;
  /** The signed-in address from the id_token or userinfo, when the provider tells it. */
  identity: string | null;
}

export interface BrowserSignIn {
  endpoints: ProviderEndpoints;
  client: OAuthClient;
  /** The account's user name, offered to the provider's sign-in page. */
  loginHint?: string;
  /** How long to wait for the redirect; 5 minutes by default. */
  timeoutMs?: number;
  /** Called with the address to open in a browser once the listener is ready. */
  onAuthorizationUrl(url: string): void | Promise<void>;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * The authorization code flow for a native app (RFC 8252): PKCE with S256 (RFC 7636), a random
 * `state`, and a redirect to a listener on 127.0.0.1 on a port the system picks, which takes
 * exactly one response for this sign-in, says so in the browser tab, and stops.
 */
export async function signInWithBrowser(req: BrowserSignIn): Promise<SignInResult> {
  const { endpoints, client } = req;
  if (endpoints.authorizationUrl === null) {
    throw new OAuth2Error('config', null, `no authorization endpoint is known for ${client.providerName}: set auth.authorizationUrl, or sign in with --device`);
  }
  const verifier = newCodeVerifier();
  const state = newState();
  registerSecret(verifier);
  registerSecret(state);
  const listener = await listenForRedirect(state, endpoints.issuer, client.providerName, req.timeoutMs ?? DEFAULT_TIMEOUT_MS, req.signal);
  try {
    const url = new URL(endpoints.authorizationUrl);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: listener.redirectUri,
      scope: endpoints.scopes.join(' '),
      state,
      code_challenge: codeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(req.loginHint ? { login_hint: req.loginHint } : {}),
      ...endpoints.extraAuthorizationParams,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    await req.onAuthorizationUrl(url.href);
    const code = await listener.code;
    registerSecret(code);
    const tokens = await requestTokens(endpoints.tokenUrl, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: listener.redirectUri,
      code_verifier: verifier,
    });
    return { tokens, identity: await identity(tokens, endpoints) };
  } finally {
    listener.close();
  }
}

interface RedirectListener {
  redirectUri: string;
  code: Promise<string>;
  close(): void;
}

function listenForRedirect(state: string, issuer: string | null, providerName: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<RedirectListener> {
  let settle: { resolve(code: string): void; reject(err: Error): void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // Nobody may be awaiting yet when it fails (the URL is still being opened).
  code.catch(() => undefined);
  let done = false;
  const server = createServer((request, response) => {
    const outcome = handleRedirect(request, state, issuer, providerName);
    if (outcome === null) {
      page(response, 404, 'Not found', 'This address only takes the sign-in response for Mailferry.');
      return;
    }
    if (done) {
      page(response, 410, 'Already done', 'Mailferry already took a sign-in response; you can close this tab.');
      return;
    }
    done = true;
    if (outcome instanceof OAuth2Error) {
      page(response, 400, 'Sign-in failed', `${outcome.message}. You can close this tab and try again: mailferry login.`);
      finish(() => settle.reject(outcome));
    } else {
      page(response, 200, 'Signed in', 'Mailferry is signed in. You can close this tab.');
      finish(() => settle.resolve(outcome.code));
    }
  });
  const timer = setTimeout(() => {
    done = true;
    finish(() => settle.reject(new OAuth2Error('timeout', null, `the sign-in was not finished within ${Math.round(timeoutMs / 1000)} s; run the command again (or use --device on a machine without a browser)`)));
  }, timeoutMs);
  const onAbort = () => {
    done = true;
    finish(() => settle.reject(new OAuth2Error('timeout', null, 'the sign-in was cancelled')));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  function finish(then: () => void): void {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The answer goes out before the sockets are closed.
    server.close();
    setImmediate(() => server.closeAllConnections());
    then();
  }
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new OAuth2Error('config', null, `cannot listen on 127.0.0.1 for the sign-in response: ${err.message}`)));
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        redirectUri: `http://127.0.0.1:${port}/`,
        code,
        close: () => {
          if (done) return;
          done = true;
          finish(() => settle.reject(new OAuth2Error('timeout', null, 'the sign-in was stopped')));
        },
      });
    });
  });
}

/** null: not a sign-in response at all (a favicon, a stray visit); otherwise the code or why it failed. */
function handleRedirect(request: IncomingMessage, state: string, issuer: string | null, providerName: string): { code: string } | OAuth2Error | null {
  if (request.method !== 'GET' || !request.url) return null;
  const url = new URL(request.url, 'http://127.0.0.1');
  if (url.pathname !== '/') return null;
  const q = url.searchParams;
  if (!q.has('state') && !q.has('code') && !q.has('error')) return null;
  if (q.get('state') !== state) {
    return new OAuth2Error('state-mismatch', null, 'the browser brought back a sign-in response that does not belong to this sign-in (its state does not match); nothing was stored');
  }
  // RFC 9207: a response from another authorization server than the one asked is refused.
  const iss = q.get('iss');
  if (iss !== null && issuer !== null && iss.replace(/\/$/, '') !== issuer.replace(/\/$/, '')) {
    return new OAuth2Error('state-mismatch', null, `the sign-in response comes from "${iss}", not from ${issuer}; nothing was stored`);
  }
  const error = q.get('error');
  if (error !== null) return describeProviderError(error, q.get('error_description'), providerName);
  const code = q.get('code');
  if (!code) return new OAuth2Error('protocol', null, `${providerName} redirected back without an authorization code`);
  return { code };
}

function page(response: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mailferry: ${escape(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:4em auto"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  });
  response.end(body);
}

export interface DeviceCodeInfo {
  verificationUri: string;
  /** The address with the code in it, when the provider gives one. */
  verificationUriComplete: string | null;
  userCode: string;
  expiresInSeconds: number;
}

export interface DeviceSignIn {
  endpoints: ProviderEndpoints;
  client: OAuthClient;
  timeoutMs?: number;
  onUserCode(info: DeviceCodeInfo): void | Promise<void>;
  signal?: AbortSignal;
}

/** The device authorization grant (RFC 8628): a code to enter on any device with a browser, polled for. */
export async function signInWithDevice(req: DeviceSignIn): Promise<SignInResult> {
  const { endpoints, client } = req;
  if (endpoints.deviceAuthorizationUrl === null) {
    throw new OAuth2Error('config', null, `${client.providerName} has no device sign-in known to Mailferry (set auth.deviceAuthorizationUrl, or sign in without --device)`);
  }
  const json = await postForm(endpoints.deviceAuthorizationUrl, client, { scope: endpoints.scopes.join(' ') });
  const str = (key: string) => (typeof json[key] === 'string' && json[key] !== '' ? (json[key] as string) : null);
  const deviceCode = str('device_code');
  const userCode = str('user_code');
  // Google spells it verification_url.
  const verificationUri = str('verification_uri') ?? str('verification_url');
  if (!deviceCode || !userCode || !verificationUri) throw new OAuth2Error('protocol', null, `${client.providerName} sent an incomplete device authorization response`);
  registerSecret(deviceCode);
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 600;
  let interval = typeof json.interval === 'number' && json.interval > 0 ? json.interval : 5;
  await req.onUserCode({ verificationUri, verificationUriComplete: str('verification_uri_complete'), userCode, expiresInSeconds: expiresIn });
  const deadline = Date.now() + Math.min(expiresIn * 1000, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    await sleep(interval * 1000, req.signal);
    if (Date.now() > deadline) throw new OAuth2Error('timeout', null, 'the device sign-in was not finished in time; run the command again');
    try {
      const tokens = await requestTokens(endpoints.tokenUrl, client, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode });
      return { tokens, identity: await identity(tokens, endpoints) };
    } catch (err) {
      if (err instanceof OAuth2Error && err.code === 'authorization_pending') continue;
      if (err instanceof OAuth2Error && err.code === 'slow_down') {
        interval += 5;
        continue;
      }
      throw err;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OAuth2Error('timeout', null, 'the sign-in was cancelled'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new OAuth2Error('timeout', null, 'the sign-in was cancelled'));
    }, { once: true });
  });
}

/** Who signed in: the id_token's address, else the userinfo endpoint's, else unknown. */
async function identity(tokens: TokenSet, endpoints: ProviderEndpoints): Promise<string | null> {
  const fromIdToken = identityFrom(idTokenClaims(tokens.idToken));
  if (fromIdToken || endpoints.userinfoUrl === null) return fromIdToken;
  try {
    const response = await fetch(endpoints.userinfoUrl, { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return null;
    return identityFrom((await response.json()) as Record<string, unknown>);
  } catch {
    return null;
  }
}
