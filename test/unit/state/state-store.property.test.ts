import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import type { Side, StateRecord } from '../../../electron/engine/state/folder-state.js';
import { encodeFolderName } from '../../../electron/engine/state/folder-files.js';
import { readOptional } from '../../../electron/engine/state/folder-loader.js';
import { identity, replayed } from './state-fixtures.js';
import { useTempDirs } from './temp-dirs.js';

const tempAccountDir = useTempDirs();
const FOLDER = 'Archive/2024';

const side = fc.constantFrom<Side>('remote', 'local');
const key = fc.integer({ min: 1, max: 6 });
const msg = fc.integer({ min: 1, max: 8 });
const flagList = fc.uniqueArray(fc.constantFrom('\\Seen', '\\Flagged', '\\Answered', '$Forwarded', 'Ünicode\n"key"'), { maxLength: 3 });
const time = fc.integer({ min: 0, max: 2_000_000_000_000 });

const record: fc.Arbitrary<StateRecord> = fc.oneof(
  fc.record({
    op: fc.constant('status' as const),
    side,
    status: fc.option(
      fc.record({
        uidValidity: fc.string({ maxLength: 10 }),
        uidNext: fc.option(fc.nat()),
        highestModseq: fc.option(fc.string({ maxLength: 5 })),
        messages: fc.option(fc.nat()),
        changeToken: fc.option(fc.string({ maxLength: 8 })),
      }),
    ),
  }),
  fc.record({
    op: fc.constant('pair' as const),
    pair: fc.record({ key, remote: fc.option(fc.string({ maxLength: 6 })), local: fc.option(fc.string({ maxLength: 6 })), flags: flagList, identity: msg.map(identity) }),
  }),
  fc.record({ op: fc.constant('unpair' as const), key }),
  fc.record({ op: fc.constant('flags' as const), key, flags: flagList }),
  fc.record({
    op: fc.constant('intent' as const),
    intent: fc.record({
      id: fc.integer({ min: 1, max: 4 }),
      target: side,
      ticket: fc.oneof(
        fc.record({ kind: fc.constant('imap' as const), uidValidity: fc.constant('42'), uidNext: fc.nat() }),
        fc.record({ kind: fc.constant('maildir' as const), unique: fc.string({ maxLength: 12 }) }),
      ),
      sourceId: fc.string({ maxLength: 6 }),
      identity: fc.option(msg.map(identity)),
      flags: flagList,
      pairKey: fc.option(key),
    }),
  }),
  fc.record({ op: fc.constant('intentDone' as const), id: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    op: fc.constant('ghost' as const),
    ghost: fc.record({ side, identity: msg.map(identity), uidValidity: fc.constant('42'), fromUid: fc.nat(), createdAt: time }),
  }),
  fc.record({ op: fc.constant('ghostDone' as const), side, sha256: msg.map((n) => identity(n).sha256) }),
  fc.record({
    op: fc.constant('conflict' as const),
    conflict: fc.record({
      id: fc.constantFrom('c1', 'c2', 'c3'),
      kind: fc.constantFrom('delete-vs-change' as const, 'mass-delete-stopped' as const),
      folder: fc.constant(FOLDER),
      detail: fc.string({ maxLength: 20 }),
      pairKey: fc.option(key),
      at: time,
    }),
  }),
  fc.record({ op: fc.constant('conflictDone' as const), id: fc.constantFrom('c1', 'c2', 'c3') }),
  fc.record({ op: fc.constant('synced' as const), at: time }),
);

type Step = { kind: 'append'; rec: StateRecord } | { kind: 'sync' } | { kind: 'compact' };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: record.map((rec) => ({ kind: 'append' as const, rec })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

/** What a crash can leave after the last complete line: nothing, or part of a line. */
const tornTail = fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 })).map((t) =>
  typeof t === 'string' ? Buffer.from(t.replaceAll('\n', ' ')) : Buffer.from(t.map((b) => (b === 0x0a ? 0x20 : b))),
));

/** Whether a crash hit the last compaction after its snapshot but before the journal reset. */
const staleJournal = fc.boolean();

describe('state store, property', () => {
  it('reloads to exactly the records that were synced, whatever the compactions and torn tail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), tornTail, staleJournal, record, async (steps, tail, useStale, extra) => {
        const dir = await tempAccountDir();
        const store = await AccountStateStore.open(dir);
        const journalPath = join(dir, 'folders', `${encodeFolderName(FOLDER)}.journal`);
        const first = await store.loadFolder(FOLDER);
        if (!first.ok) throw new Error(first.reason);
        const journal = store.openJournal(FOLDER, first.state, first.seq);
        const appended: StateRecord[] = [];
        let synced = 0;
        /** The journal as the last compaction found it, while nothing was synced after it. */
        let beforeReset: Buffer | null = null;
        for (const s of steps) {
          if (s.kind === 'append') {
            journal.append(s.rec);
            appended.push(s.rec);
          } else if (s.kind === 'sync') {
            await journal.sync('property');
            if (appended.length > synced) beforeReset = null;
            synced = appended.length;
          } else {
            await journal.sync('property');
            beforeReset = await readOptional(journalPath);
            await journal.compact();
            synced = appended.length;
          }
        }
        // A crash now: the files stay as they are and the unsynced records never reach them.
        const atCrash = await readOptional(journalPath);
        await journal.close();
        if (atCrash === null) await rm(journalPath, { force: true });
        else await writeFile(journalPath, atCrash);
        if (useStale && beforeReset) await writeFile(journalPath, beforeReset);
        if (tail) await appendFile(journalPath, tail);

        const load = await store.loadFolder(FOLDER);
        if (!load.ok) throw new Error(load.reason);
        expect(load.seq).toBe(synced);
        expect(load.state).toEqual(replayed(FOLDER, appended.slice(0, synced)));

        // Writing goes on cleanly from there.
        const next = store.openJournal(FOLDER, load.state, load.seq);
        next.append(extra);
        await next.close();
        const again = await store.loadFolder(FOLDER);
        if (!again.ok) throw new Error(again.reason);
        expect(again.notes).toEqual([]);
        expect(again.seq).toBe(synced + 1);
        expect(again.state).toEqual(replayed(FOLDER, [...appended.slice(0, synced), extra]));
      }),
      { numRuns: 60 },
    );
  });
});
