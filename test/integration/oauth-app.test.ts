import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/service/api/api-dispatch.js';
import { grantKey } from '../../electron/service/accounts/oauth-grants.js';
import { AppService, type AppServiceOptions } from '../../electron/service/app-service.js';
import { nodeEngineLauncher } from '../../electron/service/engine/node-launcher.js';
import type { SecretStore } from '../../electron/service/secrets/secret-store.js';
import { jsonFileSettingsStore } from '../../electron/service/settings/settings-store.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { completeSignIn } from '../support/oauth-provider.js';
import { login, oauthAccount, startOAuthWorld, type OAuthWorld } from '../support/oauth-world.js';

/**
 * OAuth2 in the app's service with the real engine host: the host asks the service for every
 * access token (the refresh token stays in the service), under `serve` from the CLI's sign-in,
 * on the desktop from a sign-in the service runs through the system browser into its secret store.
 */
let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
});
afterAll(async () => {
  await world?.stop();
  await removeBuiltBundles();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startService(configPath: string, dir: string, mode: AppServiceOptions['mode'], keeping: AppServiceOptions['passwordKeeping'], openExternal?: (url: string) => Promise<void>) {
  const { engineHost } = await builtBundles();
  const service = await AppService.start({
    mode,
    version: '0.0.0-test',
    configPath,
    appDataDir: join(dir, 'app'),
    settings: jsonFileSettingsStore(join(dir, 'app', 'settings.json')),
    passwordKeeping: keeping,
    launcher: nodeEngineLauncher(engineHost),
    firstPassDelayMs: 60_000,
    ...(openExternal ? { openExternal } : {}),
  });
  const call = async (method: string, params: unknown = {}) => {
    const envelope = await dispatch(service.handlers, method, params);
    if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
    return envelope.result as any;
  };
  return { service, call };
}

async function untilAccount(call: (m: string, p?: unknown) => Promise<any>, name: string, done: (view: any) => boolean): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const view = await call('getAccount', { account: name });
    if (done(view.account ?? view)) return view.account ?? view;
    await sleep(100);
  }
  throw new Error(`account ${name} never got there: ${JSON.stringify(await call('getAccount', { account: name }))}`);
}

describe('OAuth2 in the app', () => {
  it('serve: syncs with the CLI\'s sign-in, and a revoked grant shows as "signin-required"', async () => {
    const user = await world.server.addUser();
    const fx = await connect(world.server, user);
    await fx.append('INBOX', makeMessage({ subject: 'via serve' }));
    await fx.close();
    const acct = await oauthAccount(world, user);
    world.provider.setAccessTokenTtl(2);
    try {
      expect((await login(acct.configPath, user.user)).code).toBe(0);
      await sleep(2100);
      const { service, call } = await startService(acct.configPath, acct.dir, 'headless', { kind: 'config-file' });
      try {
        const accounts = await call('listAccounts');
        expect(accounts[0].remote.passwordSource).toBe('oauth2');
        await call('syncNow', { account: 'mail' });
        await untilAccount(call, 'mail', (a) => a.state === 'up-to-date');
        expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(1);
        // The refresh happened in the service and was stored in the CLI's file.
        expect(((JSON.parse(await readFile(acct.grantFile, 'utf8')) as { obtainedAt: number }).obtainedAt)).toBeGreaterThan(Date.now() - 10_000);
        await world.provider.revoke((JSON.parse(await readFile(acct.grantFile, 'utf8')) as { refreshToken: string }).refreshToken);
        await sleep(2100);
        await call('syncNow', { account: 'mail' });
        const failed = await untilAccount(call, 'mail', (a) => a.state === 'error');
        expect(failed.lastError.kind).toBe('signin-required');
        expect(failed.lastError.message).toMatch(/sign in again: mailferry login --account mail/);
        // The config file got no token.
        expect(await readFile(acct.configPath, 'utf8')).not.toMatch(/refreshToken|accessToken/);
      } finally {
        await service.shutdown();
      }
    } finally {
      world.provider.setAccessTokenTtl(60);
    }
  });

  it('desktop: signIn opens the system browser, keeps the grant in the secret store, and the account syncs', async () => {
    const user = await world.server.addUser();
    const fx = await connect(world.server, user);
    for (let i = 0; i < 2; i++) await fx.append('INBOX', makeMessage({ subject: `desktop ${i}` }));
    await fx.close();
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-oauth-app-'));
    const maildir = join(dir, 'Mail');
    await mkdir(maildir);
    const configPath = join(dir, 'accounts.json');
    const remote = { type: 'imap', host: world.server.host, port: world.server.port, security: 'none', user: user.user, auth: { method: 'oauth2', provider: 'custom', issuer: world.provider.issuer, clientId: world.provider.clientId } };
    await writeFile(configPath, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'mail', remote, local: { type: 'maildir', path: maildir } }] }));
    const secrets = new Map<string, string>();
    const store: SecretStore = {
      protection: 'os-keychain',
      get: async (k) => secrets.get(k) ?? null,
      set: async (k, v) => void secrets.set(k, v),
      delete: async (k) => void secrets.delete(k),
    };
    const opened: string[] = [];
    const pages: string[] = [];
    const { service, call } = await startService(configPath, dir, 'desktop', { kind: 'secret-store', store }, async (url) => {
      opened.push(url);
      // "The browser": the user signs in and allows access.
      void completeSignIn(url, { login: user.user }).then((p) => pages.push(p.body));
    });
    try {
      const before = await untilAccount(call, 'mail', () => true);
      expect(before.remote.passwordSource).toBe('oauth2');
      expect(await call('signIn', { account: 'mail' })).toEqual({ identity: user.user });
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatch(/code_challenge_method=S256/);
      expect(JSON.parse(secrets.get(grantKey('mail', 'remote'))!)).toMatchObject({ refreshToken: expect.any(String), identity: user.user });
      await untilAccount(call, 'mail', (a) => a.state === 'up-to-date');
      expect(await localMessages(maildir, 'INBOX')).toHaveLength(2);
      expect(pages[0]).toContain('You can close this tab');
      // Nothing of the grant outside the secret store.
      expect(await readFile(configPath, 'utf8')).not.toMatch(/refreshToken|accessToken/);
    } finally {
      await service.shutdown();
    }
  });
});
