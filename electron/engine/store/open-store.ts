import { readFile } from 'node:fs/promises';
import type { AccountConfig, ImapEndpointConfig, MaildirEndpointConfig } from '../../../shared/config.js';
import { resolvePassword } from '../config/resolve-password.js';
import { registerSecret } from '../secrets.js';
import { describeSystemError } from '../sync/describe-error.js';
import { CommandTokenSource, grantBinding, RefreshingTokenSource, sharedSource, type AccessTokenSource } from '../oauth2/access-tokens.js';
import { FileGrantStore, grantFilePath, type GrantStore } from '../oauth2/grant-store.js';
import { isProviderAuth } from '../oauth2/providers.js';
import { ImapConnectError } from './imap/imap-connect-error.js';
import type { Side } from '../state/folder-state.js';
import type { ImapEndpoint } from './imap/imap-endpoint.js';
import { ImapStore } from './imap/imap-store.js';
import { MaildirStore } from './maildir/maildir-store.js';
import type { MailStore } from './mail-store.js';

/**
 * Connects both sides of an account at the same time (two logins cost one round trip's wait).
 * Passwords are resolved first, one after the other: two password commands asking the user
 * at once (a pinentry each) would be confusing. When one side fails, the other is closed and
 * the failure (the remote's first) is thrown.
 */
export async function openAccountStores(account: AccountConfig, secretEnvNames: string[], onWarning: (msg: string) => void, oauth?: OAuthContext): Promise<Record<Side, MailStore>> {
  const remoteEndpoint = await resolveImapEndpoint(account.remote, account.name, secretEnvNames, oauth && { ...oauth, side: 'remote' });
  const local = account.local;
  let openLocal: () => Promise<MailStore>;
  if (local.type === 'imap') {
    const localEndpoint = await resolveImapEndpoint(local, account.name, secretEnvNames, oauth && { ...oauth, side: 'local' });
    openLocal = () => ImapStore.connect(localEndpoint, { onWarning });
  } else {
    openLocal = () => openMaildir(local, onWarning);
  }
  const [remoteStore, localStore] = await Promise.allSettled([ImapStore.connect(remoteEndpoint, { onWarning }), openLocal()]);
  if (remoteStore.status === 'fulfilled' && localStore.status === 'fulfilled') return { remote: remoteStore.value, local: localStore.value };
  await Promise.allSettled([remoteStore, localStore].flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])));
  throw remoteStore.status === 'rejected' ? remoteStore.reason : (localStore as PromiseRejectedResult).reason;
}

function openMaildir(endpoint: MaildirEndpointConfig, onWarning: (msg: string) => void): Promise<MailStore> {
  return MaildirStore.open(endpoint.path, { onWarning, layout: endpoint.layout, nameEncoding: endpoint.nameEncoding, importState: endpoint.importState });
}

/**
 * Where OAuth2 sign-ins are kept: the CLI's files under the state directory (the default), or
 * a store the caller provides per side (the app's secret store).
 */
export interface OAuthContext {
  stateDir: string;
  grantStore?: (account: string, side: Side) => GrantStore;
  /** How the user signs in again, for the message of a refused grant. */
  signInAgain?: (account: string) => string;
  /** Tokens from elsewhere (the engine host asks its supervisor): replaces the grant store and the auth settings. */
  tokenSource?: (account: string, side: Side) => AccessTokenSource;
}

export function cliSignInAgain(account: string): string {
  return `sign in again: mailferry login --account ${account}`;
}

/** The token source of an OAuth2 endpoint: one per grant (or command) for the whole process. */
export function tokenSource(endpoint: ImapEndpointConfig, account: string, secretEnvNames: string[], oauth: (OAuthContext & { side: Side }) | undefined): AccessTokenSource {
  const auth = endpoint.auth!;
  if (oauth?.tokenSource) return oauth.tokenSource(account, oauth.side);
  if (auth.tokenCommand !== undefined) {
    const command = auth.tokenCommand;
    return sharedSource(JSON.stringify(['command', account, command]), () => new CommandTokenSource(command, account, secretEnvNames));
  }
  if (!isProviderAuth(auth)) throw new ImapConnectError('signin-required', `account "${account}": auth needs a provider and clientId, or a tokenCommand`);
  if (!oauth) throw new ImapConnectError('signin-required', `account "${account}": OAuth2 sign-in is not available here`);
  const store = oauth.grantStore?.(account, oauth.side) ?? new FileGrantStore(grantFilePath(oauth.stateDir, account, oauth.side));
  const signInAgain = (oauth.signInAgain ?? cliSignInAgain)(account);
  return sharedSource(JSON.stringify(['grant', store.where, grantBinding(auth)]), () => new RefreshingTokenSource(auth, store, signInAgain));
}

/** An IMAP endpoint ready to connect: password resolved (in memory only) or its token source made, CA file read. */
export async function resolveImapEndpoint(endpoint: ImapEndpointConfig, account: string, secretEnvNames: string[], oauth?: OAuthContext & { side: Side }): Promise<ImapEndpoint> {
  const oauth2 = endpoint.auth !== undefined ? tokenSource(endpoint, account, secretEnvNames, oauth) : undefined;
  const password = oauth2 ? '' : await resolvePassword(endpoint, account, { hiddenEnv: secretEnvNames });
  registerSecret(password);
  if (endpoint.auth?.clientSecret) registerSecret(endpoint.auth.clientSecret);
  const ca = endpoint.tls?.ca ? await readCaFile(endpoint.tls.ca) : undefined;
  const fingerprint = endpoint.tls?.fingerprint?.replace(/^sha256:/, '');
  return {
    host: endpoint.host,
    port: endpoint.port,
    security: endpoint.security,
    user: endpoint.user,
    password,
    ...(oauth2 ? { oauth2 } : {}),
    tls: ca || fingerprint ? { ca, fingerprint } : undefined,
    ...(endpoint.timeoutSeconds !== undefined ? { timeoutSeconds: endpoint.timeoutSeconds } : {}),
  };
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const words = describeSystemError(err);
    throw words ? new Error(`the CA file in "tls.ca": ${words}; fix the path in the config`) : err;
  }
}
