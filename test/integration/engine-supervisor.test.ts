import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineAccount, EngineEvent } from '../../shared/api/engine-protocol.js';
import { DEFAULT_CONNECTIONS } from '../../shared/config.js';
import { EngineSupervisor } from '../../electron/service/engine/engine-supervisor.js';
import { nodeEngineLauncher } from '../../electron/service/engine/node-launcher.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

const MESSAGES = 150;

let server: DovecotServer;
let engineHost: string;

beforeAll(async () => {
  [server, { engineHost }] = await Promise.all([startDovecot(), builtBundles()]);
});
afterAll(async () => {
  await server?.stop();
  await removeBuiltBundles();
});

/** A remote user with MESSAGES messages (with sizable bodies, so a pass takes a moment) and an empty Maildir. */
async function world(messages = MESSAGES, on: DovecotServer = server): Promise<{ user: DovecotUser; account: EngineAccount; stateDir: string; maildir: string }> {
  const user = await on.addUser();
  const fx = await connect(on, user);
  for (let i = 0; i < messages; i++) await fx.append('INBOX', makeMessage({ subject: `m${i}`, body: `${'body line\r\n'.repeat(2000)}` }));
  await fx.close();
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-supervisor-'));
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const account: EngineAccount = {
    name: 'work',
    remote: { type: 'imap', host: on.host, port: on.port, security: 'none', user: user.user },
    local: { type: 'maildir', path: maildir },
    folders: { include: ['*'], exclude: [] },
    direction: 'both',
    propagateDeletes: true,
    connections: DEFAULT_CONNECTIONS,
  };
  return { user, account, stateDir: join(dir, 'state'), maildir };
}

interface Harness {
  supervisor: EngineSupervisor;
  events: EngineEvent[];
  crashes: string[];
  restarts: { at: number; restarts: number }[];
  crashedAt: number[];
  /** Resolves with the pid of the k-th host that reported ready (0: the first start). */
  ready(k: number): Promise<number>;
  /** Resolves with the first event that passes the test (including ones already seen). */
  next(test: (e: EngineEvent) => boolean): Promise<EngineEvent>;
}

function harness(w: Awaited<ReturnType<typeof world>>): Harness {
  const events: EngineEvent[] = [];
  const waiters: { test: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  const h: Harness = {
    events,
    crashes: [],
    restarts: [],
    crashedAt: [],
    supervisor: new EngineSupervisor({
      launcher: nodeEngineLauncher(engineHost),
      startCommand: () => ({ type: 'start', stateDir: w.stateDir, accounts: [w.account] }),
      onEvent: (e) => {
        events.push(e);
        for (const waiter of [...waiters]) {
          if (waiter.test(e)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(e);
          }
        }
      },
      onCrash: (reason) => {
        h.crashes.push(reason);
        h.crashedAt.push(Date.now());
      },
      onRestart: ({ restarts }) => h.restarts.push({ at: Date.now(), restarts }),
      onInvalidMessage: (problem) => {
        throw new Error(`invalid message from the engine host: ${problem}`);
      },
      restartPolicy: { initialDelayMs: 300, maxDelayMs: 5000, healthyAfterMs: 60_000 },
      shutdownTimeoutMs: 10_000,
    }),
    ready: async (k) => {
      let seen = -1;
      const e = await h.next((ev) => ev.type === 'ready' && ++seen === k);
      return (e as Extract<EngineEvent, { type: 'ready' }>).pid;
    },
    next: (test) =>
      new Promise((resolve) => {
        const seen = events.find(test);
        if (seen) resolve(seen);
        else waiters.push({ test, resolve });
      }),
  };
  return h;
}

/** Established TCP connections to this local port, from any process (Linux /proc). */
async function connectionsTo(port: number): Promise<number> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, , remote, state] = line.trim().split(/\s+/);
      if (remote?.endsWith(hex) && state === '01') n++;
    }
  }
  return n;
}

const sync = (h: Harness, runId: string, password: string) =>
  h.supervisor.send({ type: 'sync', runId, account: 'work', credentials: { remote: password, local: null }, folders: [] });

const copying = (runId: string) => (e: EngineEvent) => e.type === 'progress' && e.runId === runId && e.progress.phase === 'copying' && e.progress.messagesDone > 0;
const finished = (runId: string) => (e: EngineEvent) => e.type === 'syncFinished' && e.runId === runId;

