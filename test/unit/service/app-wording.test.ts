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
