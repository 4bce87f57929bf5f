import type { AccountInput, EndpointView, ImapEndpointInput, LocalEndpointInput, PasswordSource } from '../../../shared/api/app-api.js';
import type { EngineAccount } from '../../../shared/api/engine-protocol.js';
import { DEFAULT_CONNECTIONS, type AccountConfig, type ImapEndpointConfig, type MaildirEndpointConfig } from '../../../shared/config.js';
import { currentPlatform, expandHome } from '../../engine/config/platform-paths.js';
import { ApiFailure } from '../api/api-failure.js';

type Side = 'remote' | 'local';

/**
 * The config entry for what the wizard or editor submitted. A side that comes with a password
 * gets it from the app (the caller keeps it; `typed` lists those sides) and loses any source
 * the file named; a side without one keeps the source it had, which only an existing IMAP
 * side with the same user and host can have.
 */
export function accountFromInput(input: AccountInput, previous: AccountConfig | undefined): { account: AccountConfig; typed: Partial<Record<Side, string>> } {
  const typed: Partial<Record<Side, string>> = {};
  const remote = imapEndpoint(input.remote, previous?.remote, 'remote', typed);
  const local = localEndpoint(input.local, previous?.local, typed);
  return {
    account: {
      name: input.name,
      remote,
      local,
      direction: input.direction,
      propagateDeletes: input.propagateDeletes,
      folders: input.folders,
      // Not shown in the app: an edit keeps what the file set.
      connections: previous?.connections ?? DEFAULT_CONNECTIONS,
    },
    typed,
  };
}

function localEndpoint(input: LocalEndpointInput, previous: AccountConfig['local'] | undefined, typed: Partial<Record<Side, string>>): AccountConfig['local'] {
  if (input.type === 'imap') return imapEndpoint(input, previous?.type === 'imap' ? previous : undefined, 'local', typed);
  const platform = currentPlatform();
  const path = expandHome(input.path.trim(), platform);
  // What the input does not name stays as the file set it for this Maildir (an edit).
  const kept = previous?.type === 'maildir' && previous.path === path ? previous : undefined;
  const layout = input.layout ?? kept?.layout;
  const nameEncoding = input.nameEncoding ?? kept?.nameEncoding;
  const importState = input.importState ? { ...input.importState, path: expandHome(input.importState.path.trim(), platform) } : kept?.importState;
  return {
    type: 'maildir',
    path,
    ...(layout !== undefined ? { layout } : {}),
    ...(nameEncoding !== undefined ? { nameEncoding } : {}),
    ...(importState !== undefined ? { importState } : {}),
  } satisfies MaildirEndpointConfig;
}

function imapEndpoint(input: ImapEndpointInput, previous: ImapEndpointConfig | undefined, side: Side, typed: Partial<Record<Side, string>>): ImapEndpointConfig {
  const same = previous !== undefined && previous.host === input.host && previous.user === input.user;
  const fingerprint = input.fingerprint ?? (same ? previous.tls?.fingerprint : undefined);
  const ca = same ? previous.tls?.ca : undefined;
  const endpoint: ImapEndpointConfig = {
    type: 'imap',
    host: input.host.trim(),
    port: input.port,
    security: input.security,
    user: input.user,
    ...(ca || fingerprint ? { tls: { ...(ca ? { ca } : {}), ...(fingerprint ? { fingerprint } : {}) } } : {}),
    ...(same && previous.timeoutSeconds !== undefined ? { timeoutSeconds: previous.timeoutSeconds } : {}),
  };
  if (input.password !== undefined) {
    typed[side] = input.password;
    return endpoint;
  }
  if (!same) throw new ApiFailure('invalid-request', `the ${side} server needs a password`);
  const { password, passwordCommand, passwordEnv, auth } = previous;
  return {
    ...endpoint,
    ...(auth !== undefined ? { auth } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(passwordCommand !== undefined ? { passwordCommand } : {}),
    ...(passwordEnv !== undefined ? { passwordEnv } : {}),
  };
}

/** The account as the engine host gets it: no password sources at all. */
export function engineAccount(account: AccountConfig): EngineAccount {
  const strip = (e: ImapEndpointConfig) => ({
    type: 'imap' as const,
    host: e.host,
    port: e.port,
    security: e.security,
    user: e.user,
    ...(e.tls ? { tls: e.tls } : {}),
    ...(e.timeoutSeconds !== undefined ? { timeoutSeconds: e.timeoutSeconds } : {}),
    // Its tokens are asked for one at a time (engine-protocol tokenRequest); no auth setting goes along.
    ...(e.auth !== undefined ? { oauth2: true as const } : {}),
  });
  return {
    name: account.name,
    remote: strip(account.remote),
    local: account.local.type === 'imap' ? strip(account.local) : account.local,
    folders: account.folders,
    direction: account.direction,
    propagateDeletes: account.propagateDeletes,
    connections: account.connections,
  };
}

/** An endpoint as the UI may see it: never a password, a command or a variable's name. */
export function endpointView(endpoint: AccountConfig['local'], passwordSource: PasswordSource): EndpointView {
  if (endpoint.type === 'maildir') {
    return { type: 'maildir', path: endpoint.path, layout: endpoint.layout ?? 'verbatim', nameEncoding: endpoint.nameEncoding ?? 'utf-8', importState: endpoint.importState ?? null };
  }
  return {
    type: 'imap',
    host: endpoint.host,
    port: endpoint.port,
    security: endpoint.security,
    user: endpoint.user,
    fingerprint: endpoint.tls?.fingerprint ?? null,
    passwordSource,
  };
}