describe('engine supervisor with a real engine host process', () => {
  it('restarts a killed host with growing delays, and the next pass completes without duplicates', async () => {
    const w = await world();
    const h = harness(w);
    h.supervisor.start();
    const first = await h.ready(0);
    expect(sync(h, 'run1', w.user.password)).toBe(true);
    await h.next(copying('run1'));
    process.kill(first, 'SIGKILL');

    // First restart after the initial delay; kill the new host at once: the next wait doubles.
    process.kill(await h.ready(1), 'SIGKILL');
    await h.ready(2);
    expect(h.crashes).toHaveLength(2);
    expect(h.restarts.map((r) => r.restarts)).toEqual([1, 2]);
    expect(h.restarts[0]!.at - h.crashedAt[0]!).toBeGreaterThanOrEqual(290);
    expect(h.restarts[1]!.at - h.crashedAt[1]!).toBeGreaterThanOrEqual(590);
    // The killed pass never finished.
    expect(h.events.some(finished('run1'))).toBe(false);

    const before = (await localMessages(w.maildir, 'INBOX')).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(MESSAGES);
    expect(sync(h, 'run2', w.user.password)).toBe(true);
    await h.next(copying('run2'));
    const done = (await h.next(finished('run2'))) as Extract<EngineEvent, { type: 'syncFinished' }>;
    expect(done.summary?.error).toBeNull();
    expect(done.summary?.folders.map((f) => f.outcome)).toEqual(['synced']);

    const local = await localMessages(w.maildir, 'INBOX');
    expect(local).toHaveLength(MESSAGES);
    const subjects = new Set(local.map((m) => /Subject: (m\d+)/.exec(m.bytes.toString())?.[1]));
    expect(subjects.size).toBe(MESSAGES);
    expect(await h.supervisor.shutdown()).toEqual({ clean: true });
  });

  it('logs out after every pass: no connection to the server is left open between passes', async () => {
    // A server of its own: connections to it are this test's alone.
    const own = await startDovecot();
    try {
      const w = await world(3, own);
      const h = harness(w);
      h.supervisor.start();
      await h.ready(0);
      for (const runId of ['r1', 'r2', 'r3']) {
        expect(sync(h, runId, w.user.password)).toBe(true);
        const done = (await h.next(finished(runId))) as Extract<EngineEvent, { type: 'syncFinished' }>;
        expect(done.errorKind, `${runId}: ${done.summary?.error}`).toBeNull();
        expect(await connectionsTo(own.port), `open after ${runId}`).toBe(0);
      }
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(3);
      expect(await h.supervisor.shutdown()).toEqual({ clean: true });
    } finally {
      await own.stop();
    }
  });

  it('shuts down cleanly mid-pass (exit status 0, no kill) and a later pass finishes the job', async () => {
    const w = await world();
    const h = harness(w);
    h.supervisor.start();
    await h.ready(0);
    sync(h, 'run1', w.user.password);
    await h.next(copying('run1'));
    const started = Date.now();
    expect(await h.supervisor.shutdown()).toEqual({ clean: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(h.crashes).toEqual([]);
    expect(h.supervisor.running).toBe(false);
    expect((await localMessages(w.maildir, 'INBOX')).length).toBeLessThan(MESSAGES);

    const again = harness(w);
    again.supervisor.start();
    sync(again, 'run2', w.user.password);
    const done = (await again.next(finished('run2'))) as Extract<EngineEvent, { type: 'syncFinished' }>;
    expect(done.summary?.error).toBeNull();
    expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(MESSAGES);
    const status = (await again.next((e) => e.type === 'status')) as Extract<EngineEvent, { type: 'status' }>;
    expect(status.overview.folders).toMatchObject([{ folder: 'INBOX', remoteMessages: MESSAGES, localMessages: MESSAGES, conflicts: [] }]);
    expect(await again.supervisor.shutdown()).toEqual({ clean: true });
  });

  it('answers a sync for a paused account without touching it, and refuses invalid commands', async () => {
    const w = await world(0);
    const h = harness(w);
    h.supervisor.start();
    h.supervisor.send({ type: 'pause', account: 'work' });
    sync(h, 'run1', w.user.password);
    const skipped = (await h.next(finished('run1'))) as Extract<EngineEvent, { type: 'syncFinished' }>;
    expect(skipped.skipped).toBe('paused');
    expect(await localMessages(w.maildir, 'INBOX').catch(() => [])).toEqual([]);
    h.supervisor.send({ type: 'sync', runId: 'x', account: 'work' } as never);
    const error = (await h.next((e) => e.type === 'error')) as Extract<EngineEvent, { type: 'error' }>;
    expect(error.message).toMatch(/invalid message ignored: credentials/);
    await expect(h.supervisor.request({ type: 'overview', account: 'work' })).resolves.toEqual({ account: 'work', folders: [] });
    expect(await h.supervisor.shutdown()).toEqual({ clean: true });
  });
});
