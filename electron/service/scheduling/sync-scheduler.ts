/**
 * When each account syncs. Rules:
 *  - one pass per account at a time; asking again while one runs runs one more right after;
 *  - after a pass, the next one is an interval later; after failures in a row it backs off
 *    (interval × 2^(failures-1), at most maxBackoffMs, never less than the interval);
 *  - paused accounts start nothing; a running pass is never cut short by pausing (the engine
 *    finishes it, step by step, as it always does);
 *  - a pass interrupted by an engine crash is not a failure: the caller asks again once the
 *    engine is back.
 */
export type PassOutcome = 'ok' | 'failed' | 'interrupted' | 'skipped';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SchedulerOptions {
  intervalMs: () => number;
  runPass: (account: string) => Promise<PassOutcome>;
  /** Something about the account's schedule changed (running, paused, next time). */
  onChange: (account: string) => void;
  clock?: Clock;
  /** Delay of the first pass of an account that was just added or loaded at start. */
  firstPassDelayMs?: number;
  maxBackoffMs?: number;
}

interface Entry {
  timer: unknown;
  nextAt: number | null;
  running: Promise<void> | null;
  again: boolean;
  paused: boolean;
  failures: number;
}

export class SyncScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Adds and removes accounts; new ones get their first pass soon. */
  setAccounts(names: readonly string[]): void {
    for (const [name, entry] of this.entries) {
      if (names.includes(name)) continue;
      this.clearTimer(entry);
      this.entries.delete(name);
    }
    for (const name of names) {
      if (this.entries.has(name)) continue;
      const entry: Entry = { timer: null, nextAt: null, running: null, again: false, paused: false, failures: 0 };
      this.entries.set(name, entry);
      this.schedule(name, entry, this.opts.firstPassDelayMs ?? 3000);
    }
  }

  /** A pass as soon as possible (right after the running one). Paused accounts are left alone. */
  syncNow(account: string): void {
    const entry = this.entries.get(account);
    if (!entry || entry.paused || this.stopped) return;
    if (entry.running) {
      entry.again = true;
      return;
    }
    this.clearTimer(entry);
    this.start(account, entry);
  }

  pause(account: string): void {
    const entry = this.entries.get(account);
    if (!entry || entry.paused) return;
    entry.paused = true;
    entry.again = false;
    this.clearTimer(entry);
    this.opts.onChange(account);
  }

  /** Unpauses; the pass that was due (or overdue) runs now. */
  resume(account: string): void {
    const entry = this.entries.get(account);
    if (!entry || !entry.paused) return;
    entry.paused = false;
    this.syncNow(account);
    this.opts.onChange(account);
  }

  isRunning(account: string): boolean {
    return this.entries.get(account)?.running != null;
  }

  isPaused(account: string): boolean {
    return this.entries.get(account)?.paused ?? false;
  }

  nextSync(account: string): number | null {
    return this.entries.get(account)?.nextAt ?? null;
  }

  /** Resolves when the account has no pass running. */
  async idle(account: string): Promise<void> {
    await this.entries.get(account)?.running;
  }

  /** The interval changed: every waiting account is rescheduled from its last pass. */
  rescheduleAll(): void {
    for (const [name, entry] of this.entries) {
      if (entry.running || entry.paused || entry.timer === null) continue;
      this.clearTimer(entry);
      this.schedule(name, entry, this.delayAfter(entry.failures));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) this.clearTimer(entry);
  }

  private start(account: string, entry: Entry): void {
    entry.nextAt = null;
    entry.running = this.opts
      .runPass(account)
      .catch((): PassOutcome => 'failed')
      .then((outcome) => this.finished(account, entry, outcome));
    this.opts.onChange(account);
  }

  private finished(account: string, entry: Entry, outcome: PassOutcome): void {
    entry.running = null;
    if (outcome === 'ok') entry.failures = 0;
    if (outcome === 'failed') entry.failures++;
    if (this.entries.get(account) !== entry || this.stopped) return;
    if (entry.again && !entry.paused) {
      entry.again = false;
      this.start(account, entry);
      return;
    }
    if (!entry.paused) this.schedule(account, entry, this.delayAfter(entry.failures));
    this.opts.onChange(account);
  }

  private delayAfter(failures: number): number {
    const interval = this.opts.intervalMs();
    if (failures === 0) return interval;
    const cap = Math.max(interval, this.opts.maxBackoffMs ?? 60 * 60_000);
    return Math.min(interval * 2 ** (failures - 1), cap);
  }

  private schedule(account: string, entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    entry.nextAt = this.clock.now() + delayMs;
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = null;
      if (this.entries.get(account) === entry && !entry.paused && !entry.running) this.start(account, entry);
    }, delayMs);
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer !== null) this.clock.clearTimeout(entry.timer);
    entry.timer = null;
    entry.nextAt = null;
  }
}
