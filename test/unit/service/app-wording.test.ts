import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEntry, ConflictView, FolderView } from '../../../shared/api/app-api.js';
import type { EngineEvent } from '../../../shared/api/engine-protocol.js';
import { emptyFolderSummary } from '../../../shared/sync-summary.js';
import { massDeleteSides } from '../../../electron/engine/conflicts/describe-sides.js';
import { massDeleteStopMessage } from '../../../electron/engine/sync/sync-folder.js';
import { alertsFromPass } from '../../../electron/service/notifications/alerts-from-pass.js';
import { input, stopServices, until, world } from '../../support/service-world.js';

/**
 * The engine speaks to the CLI ("run again with --allow-mass-delete", "the local side"); the
 * app says the same in its own words and offers its own way out.
 */

afterEach(stopServices);

const AT = '2026-01-01T10:00:00.000Z';
/** The engine's own sentence for a Maildir folder emptied on this computer (42 files deleted). */
const STOPPED = massDeleteStopMessage({ side: 'remote', deletes: 42, messages: 42 }, 'Archive');

describe('the safety check in the app', () => {
  it('the CLI keeps its advice', () => {
    expect(STOPPED).toContain('run again with --allow-mass-delete --folder "Archive"');
  });

  it('the folder, the conflict, the activity log and the notification offer the Conflicts screen’s choices, never the command line', async () => {
    const w = await world({ kind: 'memory' });
    w.engine.onSync = (cmd, emit) => {
      const { runId, account } = cmd;
      const archive = { ...emptyFolderSummary('Archive'), outcome: 'stopped' as const, error: STOPPED };
      const events: EngineEvent[] = [
        { type: 'syncStarted', runId, account },
        { type: 'folderDone', runId, account, summary: archive },
        { type: 'syncFinished', runId, account, summary: { account, error: null, folders: [archive] }, errorKind: null, fingerprint: null, skipped: null },
        {
          type: 'status',
          account,
          overview: {
            account,
            folders: [
              {
                folder: 'Archive',
                lastSync: AT,
                remoteMessages: 42,
                localMessages: 42,
                conflicts: [
                  { id: 'mass-delete-stopped:Archive', kind: 'mass-delete-stopped', detail: STOPPED, sides: massDeleteSides('Archive', 'remote', 42, { remote: 42, local: 0 }), at: AT, settled: null },
                ],
                pending: null,
                damaged: null,
              },
            ],
          },
        },
      ];
      for (const e of events) emit(e);
    };
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'needs-attention');

    const cli = /--allow-mass-delete|run again|the (local|remote) side/;
    const expected = 'Stopped by the safety check: this sync would delete 42 of 42 messages on the server, because they are gone from this computer.';
    const advice = 'On the Conflicts screen, choose “Allow this deletion” if they were removed on purpose, or “Restore” to copy them back.';

    const { folders } = (await w.call('getAccount', { account: 'work' })) as { folders: FolderView[] };
    const archive = folders.find((f) => f.folder === 'Archive')!;
    expect(archive.lastError).toBe(`${expected} ${advice}`);

    const [conflict] = (await w.call('listConflicts', { account: 'work' })) as ConflictView[];
    // Beside its buttons, the conflict says which to press.
    expect(conflict!.detail).toBe(`${expected} Choose “Allow this deletion” if they were removed on purpose, or “Restore” to copy them back.`);
    expect(conflict!.choices).toEqual(['allow-deletion', 'keep-both']);

    const log = (await w.call('getActivity', {})) as ActivityEntry[];
    expect(log.map((e) => e.message).filter((m) => cli.test(m))).toEqual([]);
    expect(log.some((e) => e.message === `${expected} ${advice}`)).toBe(true);

    const account = { name: 'work', local: { type: 'maildir', path: w.maildir } } as Parameters<typeof alertsFromPass>[0];
    const archiveSummary = { ...emptyFolderSummary('Archive'), outcome: 'stopped' as const, error: STOPPED };
    const [alert] = alertsFromPass(account, { account: 'work', error: null, folders: [archiveSummary] }, null, null);
    expect(alert).toMatchObject({ kind: 'safety-stop', detail: `Archive: ${expected} ${advice}` });
  });
});

