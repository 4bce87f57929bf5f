import { describe, expect, it } from 'vitest';
import type { MailStore } from '../../../electron/engine/store/mail-store.js';
import { ConnectionLanes } from '../../../electron/engine/sync/connection-lanes.js';

/** A store that only knows how to open another of itself (or refuse to) and to close. */
class FakeStore {
  closed = false;
  constructor(
    readonly name: string,
    private readonly another: () => Promise<FakeStore>,
  ) {}
  openAnother = () => this.another();
  close = async () => {
    this.closed = true;
  };
}

function imapLike(prefix: string, refuseAfter = Infinity) {
  const made: FakeStore[] = [];
  const open = async (): Promise<FakeStore> => {
    if (made.length > refuseAfter) throw new Error('[UNAVAILABLE] Maximum number of connections exceeded');
    const s = new FakeStore(`${prefix}${made.length}`, open);
    made.push(s);
    return s;
  };
  return { made, open };
}

async function setup(opts: { max: number; refuseAfter?: number }) {
  const remote = imapLike('r', opts.refuseAfter);
  const primaryRemote = await remote.open();
  // A Maildir-like side hands out itself.
  const local: FakeStore = new FakeStore('local', async () => local);
  const warnings: string[] = [];
  const lanes = new ConnectionLanes({ remote: primaryRemote as unknown as MailStore, local: local as unknown as MailStore }, opts.max, (m) => warnings.push(m));
  return { lanes, remote, primaryRemote, local, warnings };
}

/** Runs items that each wait until released, recording which lane took each and the most at once. */
async function runAll(lanes: ConnectionLanes, items: number[], width: number) {
  const took: string[] = [];
  let running = 0;
  let peak = 0;
  await lanes.each(items, width, async (item, stores) => {
    peak = Math.max(peak, ++running);
    took.push(`${item}@${(stores.remote as unknown as FakeStore).name}`);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  });
  return { took, peak };
}

describe('ConnectionLanes', () => {
  it.each([
    { max: 3, width: 5, items: 6, logins: 3, peak: 3 },
    { max: 3, width: 2, items: 6, logins: 2, peak: 2 },
    { max: 4, width: 9, items: 2, logins: 2, peak: 2 },
    { max: 1, width: 9, items: 6, logins: 1, peak: 1 },
    { max: 3, width: 0, items: 3, logins: 1, peak: 1 },
  ])('max $max, width $width, $items items: $logins login(s), $peak at once', async ({ max, width, items, logins, peak }) => {
    const { lanes, remote } = await setup({ max });
    const list = Array.from({ length: items }, (_, i) => i);
    const r = await runAll(lanes, list, width);
    expect(remote.made).toHaveLength(logins);
    expect(r.peak).toBe(peak);
    // Every item exactly once, started in order.
    expect(r.took.map((t) => Number(t.split('@')[0]))).toEqual(list);
  });

  it('reuses the connections it opened for a later round', async () => {
    const { lanes, remote } = await setup({ max: 3 });
    await runAll(lanes, [1, 2, 3], 3);
    await runAll(lanes, [4, 5, 6], 3);
    expect(remote.made).toHaveLength(3);
  });

  it('a refused login: warned once, the items run on the connections that opened', async () => {
    const { lanes, remote, warnings } = await setup({ max: 4, refuseAfter: 1 });
    const r = await runAll(lanes, [1, 2, 3, 4, 5], 4);
    expect(remote.made).toHaveLength(2);
    expect(r.peak).toBe(2);
    expect(r.took).toHaveLength(5);
    expect(warnings).toEqual(['could not open another connection ([UNAVAILABLE] Maximum number of connections exceeded); syncing with 2']);
    await runAll(lanes, [6, 7], 4);
    expect(warnings).toHaveLength(1);
  });

  it('lends only connections no one uses, within the account\'s limit, until given back', async () => {
    const { lanes, remote } = await setup({ max: 3 });
    let lentInside: string[] = [];
    await lanes.each([1], 1, async () => {
      const lent = await lanes.lend(5);
      lentInside = lent.stores.map((s) => (s.remote as unknown as FakeStore).name);
      expect((await lanes.lend(1)).stores).toEqual([]);
      lent.release();
    });
    // The folder's own connection is busy; two more logins make the limit of three.
    expect(lentInside).toEqual(['r1', 'r2']);
    expect(remote.made).toHaveLength(3);
    expect((await lanes.lend(3)).stores).toHaveLength(3);
  });

  it('each() refuses to run when everything is lent out', async () => {
    const { lanes } = await setup({ max: 1 });
    await lanes.lend(1);
    await expect(lanes.each([1], 1, async () => undefined)).rejects.toThrow(/lent out/);
  });

  it('close() logs out the extra connections only, never the pass\'s own or a shared side', async () => {
    const { lanes, remote, primaryRemote, local } = await setup({ max: 3 });
    await runAll(lanes, [1, 2, 3], 3);
    await lanes.close();
    expect(remote.made.map((s) => s.closed)).toEqual([false, true, true]);
    expect(primaryRemote.closed).toBe(false);
    expect(local.closed).toBe(false);
  });
});
