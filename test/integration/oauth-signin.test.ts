import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DovecotUser } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { login, oauthAccount, runCliLive, startOAuthWorld, type OAuthWorld } from '../support/oauth-world.js';

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

async function userWithMail(count: number): Promise<DovecotUser> {
  const user = await world.server.addUser();
  const fx = await connect(world.server, user);
  for (let i = 0; i < count; i++) await fx.append('INBOX', makeMessage({ subject: `oauth ${i}` }));
  await fx.close();
  return user;
}

describe('mailferry login, then sync', () => {
  it('signs in through the browser flow, keeps the grant in a 0600 file, and syncs with the token', async () => {
    const user = await userWithMail(3);
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
