import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { login, oauthAccount, runCliLive, startOAuthWorld, userWithMail, type OAuthWorld } from '../support/oauth-world.js';

/**
 * Sign-in with OAuth2 end to end, through the real CLI: a real authorization server
 * (oidc-provider) and a Dovecot that checks each token by introspection at it.
 */
let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
});
afterAll(async () => {
  await world?.stop();
});

const mailUser = (count: number) => userWithMail(world, count, 'oauth');

describe('mailferry login, then sync', () => {
  it('signs in through the browser flow, keeps the grant in a 0600 file, and syncs with the token', async () => {
    const user = await mailUser(3);
    const acct = await oauthAccount(world, user);
    const r = await login(acct.configPath, user.user);
    expect(r.code, r.stderr).toBe(0);
    expect(r.pages).toHaveLength(1);
    expect(r.pages[0]!.status).toBe(200);
    expect(r.pages[0]!.body).toContain('You can close this tab');
    expect(r.stdout).toContain(`signed in as ${user.user}`);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
    const url = new URL(lines[0]!);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // The listener took its one redirect and is gone.
    await expect(fetch(url.searchParams.get('redirect_uri')!)).rejects.toThrow();
    expect((await stat(acct.grantFile)).mode & 0o777).toBe(0o600);
    const grant = await acct.grant();
    expect(grant.refreshToken).toEqual(expect.any(String));
    expect(grant.identity).toBe(user.user);

    const sync = await runCliLive(['sync', '--config', acct.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(3);
  });
});

describe('access tokens run out', () => {
  it('between passes: refreshed before use, the rotated refresh token stored at once and used next time', async () => {
    const user = await mailUser(2);
    const acct = await oauthAccount(world, user);
    world.provider.setAccessTokenTtl(2);
    try {
      expect((await login(acct.configPath, user.user)).code).toBe(0);
      const signedIn = await acct.grant();
      await sleep(2500);
      const refreshesBefore = world.provider.grants.filter((g) => g === 'refresh_token').length;
      const first = await runCliLive(['sync', '--config', acct.configPath]);
      expect(first.code, first.stderr).toBe(0);
      expect(world.provider.grants.filter((g) => g === 'refresh_token').length).toBe(refreshesBefore + 1);
      const rotated = await acct.grant();
      expect(rotated.refreshToken).not.toBe(signedIn.refreshToken);
      expect(rotated.accessToken).not.toBe(signedIn.accessToken);
      // The old refresh token is spent: only the stored new one can work from here on.
      await sleep(2500);
      const fx = await connect(world.server, user);
      await fx.append('INBOX', makeMessage({ subject: 'after rotation' }));
      await fx.close();
      const second = await runCliLive(['sync', '--config', acct.configPath]);
      expect(second.code, second.stderr).toBe(0);
      expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(3);
      expect((await acct.grant()).refreshToken).not.toBe(rotated.refreshToken);
    } finally {
      world.provider.setAccessTokenTtl(60);
    }
  });

  it('during a long pass: a connection opened after the token expired gets a fresh one', async () => {
    const user = await world.server.addUser();
    const fx = await connect(world.server, user);
    const body = 'x'.repeat(76) + '\r\n';
    for (let i = 0; i < 12; i++) await fx.append('INBOX', makeMessage({ subject: `big ${i}`, body: body.repeat(700) }));
    await fx.close();
    const proxy = await startFaultProxy(world.server, { lifetimeMs: 60_000 });
    try {
      const acct = await oauthAccount(world, user, undefined, { port: proxy.port });
      world.provider.setAccessTokenTtl(1);
      expect((await login(acct.configPath, user.user)).code).toBe(0);
      // The pass's connection downloads slowly (about 6 s for the folder), and the server drops
      // it after 2.5 s, long after its token expired: the folder goes on over a new login.
      proxy.addFault({ direction: 'toClient', times: 1, at: { after: ' FETCH ' }, action: { trickle: { bytes: 4096, everyMs: 40 } } });
      const refreshes = () => world.provider.grants.filter((g) => g === 'refresh_token').length;
      const running = runCliLive(['sync', '--config', acct.configPath]);
      for (let i = 0; i < 100 && proxy.fired.length === 0; i++) await sleep(100);
      expect(proxy.fired.join('\n')).toMatch(/trickle/);
      await sleep(1500);
      expect(await localMessages(acct.maildir, 'INBOX').then((m) => m.length, () => 0)).toBeLessThan(12);
      const beforeKick = refreshes();
      await world.server.kick(user.user);
      const sync = await running;
      expect(sync.code, sync.stderr).toBe(0);
      // The new login came after the first token had expired: it took a refreshed one.
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(refreshes()).toBeGreaterThan(beforeKick);
      expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(12);
    } finally {
      world.provider.setAccessTokenTtl(60);
      await proxy.stop();
    }
  });
});

describe('a sign-in that no longer works', () => {
  it('a revoked grant stops the account with "sign in again", after one refused token and one refused refresh, without retrying', async () => {
    const user = await mailUser(1);
    const acct = await oauthAccount(world, user);
    expect((await login(acct.configPath, user.user)).code).toBe(0);
    const grant = await acct.grant();
    await world.provider.revoke(grant.refreshToken as string);
    expect((await world.provider.introspect(grant.accessToken as string)).active).toBe(false);
    const errorsBefore = world.provider.grantErrors.length;
    const sync = await runCliLive(['sync', '--config', acct.configPath]);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/^mail: FAILED: .*sign in again: mailferry login --account mail$/m);
    expect(sync.stderr).not.toMatch(/trying again/);
    expect(world.provider.grantErrors.slice(errorsBefore)).toEqual(['invalid_grant']);
    const after = await acct.grant();
    expect(after.refreshToken).toBeNull();
    // The next run knows without asking the provider again.
    const again = await runCliLive(['sync', '--config', acct.configPath, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).accounts[0].error).toMatch(/sign in again: mailferry login --account mail/);
    expect(world.provider.grantErrors.length).toBe(errorsBefore + 1);
    // Signing in again repairs it.
    expect((await login(acct.configPath, user.user)).code).toBe(0);
    expect((await runCliLive(['sync', '--config', acct.configPath])).code).toBe(0);
    expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(1);
  });

  it('logout forgets the grant; sync then asks to sign in', async () => {
    const user = await mailUser(0);
    const acct = await oauthAccount(world, user);
    expect((await login(acct.configPath, user.user)).code).toBe(0);
    const out = await runCliLive(['logout', '--config', acct.configPath, '--account', 'mail']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/signed out/);
    await expect(stat(acct.grantFile)).rejects.toThrow(/ENOENT/);
    const sync = await runCliLive(['sync', '--config', acct.configPath]);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(/not signed in; sign in again: mailferry login --account mail/);
  });
});

describe('sign-ins that fail say why', () => {
  it('consent denied', async () => {
    const user = await world.server.addUser();
    const acct = await oauthAccount(world, user);
    const r = await login(acct.configPath, user.user, { deny: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/access was not granted: the sign-in was cancelled or consent was denied/);
    expect(r.pages[0]!.status).toBe(400);
    expect(r.pages[0]!.body).toContain('Sign-in failed');
    await expect(stat(acct.grantFile)).rejects.toThrow(/ENOENT/);
  });

  it('a redirect with another state is refused and nothing is stored', async () => {
    const user = await world.server.addUser();
    const acct = await oauthAccount(world, user);
    const r = await login(acct.configPath, user.user, {
      tamper: (url) => {
        url.searchParams.set('state', 'not-the-state-mailferry-sent');
        return url;
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not belong to this sign-in \(its state does not match\); nothing was stored/);
    expect(r.pages[0]!.status).toBe(400);
    await expect(stat(acct.grantFile)).rejects.toThrow(/ENOENT/);
  });

  it('an unknown client ID', async () => {
    const user = await world.server.addUser();
    const acct = await oauthAccount(world, user, { method: 'oauth2', provider: 'custom', issuer: world.provider.issuer, clientId: 'nobody-registered-this' });
    const r = await runCliLive(['login', '--config', acct.configPath, '--account', 'mail', '--no-browser', '--timeout', '3'], {
      onLine: async (line) => {
        if (!/^https?:/.test(line)) return;
        const page = await fetch(line, { redirect: 'manual' });
        // oidc-provider shows its own error page for a client it does not know (no redirect to an unverified URI).
        expect(page.status).toBe(400);
        expect(await page.text()).toMatch(/invalid_client/);
      },
    });
    await Promise.all(r.actions);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not finished within 3 s/);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
