import { afterEach, describe, expect, it } from 'vitest';
import type { FolderProgressView } from '../../../shared/api/app-api.js';
import type { EngineEvent, EngineProgress } from '../../../shared/api/engine-protocol.js';
import { ProgressRates } from '../../../electron/service/progress/progress-rates.js';
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

describe('rates and time left', () => {
  const MB = 1_000_000;
  const at = (clock: { t: number }) => () => clock.t;
  const step = (folder: string, phase: EngineProgress['phase'], messagesDone: number, messagesTotal: number, bytesDone: number, bytesTotal: number | null): EngineProgress => ({
    account: 'work',
    folder,
    phase,
    messagesDone,
    messagesTotal,
    bytesDone,
    bytesTotal,
  });

  it('time left follows the bytes still to copy: nine small messages done, one large still to come, is not "1 s"', () => {
    const clock = { t: 0 };
    const rates = new ProgressRates(at(clock));
    // Ten messages, 10 MB: nine of 0.1 MB, then one of 9.1 MB, at 0.1 MB/s.
    rates.view(step('INBOX', 'copying', 0, 10, 0, 10 * MB));
    let v: FolderProgressView | undefined;
    for (let i = 1; i <= 9; i++) {
      clock.t = i * 1000;
      v = rates.view(step('INBOX', 'copying', i, 10, i * 0.1 * MB, 10 * MB));
    }
    expect(v!.bytesPerSecond).toBeCloseTo(0.1 * MB, -3);
    expect(v!.etaSeconds).toBeGreaterThan(85);
    expect(v!.etaSeconds).toBeLessThan(95);
  });

  it('the estimate settles: irregular batches at a steady 1 MB/s count down without jumps', () => {
    const clock = { t: 0 };
    const rates = new ProgressRates(at(clock));
    const total = 60 * MB;
    rates.view(step('INBOX', 'copying', 0, 600, 0, total));
    const etas: number[] = [];
    let bytes = 0;
    for (let i = 1; i <= 40; i++) {
      // A batch every 0.5 s or 1.5 s alternately, each carrying what 1 MB/s moved meanwhile.
      const dt = i % 2 === 0 ? 500 : 1500;
      clock.t += dt;
      bytes += dt * 1000;
      const v = rates.view(step('INBOX', 'copying', Math.round(bytes / 100_000), 600, bytes, total));
      if (i > 4) etas.push(v.etaSeconds!);
    }
    for (let i = 1; i < etas.length; i++) {
      expect(Math.abs(etas[i]! - etas[i - 1]!), `${etas[i - 1]} -> ${etas[i]}`).toBeLessThanOrEqual(3);
      expect(etas[i]!).toBeLessThanOrEqual(etas[i - 1]! + 1);
    }
    expect(etas.at(-1)).toBeGreaterThan(15);
    expect(etas.at(-1)).toBeLessThan(25);
  });

  it('a folder waiting for its connection is not slow: its rate counts from when it started copying', () => {
    const clock = { t: 0 };
    const rates = new ProgressRates(at(clock));
    rates.view(step('Lists', 'copying', 0, 100, 0, 100 * MB));
    clock.t = 30_000; // other folders copy first
    rates.view(step('Lists', 'copying', 0, 100, 0, 100 * MB));
    clock.t = 31_000;
    rates.view(step('Lists', 'copying', 1, 100, 1 * MB, 100 * MB));
    clock.t = 32_000;
    const v = rates.view(step('Lists', 'copying', 2, 100, 2 * MB, 100 * MB));
    expect(v.bytesPerSecond).toBeCloseTo(1 * MB, -4);
    expect(v.etaSeconds).toBeCloseTo(98, -1);
  });

  it('a folder planned again after a dropped connection keeps what it counted: progress never moves backwards', () => {
    const clock = { t: 0 };
    const rates = new ProgressRates(at(clock));
    const seen: [number, number][] = [];
    const show = (p: EngineProgress) => {
      clock.t += 1000;
      const v = rates.view(p);
      seen.push([v.messagesDone, v.messagesTotal]);
    };
    show(step('INBOX', 'listing', 0, 0, 0, null));
    show(step('INBOX', 'copying', 0, 100, 0, 100 * MB));
    show(step('INBOX', 'copying', 64, 100, 64 * MB, 100 * MB));
    // The connection dropped; the folder is listed and planned again: 36 copies left.
    show(step('INBOX', 'listing', 0, 0, 64 * MB, null));
    show(step('INBOX', 'copying', 0, 36, 64 * MB, 36 * MB));
    show(step('INBOX', 'copying', 36, 36, 100 * MB, 36 * MB));
    expect(seen).toEqual([
      [0, 0],
      [0, 100],
      [64, 100],
      [64, 100],
      [64, 100],
      [100, 100],
    ]);
  });
});
