import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appMethods } from '../../../shared/api/app-api.js';
import { AccountOverviewSchema } from '../../../shared/api/engine-protocol.js';
import type { ConflictSides } from '../../../shared/conflict-sides.js';
import { accountOverview } from '../../../electron/engine/host/account-overview.js';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import { encodeFolderName } from '../../../electron/engine/state/folder-files.js';
import type { Conflict } from '../../../electron/engine/state/folder-state.js';
import { formatJournalLine } from '../../../electron/engine/state/state-codec.js';
import { conflictSchema } from '../../../electron/engine/state/state-schemas.js';
import { conflictViews } from '../../../electron/service/accounts/account-views.js';
import { useTempDirs } from './temp-dirs.js';

const tempAccountDir = useTempDirs();

/** Exactly what the version before per-side descriptions journaled for a delete-vs-change conflict. */
const OLD_CONFLICT_JSON =
  '{"op":"conflict","conflict":{"id":"delete-vs-change:1:1700000300000","kind":"delete-vs-change","folder":"INBOX",' +
  '"detail":"message <m1@example.org> was deleted on the local side but changed on the remote side since the last sync: kept it and restored it on the local side",' +
  '"pairKey":1,"at":1700000300000}}';

const SIDES: ConflictSides = {
  remote: {
    change: 'flags-changed',
    folder: 'INBOX',
    message: { subject: 'Quarterly report', from: 'Alice <alice@example.org>', date: '2024-03-01T10:00:00.000Z', flags: ['\\Flagged'], size: 1234, present: true },
  },
  local: {
    change: 'deleted',
    folder: 'INBOX',
    message: { subject: 'Quarterly report', from: 'Alice <alice@example.org>', date: '2024-03-01T10:00:00.000Z', flags: [], size: 1234, present: false },
  },
};

/** The state dir holding account "work", as the engine host and the app read it. */
async function stateDirWith(file: 'journal' | 'snap', bytes: string): Promise<{ stateDir: string; accountDir: string }> {
  const accountDir = await tempAccountDir();
  const path = join(accountDir, 'folders', `${encodeFolderName('INBOX')}.${file}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return { stateDir: dirname(accountDir), accountDir };
}

/** From the state files to what the renderer receives, through both boundaries' schemas. */
async function shownConflicts(stateDir: string) {
  const overview = AccountOverviewSchema.parse(await accountOverview(stateDir, 'work'));
  return appMethods.listConflicts.result.parse(conflictViews('work', overview));
}

describe('conflict records with what happened on each side', () => {
  it('a conflict journaled by the previous version loads, and the app shows its detail sentence without sides', async () => {
    const { stateDir } = await stateDirWith('journal', formatJournalLine(1, OLD_CONFLICT_JSON));
    const [shown, ...rest] = await shownConflicts(stateDir);
    expect(rest).toEqual([]);
    expect(shown).toMatchObject({ kind: 'delete-vs-change', folder: 'INBOX', sides: null, choices: ['keep-both', 'delete-both'] });
    // In the app's words: the sides named as on screen.
    expect(shown!.detail).toContain('deleted on this computer but changed on the server');
  });

  it('so does one in a snapshot the previous version wrote', async () => {
    const conflict = JSON.parse(OLD_CONFLICT_JSON).conflict as unknown;
    const body = JSON.stringify({ folder: 'INBOX', status: { remote: null, local: null }, pairs: [], nextKey: 2, intents: [], nextIntent: 1, ghosts: [], conflicts: [conflict], lastSync: null });
    const header = JSON.stringify({ format: 'mailferry-folder-state', version: 1, seq: 1, sha256: createHash('sha256').update(body).digest('hex') });
    const { stateDir } = await stateDirWith('snap', `${header}\n${body}`);
    expect(await shownConflicts(stateDir)).toMatchObject([{ id: 'delete-vs-change:1:1700000300000', sides: null }]);
  });

  it('a conflict with sides survives the journal and a compaction, and reaches the renderer whole', async () => {
    const accountDir = await tempAccountDir();
    const store = await AccountStateStore.open(accountDir);
    const conflict: Conflict = { id: 'c1', kind: 'delete-vs-change', folder: 'INBOX', detail: 'deleted here, flagged there', sides: SIDES, pairKey: 1, at: 1_700_000_300_000 };
    const journal = store.openJournal('INBOX', (await loadOk(store)).state, 0);
    journal.append({ op: 'conflict', conflict });
    await journal.sync('test');
    expect((await loadOk(store)).state.conflicts).toEqual([conflict]);
    await journal.compact();
    await journal.close();
    expect((await loadOk(store)).state.conflicts).toEqual([conflict]);
    expect(await shownConflicts(dirname(accountDir))).toMatchObject([{ id: 'c1', sides: SIDES }]);
  });

  it('refuses sides that are not what this version writes', () => {
    const base = JSON.parse(OLD_CONFLICT_JSON).conflict as Record<string, unknown>;
    expect(conflictSchema.safeParse({ ...base, sides: SIDES }).success).toBe(true);
    const broken: unknown[] = [
      { ...SIDES, local: { ...SIDES.local, change: 'vanished' } },
      { ...SIDES, remote: { ...SIDES.remote, messages: -1 } },
      { ...SIDES, remote: { ...SIDES.remote, colour: 'red' } },
      { remote: SIDES.remote },
    ];
    for (const sides of broken) expect(conflictSchema.safeParse({ ...base, sides }).success).toBe(false);
  });
});

async function loadOk(store: AccountStateStore) {
  const load = await store.loadFolder('INBOX');
  if (!load.ok) throw new Error(`expected ok load, got: ${load.reason}`);
  return load;
}
