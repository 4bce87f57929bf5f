import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderProgress, SyncReporter } from '../../electron/engine/sync/sync-reporter.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { syncWorldInProcess } from '../support/in-process-sync.js';
import { makeMessage } from '../support/messages.js';
import { SyncWorld } from '../support/sync-world.js';

/**
 * What the app's overall progress is made of: a first sync of several folders announces every
 * folder's total (messages and bytes) before the first message is copied, so the sum of the
 * totals never grows under a count already shown (2,292/2,774 -> 2,811/4,044 was seen).
 */

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const FOLDERS: Record<string, number> = { INBOX: 90, Lists: 70, 'Archive/2025': 30, Empty: 0 };

describe.each([1, 3])('progress of a first sync over %i connection(s)', (connections) => {
  it('every folder reports its totals before any copy is counted; counts never go back; each folder ends done', async () => {
    const w = await SyncWorld.create(server, { account: { connections } });
    try {
      for (const [folder, n] of Object.entries(FOLDERS)) {
        if (folder !== 'INBOX') await w.remote.createFolder(folder);
        for (let i = 0; i < n; i++) await w.remote.append(folder, makeMessage({ subject: `${folder} ${i}` }));
      }
      const seen: FolderProgress[] = [];
      const reporter: SyncReporter = { progress: (p) => seen.push({ ...p }), folderDone() {}, note() {} };
      const summary = await syncWorldInProcess(w, {}, reporter);
      expect(summary.error).toBeNull();

      const firstCopy = seen.findIndex((p) => p.messagesDone > 0);
      expect(firstCopy).toBeGreaterThan(0);
      // Before the first copy, every folder with mail to copy announced its total and bytes.
      const announced = new Map<string, FolderProgress>();
      for (const p of seen.slice(0, firstCopy)) if (p.phase !== 'listing') announced.set(p.folder, p);
      for (const [folder, n] of Object.entries(FOLDERS)) {
        expect(announced.get(folder), folder).toMatchObject({ messagesDone: 0, messagesTotal: n });
        expect(announced.get(folder)!.bytesTotal, folder).toBeGreaterThanOrEqual(n * 100);
      }
      // From then on, the sum of the totals stays, and what is done only grows.
      const latest = new Map<string, FolderProgress>();
      let total = -1;
      let done = 0;
      for (const [i, p] of seen.entries()) {
        latest.set(p.folder, p);
        if (i < firstCopy) continue;
        const sum = [...latest.values()].reduce((n, q) => n + q.messagesTotal, 0);
        const sumDone = [...latest.values()].reduce((n, q) => n + q.messagesDone, 0);
        if (total >= 0) expect(sum, `after ${JSON.stringify(p)}`).toBe(total);
        expect(sumDone).toBeGreaterThanOrEqual(done);
        total = sum;
        done = sumDone;
      }
      expect(total).toBe(190);
      for (const folder of Object.keys(FOLDERS)) expect(latest.get(folder)?.phase, folder).toBe('done');
    } finally {
      await w.close();
    }
  });
});
