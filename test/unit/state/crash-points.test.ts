import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_EXIT_CODE } from '../../../electron/engine/fault-hook.js';
import { AccountStateStore } from '../../../electron/engine/state/account-state-store.js';
import { replayed, sampleRecords } from './state-fixtures.js';
import { useTempDirs } from './temp-dirs.js';

const tempAccountDir = useTempDirs();
const FOLDER = 'INBOX';

/**
 * Writes the sample records with syncs and compactions in between, printing how many records
 * were appended before each call that makes them durable. Killed by the fault hook after a
 * durable step, the last number printed is what must be on disk.
 */
const SCENARIO = `
import { AccountStateStore } from './electron/engine/state/account-state-store.js';
import { sampleRecords } from './test/unit/state/state-fixtures.js';
const records = sampleRecords(${JSON.stringify(FOLDER)});
const store = await AccountStateStore.open(process.argv[2]);
const load = await store.loadFolder(${JSON.stringify(FOLDER)});
if (!load.ok) throw new Error(load.reason);
const journal = store.openJournal(${JSON.stringify(FOLDER)}, load.state, load.seq);
let appended = 0;
const add = (n) => { for (const rec of records.slice(appended, appended + n)) journal.append(rec); appended += n; };
const durable = () => process.stdout.write(appended + '\\n');
add(3); durable(); await journal.sync('a');
durable(); await journal.compact();
add(4); durable(); await journal.sync('b');
add(2); durable(); await journal.compact();
add(5); durable(); await journal.sync('c');
add(3); durable(); await journal.close();
`;

let bundleDir: string;
let script: string;

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'mailferry-crash-'));
  script = join(bundleDir, 'scenario.mjs');
  await build({
    stdin: { contents: SCENARIO, resolveDir: resolve(import.meta.dirname, '../../..'), loader: 'ts' },
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
  });
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

describe('crash after every durable step', () => {
  it('reloads to exactly what was durable at that step, and writing continues from there', async () => {
    const records = sampleRecords(FOLDER);
    let completed = false;
    for (let step = 1; !completed; step++) {
      expect(step).toBeLessThan(30);
      const dir = await tempAccountDir();
      const run = spawnSync(process.execPath, [script, dir], { env: { ...process.env, MAILFERRY_FAULT_AFTER_STEPS: String(step) }, encoding: 'utf8' });
      const printed = run.stdout.trim().split('\n').map(Number);
      const durable = printed.at(-1)!;
      if (run.status === 0) {
        completed = true;
        expect(durable).toBe(records.length);
      } else {
        expect(run.stderr).toContain(`fault injected after durable step ${step}`);
        expect(run.status).toBe(FAULT_EXIT_CODE);
      }

      const store = await AccountStateStore.open(dir);
      const load = await store.loadFolder(FOLDER);
      if (!load.ok) throw new Error(`step ${step}: ${load.reason}`);
      expect(load.seq, `step ${step}`).toBe(durable);
      expect(load.state, `step ${step}`).toEqual(replayed(FOLDER, records.slice(0, durable)));

      const journal = store.openJournal(FOLDER, load.state, load.seq);
      journal.append({ op: 'synced', at: step });
      await journal.close();
      const again = await store.loadFolder(FOLDER);
      expect(again).toMatchObject({ ok: true, seq: durable + 1, state: { lastSync: step } });
    }
  });
});
