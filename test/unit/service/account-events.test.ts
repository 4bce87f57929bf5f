import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountView, AppEvent } from '../../../shared/api/app-api.js';
import type { AccountOverview, EngineCommand, EngineEvent, FolderOverview } from '../../../shared/api/engine-protocol.js';
import { emptyFolderSummary } from '../../../shared/sync-summary.js';
import { accountOverview } from '../../../electron/engine/host/account-overview.js';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import type { FakeEngine } from '../../support/fake-engine.js';
import { input, stopServices, until, world, type World } from '../../support/service-world.js';

/**
 * Events tell the renderer that something changed: each real change of an account is
 * announced exactly once, and reading an unchanged account announces nothing.
 */

afterEach(stopServices);

const AT = '2026-01-01T10:00:00.000Z';
const CONFLICT: FolderOverview['conflicts'][number] = { id: 'c1', kind: 'delete-vs-change', detail: 'deleted here, flagged there', sides: null, at: AT, settled: null };

type SyncCommand = Extract<EngineCommand, { type: 'sync' }>;
interface HeldPass {
  cmd: SyncCommand;
  emit: (e: EngineEvent) => void;
}

/** Passes start and then wait for the test to report each of their steps. */
function holdPasses(engine: FakeEngine): HeldPass[] {
  const held: HeldPass[] = [];
  engine.onSync = (cmd, emit) => {
    emit({ type: 'syncStarted', runId: cmd.runId, account: cmd.account });
    held.push({ cmd, emit });
  };
  return held;
}

function overview(conflicts: FolderOverview['conflicts'] = []): AccountOverview {
  return { account: 'work', folders: [{ folder: 'INBOX', lastSync: AT, remoteMessages: 2, localMessages: 2, conflicts, pending: null, damaged: null }] };
}

function finish(pass: HeldPass, error: { kind: 'auth'; message: string } | null = null): void {
  const { runId, account } = pass.cmd;
  pass.emit({
    type: 'syncFinished',
    runId,
    account,
    summary: { account, error: error?.message ?? null, folders: [] },
    errorKind: error?.kind ?? null,
    fingerprint: null,
    skipped: null,
  });
}

/** Lets queued engine messages, scheduler steps and handlers run to their end. */
const quiet = () => new Promise((r) => setTimeout(r, 50));

/** What happened from `from` on: the accountChanged payloads and how often each other event came. */
function since(w: World, from: number): { views: AccountView[]; count: (event: AppEvent) => number } {
  const events = w.events.slice(from);
  return {
    views: events.filter((e) => e.event === 'accountChanged').map((e) => e.payload as AccountView),
    count: (event) => events.filter((e) => e.event === event).length,
  };
}

/** An account after its first pass, with later passes held. */
async function synced(w: World): Promise<HeldPass[]> {
  await w.call('addAccount', { account: input(w) });
  await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
  const held = holdPasses(w.engine);
  await quiet();
  return held;
}

