import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planFolder, type Listing } from '../../../electron/engine/plan/plan-folder.js';
import type { PlanOptions } from '../../../electron/engine/plan/folder-plan.js';
import type { Pair } from '../../../electron/engine/state/folder-state.js';
import { massDeleteCheck } from '../../../electron/engine/plan/safety-check.js';

const S = '\\Seen';
const F = '\\Flagged';
const A = '\\Answered';
const BOTH: PlanOptions = { direction: 'both', propagateDeletes: true };
const identity = { messageId: null, size: 1, headerSha256: 'x' };

function pair(key: number, remote: string | null, local: string | null, flags: string[] = []): Pair {
  return { key, remote, local, flags, identity };
}
function listing(entries: Record<string, string[]>): Listing {
  return new Map(Object.entries(entries));
}

describe('planFolder: new messages', () => {
  it('copies a message new on either side to the other, with its flags', () => {
    const plan = planFolder([], listing({ '7': [S] }), listing({ abc: [F] }), BOTH);
    expect(plan.copies).toEqual([
      { to: 'local', sourceId: '7', flags: [S], pairKey: null },
      { to: 'remote', sourceId: 'abc', flags: [F], pairKey: null },
    ]);
    expect(plan.deletes).toEqual([]);
  });

  it.each([
    ['pull', [{ to: 'local', sourceId: '7', flags: [], pairKey: null }]],
    ['push', [{ to: 'remote', sourceId: 'abc', flags: [], pairKey: null }]],
  ] as const)('direction %s copies only one way', (direction, copies) => {
    const plan = planFolder([], listing({ '7': [] }), listing({ abc: [] }), { direction, propagateDeletes: true });
    expect(plan.copies).toEqual(copies);
  });
});

describe('planFolder: flags', () => {
  it('merges flag changes from both sides and sets both', () => {
    const plan = planFolder([pair(1, '7', 'a')], listing({ '7': [A] }), listing({ a: [S] }), BOTH);
    expect(plan.flagUpdates).toEqual([
      { key: 1, remote: { id: '7', from: [A], to: [A, S] }, local: { id: 'a', from: [S], to: [A, S] }, base: [A, S] },
    ]);
    expect(plan.conflicts).toEqual([]);
  });

  it('local -Seen and remote +Flagged give Flagged only', () => {
    const plan = planFolder([pair(1, '7', 'a', [S])], listing({ '7': [F, S] }), listing({ a: [] }), BOTH);
    expect(plan.flagUpdates[0]).toMatchObject({ remote: { to: [F] }, local: { to: [F] }, base: [F] });
  });

  it('an identical change on both sides writes nothing but moves the base', () => {
    const plan = planFolder([pair(1, '7', 'a')], listing({ '7': [S] }), listing({ a: [S] }), BOTH);
    expect(plan.flagUpdates).toEqual([{ key: 1, remote: null, local: null, base: [S] }]);
  });

  it('nothing changed: empty plan', () => {
    const plan = planFolder([pair(1, '7', 'a', [S])], listing({ '7': [S] }), listing({ a: [S] }), BOTH);
    expect(plan).toEqual({ copies: [], flagUpdates: [], deletes: [], forget: [], tombstones: [], conflicts: [] });
  });

  it('pull: remote changes reach local, local changes stay local and are not read as remote ones', () => {
    const opts: PlanOptions = { direction: 'pull', propagateDeletes: true };
    const plan = planFolder([pair(1, '7', 'a', [S])], listing({ '7': [F, S] }), listing({ a: [] }), opts);
    expect(plan.flagUpdates).toEqual([{ key: 1, remote: null, local: { id: 'a', from: [], to: [F] }, base: [F, S] }]);
    const again = planFolder([pair(1, '7', 'a', [F, S])], listing({ '7': [F, S] }), listing({ a: [F] }), opts);
    expect(again.flagUpdates).toEqual([]);
  });

  it('push: local changes reach remote only', () => {
    const opts: PlanOptions = { direction: 'push', propagateDeletes: true };
    const plan = planFolder([pair(1, '7', 'a')], listing({ '7': [A] }), listing({ a: [S] }), opts);
    expect(plan.flagUpdates).toEqual([{ key: 1, remote: { id: '7', from: [A], to: [A, S] }, local: null, base: [S] }]);
  });
});

