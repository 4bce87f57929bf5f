import { readFile } from 'node:fs/promises';
import type { AccountConfig, ImapEndpointConfig, MaildirEndpointConfig } from '../../../shared/config.js';
import { resolvePassword } from '../config/resolve-password.js';
import { registerSecret } from '../secrets.js';
import type { Side } from '../state/folder-state.js';
import type { ImapEndpoint } from './imap/imap-endpoint.js';
import { ImapStore } from './imap/imap-store.js';
import { MaildirStore } from './maildir/maildir-store.js';
import type { MailStore } from './mail-store.js';

/** Connects both sides of an account; closes the first if the second fails. */
export async function openAccountStores(account: AccountConfig, secretEnvNames: string[], onWarning: (msg: string) => void): Promise<Record<Side, MailStore>> {
  const remote = await openStore(account.remote, account.name, secretEnvNames, onWarning);
  try {
    return { remote, local: await openStore(account.local, account.name, secretEnvNames, onWarning) };
  } catch (err) {
    await remote.close().catch(() => {});
    throw err;
  }
}

async function openStore(
  endpoint: ImapEndpointConfig | MaildirEndpointConfig,
  account: string,
  secretEnvNames: string[],
  onWarning: (msg: string) => void,
): Promise<MailStore> {
  if (endpoint.type === 'maildir') {
    return MaildirStore.open(endpoint.path, { onWarning, layout: endpoint.layout, nameEncoding: endpoint.nameEncoding, importState: endpoint.importState });
  }
  return ImapStore.connect(await resolveImapEndpoint(endpoint, account, secretEnvNames), { onWarning });
}

/** An IMAP endpoint ready to connect: password resolved (in memory only), CA file read. */
export async function resolveImapEndpoint(endpoint: ImapEndpointConfig, account: string, secretEnvNames: string[]): Promise<ImapEndpoint> {
  const password = await resolvePassword(endpoint, account, { hiddenEnv: secretEnvNames });
  registerSecret(password);
  const ca = endpoint.tls?.ca ? await readFile(endpoint.tls.ca, 'utf8') : undefined;
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