describe('the activity log in the app’s words', () => {
  it('a folder created, forgotten or deleted as asked is news, not a warning; a damaged state is a warning; sides are named as on screen', async () => {
    const w = await world({ kind: 'memory' });
    w.engine.onSync = (cmd, emit) => {
      const { runId, account } = cmd;
      const created = { ...emptyFolderSummary('Projects'), notes: ['created on the local side'] };
      const forgotten = { ...emptyFolderSummary('Old'), outcome: 'unchanged' as const, notes: ['gone from both sides; forgotten'] };
      const removed = { ...emptyFolderSummary('Tmp'), notes: ['deleted on the remote side; the local copy was removed too'] };
      const damaged = { ...emptyFolderSummary('INBOX'), notes: ['state for this folder was damaged (bad checksum); it was set aside and the folder re-paired by message identity'] };
      const folders = [created, forgotten, removed, damaged];
      emit({ type: 'syncStarted', runId, account });
      for (const summary of folders) emit({ type: 'folderDone', runId, account, summary });
      emit({ type: 'syncFinished', runId, account, summary: { account, error: null, folders }, errorKind: null, fingerprint: null, skipped: null });
      emit({ type: 'status', account, overview: { account, folders: [] } });
    };
    await w.call('addAccount', { account: input(w) });
    await until(w, 'activity', (e) => e.message.startsWith('sync finished'));
    const log = ((await w.call('getActivity', {})) as ActivityEntry[]).filter((e) => e.folder !== null);
    const line = (folder: string) => log.filter((e) => e.folder === folder).map((e) => [e.level, e.message]);
    expect(line('Projects')).toEqual([['info', 'folder created on this computer']]);
    expect(line('Old')).toEqual([['info', 'folder gone from both sides; Mailferry no longer keeps track of it']]);
    expect(line('Tmp')).toEqual([['info', 'folder deleted on the server, so it was removed from this computer too']]);
    expect(line('INBOX')).toEqual([['warning', expect.stringMatching(/^state for this folder was damaged/)]]);
  });

  it('a conflict settled is logged with the button’s words, not the engine’s code', async () => {
    const { join } = await import('node:path');
    const { accountOverview } = await import('../../../electron/engine/host/account-overview.js');
    const { AccountStateStore } = await import('../../../electron/engine/state/account-state-store.js');
    const w = await world({ kind: 'memory' });
    const stateDir = join(w.dir, 'state');
    w.engine.readOverview = (account) => accountOverview(stateDir, account);
    await w.call('addAccount', { account: input(w) });
    await until(w, 'accountChanged', (a) => a.state === 'up-to-date');
    w.engine.onSync = () => {};
    const store = await AccountStateStore.open(join(stateDir, 'work'));
    const loaded = await store.loadFolder('INBOX');
    if (!loaded.ok) throw new Error(loaded.reason);
    const journal = store.openJournal('INBOX', loaded.state, loaded.seq);
    journal.append({ op: 'conflict', conflict: { id: 'c1', kind: 'delete-vs-change', folder: 'INBOX', detail: 'deleted on the local side but changed on the remote side', pairKey: null, at: Date.parse(AT) } });
    await journal.sync('a conflict recorded');
    await journal.close();
    await w.call('settleConflict', { account: 'work', folder: 'INBOX', conflictId: 'c1', choice: 'keep-both' });
    const log = (await w.call('getActivity', { query: 'settled' })) as ActivityEntry[];
    expect(log.map((e) => e.message)).toEqual(['conflict settled: you chose “Keep the message” (deleted on one side, changed on the other); the next sync carries it out']);
  });
});
