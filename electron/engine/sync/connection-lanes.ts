import type { Side } from '../state/folder-state.js';
import type { MailStore } from '../store/mail-store.js';
import { describeError } from './describe-error.js';

type Stores = Record<Side, MailStore>;

/**
 * The connections one account pass works on folders with, in parallel: the pass's own stores
 * plus extra logins opened when there is more than one folder to work on (IMAP keeps one folder
 * open per connection). Extras are opened once per pass and closed by close(); a server that
 * refuses more logins leaves the pass with the connections it has.
 */
export class ConnectionLanes {
  private readonly extras: Stores[] = [];
  private refused = false;

  constructor(
    private readonly primary: Stores,
    private readonly max: number,
    private readonly warn: (msg: string) => void,
  ) {}

  /**
   * Runs `work` for every item, each on one lane, on up to `width` lanes at once (never more
   * than the account allows), items taken in order. `work` handles its own failures: one that
   * throws stops that lane's remaining items.
   */
  async each<T>(items: readonly T[], width: number, work: (item: T, stores: Stores) => Promise<void>): Promise<void> {
    const lanes = await this.take(Math.min(this.max, width, items.length));
    let next = 0;
    await Promise.all(
      lanes.map(async (stores) => {
        while (next < items.length) await work(items[next++]!, stores);
      }),
    );
  }

  async close(): Promise<void> {
    // A side that serves any number of folders at once handed out itself: that one stays open.
    const own = new Set([this.primary.remote, this.primary.local]);
    const stores = this.extras.splice(0).flatMap((s) => [s.remote, s.local]).filter((s) => !own.has(s));
    await Promise.allSettled(stores.map((s) => s.close()));
  }

  private async take(n: number): Promise<Stores[]> {
    const missing = n - 1 - this.extras.length;
    if (missing > 0 && !this.refused) {
      const opened = await Promise.allSettled(Array.from({ length: missing }, () => openLane(this.primary)));
      for (const r of opened) {
        if (r.status === 'fulfilled') this.extras.push(r.value);
        else if (!this.refused) {
          // Fewer connections only costs speed: say so once and go on with what is open.
          this.refused = true;
          this.warn(`could not open another connection (${describeError(r.reason)}); syncing with ${1 + this.extras.length}`);
        }
      }
    }
    return [this.primary, ...this.extras].slice(0, Math.max(1, n));
  }
}

async function openLane(primary: Stores): Promise<Stores> {
  const remote = await primary.remote.openAnother();
  try {
    return { remote, local: await primary.local.openAnother() };
  } catch (err) {
    if (remote !== primary.remote) await remote.close().catch(() => undefined);
    throw err;
  }
}
