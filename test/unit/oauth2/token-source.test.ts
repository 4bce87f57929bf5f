import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grantBinding, isFresh, RefreshingTokenSource } from '../../../electron/engine/oauth2/access-tokens.js';
import { FileGrantStore, type StoredGrant } from '../../../electron/engine/oauth2/grant-store.js';
import type { ProviderAuth } from '../../../electron/engine/oauth2/providers.js';
import { redactSecrets } from '../../../electron/engine/secrets.js';

const auth: ProviderAuth = { method: 'oauth2', provider: 'custom', clientId: 'cid', authorizationUrl: 'https://id.example/a', tokenUrl: 'https://id.example/token' };

function grant(over: Partial<StoredGrant> = {}): StoredGrant {
  return { binding: grantBinding(auth), refreshToken: 'rt-0', accessToken: null, expiresAt: null, obtainedAt: null, scope: null, identity: null, signedInAt: new Date().toISOString(), refusedReason: null, ...over };
}

/** A token endpoint that rotates: each refresh token works once and yields the next. */
function rotatingEndpoint(opts: { lifetime?: number; refuse?: boolean } = {}) {
  const calls: URLSearchParams[] = [];
  let n = 0;
  let live = 'rt-0';
  const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = new URLSearchParams(String(init?.body));
    calls.push(body);
    if (opts.refuse || body.get('refresh_token') !== live) {
      return new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'grant request is invalid' }), { status: 400 });
    }
    n++;
    live = `rt-${n}`;
    return new Response(JSON.stringify({ access_token: `at-${n}-secret-value`, token_type: 'Bearer', expires_in: opts.lifetime ?? 3600, refresh_token: live }));
  }) as typeof fetch;
  return { fetchImpl, calls };
}

async function store(initial: StoredGrant | null) {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-grant-'));
  const s = new FileGrantStore(join(dir, 'acct', 'oauth2-remote.json'));
  if (initial) await s.write(initial);
  return s;
}

describe('RefreshingTokenSource', () => {
  it('refreshes, stores the rotated refresh token (0600) before handing out the access token, then reuses it while fresh', async () => {
    const s = await store(grant());
    const ep = rotatingEndpoint();
    const source = new RefreshingTokenSource(auth, s, 'sign in again: mailferry login --account a', ep.fetchImpl);
    const [a, b] = await Promise.all([source.get(), source.get()]);
    expect(a).toBe('at-1-secret-value');
    expect(b).toBe(a);
    expect(ep.calls).toHaveLength(1);
    expect(ep.calls[0]!.get('grant_type')).toBe('refresh_token');
    expect(ep.calls[0]!.get('client_id')).toBe('cid');
    const kept = await s.read();
    expect(kept).toMatchObject({ refreshToken: 'rt-1', accessToken: 'at-1-secret-value' });
    expect((await stat(s.where)).mode & 0o777).toBe(0o600);
    expect(redactSecrets('token at-1-secret-value here')).not.toContain('at-1-secret-value');
    // A second process (another source on the same file) takes the stored token: no request.
    const other = new RefreshingTokenSource(auth, s, 'x', ep.fetchImpl);
    expect(await other.get()).toBe('at-1-secret-value');
    expect(ep.calls).toHaveLength(1);
  });

  it('a refused token is never handed out again: the next get() refreshes', async () => {
    const s = await store(grant());
    const ep = rotatingEndpoint();
    const source = new RefreshingTokenSource(auth, s, 'x', ep.fetchImpl);
    const first = await source.get();
    source.refused(first);
    expect(await source.get()).toBe('at-2-secret-value');
    expect((await s.read())!.refreshToken).toBe('rt-2');
  });

  it('invalid_grant: recorded in the file, "sign in again", and no further request', async () => {
    const s = await store(grant());
    const ep = rotatingEndpoint({ refuse: true });
    const source = new RefreshingTokenSource(auth, s, 'sign in again: mailferry login --account a', ep.fetchImpl);
    await expect(source.get()).rejects.toThrow(/no longer accepts the sign-in.*; sign in again: mailferry login --account a$/);
    expect(source.signInRequired).toBe(true);
    expect(await s.read()).toMatchObject({ refreshToken: null, accessToken: null, refusedReason: expect.stringMatching(/invalid/) });
    await expect(source.get()).rejects.toThrow(/sign in again/);
    expect(ep.calls).toHaveLength(1);
  });

  it('a grant made for other auth settings is not used', async () => {
    const s = await store(grant({ binding: grantBinding({ ...auth, clientId: 'other' }) }));
    const ep = rotatingEndpoint();
    await expect(new RefreshingTokenSource(auth, s, 'sign in again', ep.fetchImpl).get()).rejects.toThrow(/belongs to other auth settings.*sign in again/);
    expect(ep.calls).toHaveLength(0);
  });

  it('tokens are replaced a minute before they expire, or at half their lifetime when that is shorter', () => {
    const now = 1_000_000;
    expect(isFresh({ obtainedAt: now, expiresAt: now + 3600_000 }, now + 3500_000)).toBe(true);
    expect(isFresh({ obtainedAt: now, expiresAt: now + 3600_000 }, now + 3545_000)).toBe(false);
    expect(isFresh({ obtainedAt: now, expiresAt: now + 10_000 }, now + 4_000)).toBe(true);
    expect(isFresh({ obtainedAt: now, expiresAt: now + 10_000 }, now + 6_000)).toBe(false);
    expect(isFresh({ obtainedAt: now, expiresAt: null }, now + 60_000)).toBe(true);
    expect(isFresh({ obtainedAt: now, expiresAt: null }, now + 301_000)).toBe(false);
  });

  it('the grant file is replaced whole: no temporary file is left', async () => {
    const s = await store(grant());
    await new RefreshingTokenSource(auth, s, 'x', rotatingEndpoint().fetchImpl).get();
    const text = await readFile(s.where, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'mailferry-oauth2-grant', version: 1 });
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(s.where, '..'))).toEqual(['oauth2-remote.json']);
  });
});