describe('accountChanged and conflictsChanged announce changes, not reads', () => {
  it('reads of an unchanged account, and a repeated status report, announce nothing', async () => {
    const w = await world({ kind: 'memory' });
    await synced(w);
    const from = w.events.length;
    await w.call('getAccount', { account: 'work' });
    await w.call('listConflicts', {});
    await w.call('listConflicts', { account: 'work' });
    await w.call('listAccounts');
    await w.call('getAccount', { account: 'work' });
    w.engine.emit({ type: 'status', account: 'work', overview: w.engine.overviews.get('work')! });
    await quiet();
    const after = since(w, from);
    expect(after.views).toEqual([]);
    expect(after.count('conflictsChanged')).toBe(0);
    expect(after.count('accountsChanged')).toBe(0);
  });

  it('a pass announces each real change once: start, a failed folder, a new conflict, the end; progress goes by its own event', async () => {
    const w = await world({ kind: 'memory' });
    const held = await synced(w);

    let from = w.events.length;
    await w.call('syncNow', { account: 'work' });
    await quiet();
    expect(since(w, from).views.map((a) => a.state)).toEqual(['syncing']);
    const pass = held[0]!;
    const { runId } = pass.cmd;

    from = w.events.length;
    for (let done = 1; done <= 3; done++) {
      pass.emit({ type: 'progress', runId, progress: { account: 'work', folder: 'INBOX', phase: 'copying', messagesDone: done, messagesTotal: 3, bytesDone: done * 100, bytesTotal: 300 } });
    }
    await quiet();
    expect(since(w, from).count('progress')).toBe(3);
    expect(since(w, from).views).toEqual([]);

    from = w.events.length;
    pass.emit({ type: 'folderDone', runId, account: 'work', summary: { ...emptyFolderSummary('Archive'), outcome: 'failed', error: 'Archive: the server said NO' } });
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.totals.failedFolders])).toEqual([['syncing', 1]]);

    from = w.events.length;
    pass.emit({ type: 'status', account: 'work', overview: overview([CONFLICT]) });
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.totals.conflicts])).toEqual([['syncing', 1]]);
    expect(since(w, from).count('conflictsChanged')).toBe(1);

    from = w.events.length;
    finish(pass);
    await quiet();
    expect(since(w, from).views.map((a) => a.state)).toEqual(['needs-attention']);

    from = w.events.length;
    await w.call('getAccount', { account: 'work' });
    await w.call('listConflicts', { account: 'work' });
    await quiet();
    expect(since(w, from).views).toEqual([]);
    expect(since(w, from).count('conflictsChanged')).toBe(0);
  });

  it('the next pass: the failed folder recovers and the settled conflict disappears, each announced once; then a failed login', async () => {
    const w = await world({ kind: 'memory' });
    const held = await synced(w);
    await w.call('syncNow', { account: 'work' });
    await quiet();
    const first = held[0]!;
    first.emit({ type: 'folderDone', runId: first.cmd.runId, account: 'work', summary: { ...emptyFolderSummary('Archive'), outcome: 'failed', error: 'Archive: the server said NO' } });
    first.emit({ type: 'status', account: 'work', overview: overview([{ ...CONFLICT, settled: 'delete-both' }]) });
    finish(first);
    await quiet();

    let from = w.events.length;
    await w.call('syncNow', { account: 'work' });
    await quiet();
    const pass = held[1]!;
    pass.emit({ type: 'folderDone', runId: pass.cmd.runId, account: 'work', summary: { ...emptyFolderSummary('Archive'), outcome: 'synced' } });
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.totals.failedFolders])).toEqual([
      ['syncing', 1],
      ['syncing', 0],
    ]);

    from = w.events.length;
    pass.emit({ type: 'status', account: 'work', overview: overview() });
    await quiet();
    // Gone from listConflicts; the account's totals never counted it once it was settled.
    expect(since(w, from).count('conflictsChanged')).toBe(1);
    expect(since(w, from).views).toEqual([]);
    finish(pass);
    await quiet();
    expect(since(w, from).views.map((a) => a.state)).toEqual(['up-to-date']);

    from = w.events.length;
    await w.call('syncNow', { account: 'work' });
    await quiet();
    finish(held[2]!, { kind: 'auth', message: 'LOGIN failed' });
    await quiet();
    const views = since(w, from).views;
    expect(views.map((a) => a.state)).toEqual(['syncing', 'error']);
    expect(views[1]?.lastError).toMatchObject({ kind: 'auth', message: 'LOGIN failed' });
  });

  it('pause and resume are announced once each, though the schedule changes more than once', async () => {
    const w = await world({ kind: 'memory' });
    await synced(w);
    let from = w.events.length;
    await w.call('pause', { account: 'work' });
    await quiet();
    expect(since(w, from).views.map((a) => a.state)).toEqual(['paused']);
    from = w.events.length;
    // Resuming starts the pass that was due: one change, from paused to syncing.
    await w.call('resume', { account: 'work' });
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.paused])).toEqual([['syncing', false]]);
  });

  it('an edit goes out as accountsChanged; reading the edited account then announces nothing', async () => {
    const w = await world({ kind: 'memory' });
    await synced(w);
    const { password: _kept, ...remote } = input(w).remote;
    const from = w.events.length;
    await w.call('updateAccount', { name: 'work', account: { ...input(w), remote, direction: 'pull' } });
    await w.call('getAccount', { account: 'work' });
    await w.call('listAccounts');
    await quiet();
    expect(since(w, from).count('accountsChanged')).toBe(1);
    expect(since(w, from).views).toEqual([]);
  });

  it('a new sync interval moves the next sync, announced once', async () => {
    const w = await world({ kind: 'memory' });
    await synced(w);
    const [before] = await w.call('listAccounts');
    const from = w.events.length;
    await w.call('updateSettings', { patch: { syncIntervalMinutes: 60 } });
    await quiet();
    const views = since(w, from).views;
    expect(views).toHaveLength(1);
    expect(Date.parse(views[0]!.nextSync!) - Date.parse(before.nextSync)).toBeGreaterThan(50 * 60_000);
  });

  it('a read that finds a change (a conflict recorded by the CLI) announces it once', async () => {
    const w = await world({ kind: 'memory' });
    await synced(w);
    w.engine.overviews.set('work', overview([CONFLICT]));
    const from = w.events.length;
    await w.call('getAccount', { account: 'work' });
    await w.call('getAccount', { account: 'work' });
    await w.call('listConflicts', {});
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.totals.conflicts])).toEqual([['needs-attention', 1]]);
    expect(since(w, from).count('conflictsChanged')).toBe(1);
  });

  it('settling a conflict announces it once, then the pass it starts', async () => {
    const w = await world({ kind: 'memory' });
    const stateDir = join(w.dir, 'state');
    w.engine.readOverview = (account) => accountOverview(stateDir, account);
    await synced(w);
    const store = await AccountStateStore.open(join(stateDir, 'work'));
    const loaded = await store.loadFolder('INBOX');
    if (!loaded.ok) throw new Error(loaded.reason);
    const journal = store.openJournal('INBOX', loaded.state, loaded.seq);
    journal.append({ op: 'synced', at: Date.parse(AT) });
    journal.append({ op: 'conflict', conflict: { id: 'c1', kind: 'delete-vs-change', folder: 'INBOX', detail: 'deleted here, flagged there', pairKey: null, at: Date.parse(AT) } });
    await journal.sync('a conflict recorded');
    await journal.close();
    const [found] = await w.call('listConflicts', { account: 'work' });
    expect(found).toMatchObject({ id: 'c1', settled: null });
    await quiet();

    const from = w.events.length;
    await w.call('settleConflict', { account: 'work', folder: 'INBOX', conflictId: 'c1', choice: 'delete-both' });
    await quiet();
    expect(since(w, from).views.map((a) => [a.state, a.totals.conflicts])).toEqual([
      ['up-to-date', 0],
      ['syncing', 0],
    ]);
    expect(since(w, from).count('conflictsChanged')).toBe(1);
  });
});
