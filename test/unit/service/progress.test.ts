import { afterEach, describe, expect, it } from 'vitest';
import type { FolderProgressView } from '../../../shared/api/app-api.js';
import type { EngineEvent } from '../../../shared/api/engine-protocol.js';
import { emptyFolderSummary } from '../../../shared/sync-summary.js';
import { input, stopServices, until, world } from '../../support/service-world.js';

afterEach(stopServices);

describe('progress that ends', () => {
  it('a folder that stops (safety check) or fails after listing ends its progress with its outcome; it does not stay "checking for changes"', async () => {
    const w = await world({ kind: 'memory' });
    w.engine.onSync = (cmd, emit) => {
      const { runId, account } = cmd;
      const listing = (folder: string): EngineEvent => ({ type: 'progress', runId, progress: { account, folder, phase: 'listing', messagesDone: 0, messagesTotal: 0, bytesDone: 0, bytesTotal: null } });
      const archive = { ...emptyFolderSummary('Archive'), outcome: 'stopped' as const, error: 'stopped by the mass-delete safety check' };
      const lists = { ...emptyFolderSummary('Lists'), outcome: 'failed' as const, error: 'NO [SERVERBUG] oops' };
      const quiet = { ...emptyFolderSummary('Quiet'), outcome: 'unchanged' as const };
      const folders = [archive, lists, quiet];
      emit({ type: 'syncStarted', runId, account });
      emit(listing('Archive'));
      emit(listing('Lists'));
      for (const summary of folders) emit({ type: 'folderDone', runId, account, summary });
      emit({ type: 'syncFinished', runId, account, summary: { account, error: null, folders }, errorKind: null, fingerprint: null, skipped: null });
      emit({ type: 'status', account, overview: { account, folders: [] } });
    };
    await w.call('addAccount', { account: input(w) });
    await until(w, 'activity', (e) => e.message.startsWith('sync finished'));
    const last = new Map<string, FolderProgressView>();
    for (const e of w.events) if (e.event === 'progress') last.set((e.payload as FolderProgressView).folder, e.payload as FolderProgressView);
    expect(last.get('Archive')).toMatchObject({ phase: 'done', outcome: 'stopped', etaSeconds: 0 });
    expect(last.get('Lists')).toMatchObject({ phase: 'done', outcome: 'failed' });
    // A folder that never reported progress (nothing changed) gets none.
    expect(last.has('Quiet')).toBe(false);
  });
});
