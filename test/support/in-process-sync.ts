import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountConfig } from '../../shared/config.js';
import type { AccountSummary } from '../../shared/sync-summary.js';
import { loadConfig } from '../../electron/engine/config/load-config.js';
import type { Side } from '../../electron/engine/state/folder-state.js';
import { syncAccount } from '../../electron/engine/sync/sync-account.js';
import { silentReporter, type SyncReporter } from '../../electron/engine/sync/sync-reporter.js';
import { ImapStore } from '../../electron/engine/store/imap/imap-store.js';
import { MaildirStore } from '../../electron/engine/store/maildir/maildir-store.js';
import type { MailStore } from '../../electron/engine/store/mail-store.js';
import { openAccountStores } from '../../electron/engine/store/open-store.js';
import type { DovecotServer, DovecotUser } from './dovecot.js';
import type { SyncWorld } from './sync-world.js';

/**
 * An IMAP<->Maildir account synced by the engine in this process, so a test can wrap the real
 * remote store to make something happen at an exact moment (another client's change mid-sync).
 */
export async function inProcessAccount(server: DovecotServer, user: DovecotUser) {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-inproc-'));
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const account = {
    name: 'test',
    remote: { type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, password: user.password },
    local: { type: 'maildir', path: maildir },
    folders: { include: ['*'], exclude: [] },
    direction: 'both',
    propagateDeletes: true,
    // One connection: the race tests wrap the store the pass is given, not extra logins.
    connections: 1,
  } as AccountConfig;
  /** One pass; `wrapRemote` may decorate the real remote store. */
  const sync = (wrapRemote: (store: MailStore) => MailStore = (s) => s): Promise<AccountSummary> =>
    syncAccount(account, {
      stateDir: join(dir, 'state'),
      folders: [],
      dryRun: false,
      allowMassDelete: false,
      reporter: silentReporter,
      secretEnvNames: [],
      connect: async () => ({
        remote: wrapRemote(await ImapStore.connect({ host: server.host, port: server.port, security: 'none', user: user.user, password: user.password })),
        local: await MaildirStore.open(maildir),
      }),
    });
  return { maildir, sync };
}

/**
 * One pass over a SyncWorld's account (IMAP<->Maildir or IMAP<->IMAP, from its config file) in
 * this process; `wrap` may decorate either real store, like `sync` above.
 */
export async function syncWorldInProcess(world: SyncWorld, wrap: Partial<Record<Side, (store: MailStore) => MailStore>> = {}, reporter: SyncReporter = silentReporter): Promise<AccountSummary> {
  const { config } = await loadConfig(world.configPath);
  const opened: MailStore[] = [];
  try {
    return await syncAccount(config.accounts[0]!, {
      stateDir: config.stateDir,
      folders: [],
      dryRun: false,
      allowMassDelete: false,
      reporter,
      secretEnvNames: [],
      connect: async (account, warn) => {
        const stores = await openAccountStores(account, [], warn);
        opened.push(stores.remote, stores.local);
        return { remote: wrap.remote?.(stores.remote) ?? stores.remote, local: wrap.local?.(stores.local) ?? stores.local };
      },
    });
  } finally {
    // syncAccount leaves stores it was handed open.
    await Promise.allSettled(opened.map((s) => s.close()));
  }
}

/** Everything a pass changed on either side (copies, deletes, moves, flags, pairings, removed duplicates, vanished): 0 for a pass with nothing to do. */
export function changesMade(summary: AccountSummary): number {
  let n = 0;
  for (const f of summary.folders) {
    for (const each of [f.copied, f.deleted, f.moved, f.flagUpdates]) n += each.toLocal + each.toRemote;
    n += f.paired + f.duplicatesRemoved + f.vanished;
  }
  return n;
}
