import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { SyncWorld } from '../support/sync-world.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { loadConfig } from '../../electron/engine/config/load-config.js';
import { AccountWatcher } from '../../electron/engine/watch/account-watcher.js';
import { silentReporter } from '../../electron/engine/sync/sync-reporter.js';
import type { AccountSummary } from '../../shared/sync-summary.js';

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

describe('a running watcher', () => {
  it('brings new INBOX mail to the replica within seconds of its arrival (push), and keeps its connections between passes', async () => {
    const w = await SyncWorld.create(server);
    await w.remote.append('INBOX', makeMessage({ subject: 'before' }));
    const { config } = await loadConfig(w.configPath);
    const passes: AccountSummary[] = [];
    // An hour-long interval: anything that arrives sooner came by push.
    const watcher = new AccountWatcher(config.accounts[0]!, {
      stateDir: config.stateDir,
      intervalMs: 3_600_000,
      pushFolders: ['INBOX'],
      reporter: silentReporter,
      secretEnvNames: [],
      onPass: (s) => passes.push(s),
    });
    await watcher.start();
    try {
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 500));
      await w.remote.append('INBOX', makeMessage({ subject: 'pushed' }));
      const took = await until('the pushed message in the Maildir', async () => (await localMessages(w.maildir, 'INBOX')).length === 2, 10_000);
      expect(took).toBeLessThan(10_000);
      expect(passes.every((p) => p.error === null)).toBe(true);
      expect(await w.localView(['INBOX'])).toEqual(await w.remoteView(['INBOX']));
    } finally {
      await watcher.stop();
      await w.close();
    }
  }, 30_000);

  it('`mailferry watch` keeps a replica in step by push and stops cleanly on SIGTERM', async () => {
    const w = await SyncWorld.create(server);
    const { spawn } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/mailferry.js'), 'watch', '--config', w.configPath, '--interval', '3600'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      await until('the watcher to start', async () => stderr.includes('watching'), 15_000);
      await w.remote.append('INBOX', makeMessage({ subject: 'while watching' }));
      await until('the message in the Maildir', async () => (await localMessages(w.maildir, 'INBOX')).length === 1, 10_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    await w.close();
  }, 60_000);
});