describe('planFolder: deletes', () => {
  it('deleted on one side and unchanged on the other: deleted there', () => {
    const plan = planFolder([pair(1, '7', 'a', [S]), pair(2, '8', 'b')], listing({ '8': [] }), listing({ a: [S] }), BOTH);
    expect(plan.deletes).toEqual([
      { side: 'local', id: 'a', key: 1 },
      { side: 'remote', id: '8', key: 2 },
    ]);
    expect(plan.copies).toEqual([]);
  });

  it('a \\Deleted mark left by an interrupted delete does not count as a change', () => {
    const plan = planFolder([pair(1, '7', 'a', [S])], listing({ '7': [S, '\\Deleted'] }), listing({}), BOTH);
    expect(plan.deletes).toEqual([{ side: 'remote', id: '7', key: 1 }]);
  });

  it.each(['remote', 'local'] as const)('deleted on %s while changed on the other: kept, restored, conflict', (deletedOn) => {
    const p = pair(1, '7', 'a', [S]);
    const remote = deletedOn === 'remote' ? listing({}) : listing({ '7': [F, S] });
    const local = deletedOn === 'local' ? listing({}) : listing({ a: [F, S] });
    const plan = planFolder([p], remote, local, BOTH);
    expect(plan.deletes).toEqual([]);
    expect(plan.copies).toEqual([{ to: deletedOn, sourceId: deletedOn === 'remote' ? 'a' : '7', flags: [F, S], pairKey: 1 }]);
    expect(plan.conflicts).toEqual([{ kind: 'delete-vs-change', key: 1, deletedOn, resolution: 'restored' }]);
  });

  it('gone from both sides: forgotten, nothing else', () => {
    const plan = planFolder([pair(1, '7', 'a')], listing({}), listing({}), BOTH);
    expect(plan.forget).toEqual([1]);
    expect(plan.deletes).toEqual([]);
  });

  it('propagateDeletes=false keeps a tombstone so the survivor is never copied back', () => {
    const opts: PlanOptions = { direction: 'both', propagateDeletes: false };
    const plan = planFolder([pair(1, '7', 'a')], listing({ '7': [] }), listing({}), opts);
    expect(plan.tombstones).toEqual([{ key: 1, side: 'local' }]);
    expect(plan.deletes).toEqual([]);
    const later = planFolder([pair(1, '7', null)], listing({ '7': [F] }), listing({}), opts);
    expect(later).toMatchObject({ copies: [], deletes: [], flagUpdates: [], forget: [] });
    const gone = planFolder([pair(1, '7', null)], listing({}), listing({}), opts);
    expect(gone.forget).toEqual([1]);
  });

  it('pull never deletes on the remote: a local delete becomes a tombstone', () => {
    const plan = planFolder([pair(1, '7', 'a')], listing({ '7': [] }), listing({}), { direction: 'pull', propagateDeletes: true });
    expect(plan.deletes).toEqual([]);
    expect(plan.tombstones).toEqual([{ key: 1, side: 'local' }]);
  });
});

describe('massDeleteCheck', () => {
  it.each([
    [11, 20, 'local'],
    [11, 22, null],
    [10, 12, null],
    [30, 31, 'local'],
  ] as const)('%i deletes of %i messages -> %s', (deletes, messages, expected) => {
    const plan = planFolder(
      Array.from({ length: deletes }, (_, i) => pair(i + 1, String(i + 1), `l${i + 1}`)),
      listing({}),
      listing(Object.fromEntries(Array.from({ length: deletes }, (_, i) => [`l${i + 1}`, []]))),
      BOTH,
    );
    expect(plan.deletes.length).toBe(deletes);
    expect(massDeleteCheck(plan, { remote: 0, local: messages })?.side ?? null).toBe(expected);
  });
});

describe('planFolder: properties', () => {
  it('never both deletes and copies a pair, and touches every id at most once', () => {
    const flags = fc.uniqueArray(fc.constantFrom(S, F, A)).map((a) => [...a].sort());
    const entry = fc.record({ base: flags, r: fc.option(flags), l: fc.option(flags) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.constantFrom('both', 'pull', 'push'), fc.boolean(), (entries, direction, propagateDeletes) => {
        const pairs = entries.map((e, i) => pair(i + 1, `r${i}`, `l${i}`, e.base));
        const remote = new Map(entries.flatMap((e, i) => (e.r ? [[`r${i}`, e.r] as const] : [])));
        const local = new Map(entries.flatMap((e, i) => (e.l ? [[`l${i}`, e.l] as const] : [])));
        const plan = planFolder(pairs, remote, local, { direction, propagateDeletes });
        const keys = [
          ...plan.deletes.map((d) => d.key),
          ...plan.copies.map((c) => c.pairKey),
          ...plan.forget,
          ...plan.tombstones.map((t) => t.key),
        ];
        expect(new Set(keys).size).toBe(keys.length);
        // Nothing is ever deleted on a side where the message was changed since the last sync.
        for (const d of plan.deletes) {
          const e = entries[d.key - 1]!;
          const survivor = d.side === 'remote' ? e.r : e.l;
          expect(survivor).toEqual(e.base);
        }
        // Nothing new appears: the planner only copies messages unknown to state, or restores.
        expect(plan.copies.every((c) => c.pairKey !== null)).toBe(true);
      }),
    );
  });
});
