import { describe, expect, it } from 'vitest';
import { SyncScheduler, type Clock, type PassOutcome } from '../../../electron/service/scheduling/sync-scheduler.js';

const MIN = 60_000;

/** A clock whose time moves only when the test says so. */
class FakeClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

/** Passes that the test finishes by hand, recording when each started. */
function harness(outcomes: PassOutcome[] = []) {
  const clock = new FakeClock();
  const started: { account: string; at: number }[] = [];
  const open: ((o: PassOutcome) => void)[] = [];
  const scheduler = new SyncScheduler({
    intervalMs: () => 5 * MIN,
    runPass: (account) => {
      started.push({ account, at: clock.t });
      return outcomes.length > 0 ? Promise.resolve(outcomes.shift()!) : new Promise((resolve) => open.push(resolve));
    },
    onChange: () => undefined,
    clock,
    firstPassDelayMs: 1000,
    maxBackoffMs: 60 * MIN,
  });
  return { clock, started, open, scheduler };
}

describe('sync scheduler', () => {
  it('runs each account at the interval, never two passes of one account at once', async () => {
    const h = harness();
    h.scheduler.setAccounts(['work']);
    await h.clock.advance(1000);
    expect(h.started).toEqual([{ account: 'work', at: 1000 }]);
    // Asked again while running: one more pass right after, not a second one alongside.
    h.scheduler.syncNow('work');
    h.scheduler.syncNow('work');
    await h.clock.advance(10 * MIN);
    expect(h.started).toHaveLength(1);
    h.open.shift()!('ok');
    await flush();
    expect(h.started.map((s) => s.at)).toEqual([1000, 1000 + 10 * MIN]);
    h.open.shift()!('ok');
    await flush();
    expect(h.scheduler.nextSync('work')).toBe(1000 + 15 * MIN);
    await h.clock.advance(5 * MIN);
    expect(h.started).toHaveLength(3);
  });

  it('backs off after failures in a row and returns to the interval after a success', async () => {
    const h = harness(['failed', 'failed', 'failed', 'failed', 'failed', 'failed', 'ok', 'ok']);
    h.scheduler.setAccounts(['work']);
    await h.clock.advance(6 * 60 * MIN);
    const gaps = h.started.slice(1).map((s, i) => (s.at - h.started[i]!.at) / MIN);
    expect(gaps.slice(0, 7)).toEqual([5, 10, 20, 40, 60, 60, 5]);
  });

  it('pause stops new passes but not the running one; resume runs what was due', async () => {
    const h = harness();
    h.scheduler.setAccounts(['work', 'home']);
    await h.clock.advance(1000);
    expect(h.started.map((s) => s.account)).toEqual(['work', 'home']);
    h.scheduler.pause('work');
    expect(h.scheduler.isRunning('work')).toBe(true);
    h.scheduler.syncNow('work');
    h.open.shift()!('ok');
    h.open.shift()!('ok');
    await h.clock.advance(30 * MIN);
    expect(h.started.filter((s) => s.account === 'work')).toHaveLength(1);
    expect(h.scheduler.nextSync('work')).toBeNull();
    h.scheduler.resume('work');
    expect(h.started.filter((s) => s.account === 'work')).toHaveLength(2);
  });

  it('an interrupted pass is not a failure; removed accounts stop', async () => {
    const h = harness(['interrupted']);
    h.scheduler.setAccounts(['work']);
    await h.clock.advance(1000);
    expect(h.scheduler.nextSync('work')).toBe(1000 + 5 * MIN);
    h.scheduler.setAccounts([]);
    await h.clock.advance(60 * MIN);
    expect(h.started).toHaveLength(1);
  });
});
