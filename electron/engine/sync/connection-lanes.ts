import type { Side } from '../state/folder-state.js';
import type { MailStore } from '../store/mail-store.js';
import { describeError } from './describe-error.js';

export type Stores = Record<Side, MailStore>;

/** Connections lent to one folder's work; give them back with release(). */
export interface LentConnections {
  stores: Stores[];
  release(): void;
}

/**
 * The connections one account pass works with in parallel: the pass's own stores plus extra
 * logins opened when there is more to do than one connection can (IMAP keeps one folder open
 * per connection). Extras are opened on demand, never more than `max` in all, kept for the
 * whole pass and closed by close(); a server that refuses more logins leaves the pass with the
 * connections it has. Each connection serves one piece of work at a time: a folder (each())
 * or a folder's helper (lend()).
 */
export class ConnectionLanes {
  private readonly extras: Stores[] = [];
  private readonly busy = new Set<Stores>();
  private refused = false;
  /** Reservations run one at a time, so two of them never open the same missing login twice. */
  private reserving: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly primary: Stores,
    private readonly max: number,
    private readonly warn: (msg: string) => void,
  ) {}

  /**
   * Runs `work` for every item, each on one connection, on up to `width` at once (never more
   * than the account allows), items taken in order. A connection whose share is done is free
   * to lend at once. `work` handles its own failures: one that throws stops that connection's
   * remaining items.
   */
  async each<T>(items: readonly T[], width: number, work: (item: T, stores: Stores) => Promise<void>): Promise<void> {
    const lanes = await this.reserve(Math.max(1, Math.min(width, items.length)));
    if (lanes.length === 0) throw new Error('every connection is lent out: each() must not run beside work that borrowed them');
    let next = 0;
    await Promise.all(
      lanes.map(async (stores) => {
        try {
          while (next < items.length) await work(items[next++]!, stores);
        } finally {
          this.busy.delete(stores);
        }
      }),
    );
  }

  /** Up to `n` connections no one is using, opening logins within the account's limit; maybe none. */
  async lend(n: number): Promise<LentConnections> {
    const stores = n > 0 ? await this.reserve(n) : [];
    return { stores, release: () => stores.forEach((s) => this.busy.delete(s)) };
  }

  async close(): Promise<void> {
    // A side that serves any number of folders at once handed out itself: that one stays open.
    const own = new Set([this.primary.remote, this.primary.local]);
    const stores = this.extras.splice(0).flatMap((s) => [s.remote, s.local]).filter((s) => !own.has(s));
    await Promise.allSettled(stores.map((s) => s.close()));
  }

  private reserve(n: number): Promise<Stores[]> {
    const reserved = this.reserving.then(async () => {
      const free = () => [this.primary, ...this.extras].filter((s) => !this.busy.has(s));
      await this.open(Math.min(n - free().length, this.max - 1 - this.extras.length));
      const got = free().slice(0, n);
      for (const s of got) this.busy.add(s);
      return got;
    });
    this.reserving = reserved.catch(() => undefined);
    return reserved;
  }

  private async open(count: number): Promise<void> {
    if (count <= 0 || this.refused) return;
    const opened = await Promise.allSettled(Array.from({ length: count }, () => openLane(this.primary)));
    for (const r of opened) {
      if (r.status === 'fulfilled') this.extras.push(r.value);
      else if (!this.refused) {
        // Fewer connections only costs speed: say so once and go on with what is open.
        this.refused = true;
        this.warn(`could not open another connection (${describeError(r.reason)}); syncing with ${1 + this.extras.length}`);
      }
    }
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
