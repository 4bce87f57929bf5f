import { spawn } from 'node:child_process';
import type { SyncSummary } from '../../shared/sync-summary.js';

/** Runs `sync --json` with a CLI bundle built from the sources (built-bundles.ts); rejects on a non-zero exit. */
export function syncJson(cli: string, configPath: string): Promise<SyncSummary> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, 'sync', '--config', configPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out) as SyncSummary) : fail(new Error(`sync exited ${code}\n${out}\n${err}`))));
  });
}
