import { readFile } from 'node:fs/promises';
import type { ConnectionTestResult } from '../../../shared/api/app-api.js';
import { registerSecret } from '../../engine/secrets.js';
import { ImapConnectError } from '../../engine/store/imap/imap-connect-error.js';
import type { ImapEndpoint } from '../../engine/store/imap/imap-endpoint.js';
import { ImapStore } from '../../engine/store/imap/imap-store.js';
import { normalizePin } from '../../engine/store/imap/tls-transport.js';
import { describeError } from '../../engine/sync/describe-error.js';

export interface TestEndpoint {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  user: string;
  password: string;
  /** "sha256:…" pin the user chose to trust. */
  fingerprint?: string;
  /** PEM file of an extra CA (from the config file). */
  caFile?: string;
}

/** Connects, logs in and lists the folders, exactly as a sync would; says precisely what failed. */
export async function testConnection(endpoint: TestEndpoint, timeoutSeconds = 20): Promise<ConnectionTestResult> {
  registerSecret(endpoint.password);
  let store: ImapStore | null = null;
  try {
    const ca = endpoint.caFile ? await readFile(endpoint.caFile, 'utf8') : undefined;
    const fingerprint = normalizePin(endpoint.fingerprint) ?? undefined;
    const target: ImapEndpoint = {
      host: endpoint.host,
      port: endpoint.port,
      security: endpoint.security,
      user: endpoint.user,
      password: endpoint.password,
      ...(ca || fingerprint ? { tls: { ca, fingerprint } } : {}),
      timeoutSeconds,
    };
    store = await ImapStore.connect(target);
    const folders = (await store.listFolders()).map((f) => f.name);
    return { ok: true, folders };
  } catch (err) {
    if (err instanceof ImapConnectError) {
      return { ok: false, kind: err.kind === 'signin-required' ? 'auth' : err.kind, message: describeError(err), fingerprint: err.fingerprint ? `sha256:${err.fingerprint}` : null };
    }
    return { ok: false, kind: 'protocol', message: describeError(err), fingerprint: null };
  } finally {
    await store?.close().catch(() => undefined);
  }
}
