import type { AccountConfig, Config, ImapEndpointConfig } from '../../shared/config.js';
import { passwordEnvNames } from '../engine/config/resolve-password.js';
import { grantBinding, oauthClient, providerName } from '../engine/oauth2/access-tokens.js';
import { FileGrantStore, grantFilePath, grantFromSignIn } from '../engine/oauth2/grant-store.js';
import { openBrowser } from '../engine/oauth2/open-browser.js';
import { isProviderAuth, resolveEndpoints, type ProviderAuth } from '../engine/oauth2/providers.js';
import { signInWithBrowser, signInWithDevice, type SignInResult } from '../engine/oauth2/sign-in.js';
import { redactSecrets } from '../engine/secrets.js';
import { UsageError } from './args.js';
import { selectAccounts } from './select-accounts.js';

type Side = 'remote' | 'local';

export interface LoginCommand {
  account: string;
  side?: Side;
  browser: boolean;
  device: boolean;
  timeoutSeconds: number;
}

/** The sides of the account that sign in with a provider (a tokenCommand needs no login). */
function oauthSides(account: AccountConfig, only: Side | undefined): { side: Side; endpoint: ImapEndpointConfig & { auth: ProviderAuth } }[] {
  const sides: { side: Side; endpoint: ImapEndpointConfig & { auth: ProviderAuth } }[] = [];
  for (const side of ['remote', 'local'] as const) {
    const endpoint = account[side];
    if (endpoint.type !== 'imap' || (only !== undefined && only !== side)) continue;
    if (isProviderAuth(endpoint.auth)) sides.push({ side, endpoint: endpoint as ImapEndpointConfig & { auth: ProviderAuth } });
  }
  if (sides.length === 0) {
    const which = only ? `its ${only} side` : 'it';
    throw new UsageError(`account "${account.name}": ${which} does not sign in with OAuth2 (no "auth" with a provider and clientId; a tokenCommand needs no login)`);
  }
  return sides;
}

function say(line: string): void {
  process.stderr.write(`${redactSecrets(line)}\n`);
}

/**
 * `mailferry login`: the authorization code flow with PKCE through the system browser (or the
 * device flow), then the grant is kept in <stateDir>/<account>/oauth2-<side>.json (mode 0600).
 * The address to open is the only thing on its stdout line; "signed in as …" ends the run.
 */
export async function runLogin(config: Config & { stateDir: string }, cmd: LoginCommand): Promise<number> {
  const [account] = selectAccounts(config, [cmd.account]);
  const hidden = passwordEnvNames(config);
  for (const { side, endpoint } of oauthSides(account!, cmd.side)) {
    const auth = endpoint.auth;
    const name = providerName(auth);
    const endpoints = await resolveEndpoints(auth);
    const client = oauthClient(auth);
    const whose = `${endpoint.user}${account!.local.type === 'imap' ? ` (${side} side)` : ''}`;
    let result: SignInResult;
    if (cmd.device) {
      result = await signInWithDevice({
        endpoints,
        client,
        timeoutMs: cmd.timeoutSeconds * 1000,
        onUserCode: (info) => {
          say(`To sign in to ${name} as ${whose}, open this address on any device and enter the code ${info.userCode}:`);
          process.stdout.write(`${info.verificationUriComplete ?? info.verificationUri}\n`);
          say(`Waiting for the sign-in (the code expires in ${Math.round(info.expiresInSeconds / 60)} min)…`);
        },
      });
    } else {
      result = await signInWithBrowser({
        endpoints,
        client,
        loginHint: endpoint.user,
        timeoutMs: cmd.timeoutSeconds * 1000,
        onAuthorizationUrl: async (url) => {
          say(`To sign in to ${name} as ${whose}, open this address in a browser${cmd.browser ? ' (opening it now)' : ''}:`);
          process.stdout.write(`${url}\n`);
          if (cmd.browser) {
            await openBrowser(url, hidden).catch((err: Error) => say(`mailferry: warning: ${err.message}; open the address yourself`));
          }
          say(`Waiting for the sign-in (up to ${Math.round(cmd.timeoutSeconds / 60) || 1} min)…`);
        },
      });
    }
    if (result.tokens.refreshToken === null) {
      throw new Error(`${name} gave no refresh token, so Mailferry could not stay signed in; ${auth.provider === 'custom' ? 'add "offline_access" to auth.scopes' : 'check the app registration'} and sign in again`);
    }
    const store = new FileGrantStore(grantFilePath(config.stateDir, account!.name, side));
    await store.exclusive(() => store.write(grantFromSignIn(grantBinding(auth), result.tokens, result.identity)));
    process.stdout.write(`${redactSecrets(`signed in as ${result.identity ?? endpoint.user}`)}\n`);
    if (result.identity !== null && result.identity.toLowerCase() !== endpoint.user.toLowerCase()) {
      say(`mailferry: warning: signed in as ${result.identity}, but the account logs in to IMAP as "${endpoint.user}"; the server refuses a token of another user`);
    }
  }
  return 0;
}

/** `mailferry logout`: forgets the kept sign-in (the provider still lists the app until it is removed there). */
export async function runLogout(config: Config & { stateDir: string }, cmd: { account: string; side?: Side }): Promise<number> {
  const [account] = selectAccounts(config, [cmd.account]);
  for (const { side, endpoint } of oauthSides(account!, cmd.side)) {
    const store = new FileGrantStore(grantFilePath(config.stateDir, account!.name, side));
    const had = (await store.read().catch(() => 'damaged')) !== null;
    await store.exclusive(() => store.remove());
    process.stdout.write(had ? `signed out ${endpoint.user}; to revoke Mailferry's access at ${providerName(endpoint.auth)} too, remove it from your account's security settings\n` : `${endpoint.user} was not signed in\n`);
  }
  return 0;
}
