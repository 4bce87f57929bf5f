import { readFile } from 'node:fs/promises';
import type { AccountConfig, ImapEndpointConfig, MaildirEndpointConfig } from '../../../shared/config.js';
import { resolvePassword } from '../config/resolve-password.js';
import { registerSecret } from '../secrets.js';
import { describeSystemError } from '../sync/describe-error.js';
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
export async function openAccountStores(account: AccountConfig, secretEnvNames: string[], onWarning: (msg: string) => void): Promise<Record<Side, MailStore>> {
  const remoteEndpoint = await resolveImapEndpoint(account.remote, account.name, secretEnvNames);
  const local = account.local;
  let openLocal: () => Promise<MailStore>;
  if (local.type === 'imap') {
    const localEndpoint = await resolveImapEndpoint(local, account.name, secretEnvNames);
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

/** An IMAP endpoint ready to connect: password resolved (in memory only), CA file read. */
export async function resolveImapEndpoint(endpoint: ImapEndpointConfig, account: string, secretEnvNames: string[]): Promise<ImapEndpoint> {
  const password = await resolvePassword(endpoint, account, { hiddenEnv: secretEnvNames });
  registerSecret(password);
  const ca = endpoint.tls?.ca ? await readCaFile(endpoint.tls.ca) : undefined;
  const fingerprint = endpoint.tls?.fingerprint?.replace(/^sha256:/, '');
  return {
    host: endpoint.host,
    port: endpoint.port,
    security: endpoint.security,
    user: endpoint.user,
    password,
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
