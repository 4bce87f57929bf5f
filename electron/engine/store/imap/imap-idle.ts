import type { ImapFlow } from 'imapflow';
import { openClient } from './imap-client.js';
import type { ImapEndpoint } from './imap-endpoint.js';
import { FolderNames } from './folder-names.js';

/** IMAP servers may drop an IDLE after 30 minutes; re-issuing it well before keeps it alive. */
const IDLE_RENEW_MS = 25 * 60 * 1000;

export interface FolderWatch {
  stop(): Promise<void>;
}

/**
 * Push: a connection of its own sits in IDLE on one folder and calls `onChange` when the server
 * reports new, expunged or re-flagged mail there. A dropped connection is reported through
 * `onError` (the caller reconnects on its schedule); the sync itself never runs on this one.
 */
export async function watchFolder(
  endpoint: ImapEndpoint,
  folder: string,
  onChange: () => void,
  onError: (err: unknown) => void,
): Promise<FolderWatch> {
  const client: ImapFlow = await openClient(endpoint);
  const path = FolderNames.of(client).toServer(folder);
  await client.mailboxOpen(path, { readOnly: true });
  let stopped = false;
  for (const event of ['exists', 'expunge', 'flags'] as const) client.on(event, () => onChange());
  client.on('close', () => {
    if (!stopped) onError(new Error(`the push connection for "${folder}" closed`));
  });
  const loop = (async () => {
    while (!stopped) {
      const renew = setTimeout(() => void client.noop().catch(() => undefined), IDLE_RENEW_MS);
      try {
        await client.idle();
      } catch (err) {
        if (!stopped) onError(err);
        return;
      } finally {
        clearTimeout(renew);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      try {
        await client.logout();
      } catch {
        client.close();
      }
      await loop;
    },
  };
}
