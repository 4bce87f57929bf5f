import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../shared/sync-summary.js';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { deleteLocal, deliverLocal, localMessages, setLocalLetters } from '../support/local-maildir.js';
import { largeMessage, makeMessage } from '../support/messages.js';
import { SyncWorld, type CliResult, type SideView } from '../support/sync-world.js';

/**
 * The network breaking at the worst moments: a fault proxy between the engine and Dovecot cuts
 * the connection inside a FETCH literal, inside an APPEND literal, right after a STORE, at
 * login, in either direction. After the faulty run, runs without faults must reach exactly the
 * state of an undisturbed run (no duplicate, no lost message or flag) within three runs.
 */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const small = (n: string) => makeMessage({ subject: n, messageId: `<${n}@net.test>`, body: `Body of ${n}.\r\n` });
// Fixed bytes, shared by the reference and every faulty world. The remote one spans two 1 MB
// FETCH chunks; the local one is one APPEND literal.
const BIG_REMOTE = largeMessage(1_500_000);
const BIG_LOCAL = largeMessage(600_000);
const BASE = ['b0', 'b1', 'b2', 'b3', 'b4'];

const subjectOf = (bytes: Buffer) => /\r?\nSubject: ([^\r\n]*)\r?\n/.exec(bytes.toString('latin1'))?.[1] ?? '';

async function localId(w: SyncWorld, subject: string): Promise<string> {
  if (w.localImap) return String((await w.localImap.messages('INBOX')).find((m) => subjectOf(m.bytes) === subject)!.uid);
  return (await localMessages(w.maildir, 'INBOX')).find((m) => subjectOf(m.bytes) === subject)!.unique;
}

/** A synced start, then every kind of change on both sides, so the next run FETCHes, APPENDs, STOREs and EXPUNGEs. */
async function prepare(w: SyncWorld): Promise<void> {
  const uids: number[] = [];
  for (const s of BASE) uids.push(await w.remote.append('INBOX', small(s), { flags: s === 'b4' ? ['\\Seen'] : [] }));
  const first = await w.sync();
  if (first.code !== 0) throw new Error(`setup sync failed: ${first.stderr}`);
  await w.remote.append('INBOX', BIG_REMOTE);
  await w.remote.addFlags('INBOX', [uids[0]!], ['\\Flagged']);
  await w.remote.expunge('INBOX', [uids[3]!]);
  const b1 = await localId(w, 'b1');
  const b2 = await localId(w, 'b2');
  if (w.localImap) {
    await w.localImap.append('INBOX', BIG_LOCAL, { flags: ['\\Seen'] });
    await w.localImap.addFlags('INBOX', [Number(b1)], ['\\Answered']);
    await w.localImap.expunge('INBOX', [Number(b2)]);
  } else {
    await deliverLocal(w.maildir, 'INBOX', BIG_LOCAL, { letters: 'S' });
    await setLocalLetters(w.maildir, 'INBOX', b1, 'R');
    await deleteLocal(w.maildir, 'INBOX', b2);
  }
}

/** Points the world's IMAP endpoints at the proxy, with a short timeout so nothing waits 120 s. */
async function throughProxy(w: SyncWorld, proxy: FaultProxy): Promise<void> {
  const config = JSON.parse(await readFile(w.configPath, 'utf8'));
  for (const side of ['remote', 'local']) {
    const endpoint = config.accounts[0][side];
    if (endpoint.type === 'imap') Object.assign(endpoint, { port: proxy.port, timeoutSeconds: 5 });
  }
  await writeFile(w.configPath, JSON.stringify(config));
}

async function views(w: SyncWorld): Promise<{ remote: SideView; local: SideView }> {
  return { remote: await w.remoteView(), local: await w.localView() };
}

/** Exit 0 or 1 with mailferry's own lines; a stack trace or another status is a crash. */
function expectNoCrash(r: CliResult, what: string): void {
  expect([0, 1], `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** Runs without faults until one exits 0; at most three. */
async function recover(w: SyncWorld, what: string): Promise<CliResult[]> {
  const runs: CliResult[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await w.sync();
    runs.push(r);
    expectNoCrash(r, `${what}, recovery run ${i + 1}`);
    if (r.code === 0) return runs;
  }
  throw new Error(`${what}: still failing after 3 runs:\n${runs.map((r) => r.stderr).join('\n---\n')}`);
}

function expectQuiet(summary: SyncSummary, what: string): void {
  for (const f of summary.accounts[0]!.folders) {
    expect(f, `${what}: a run after recovery still changed something`).toMatchObject({
      copied: { toLocal: 0, toRemote: 0 },
      deleted: { toLocal: 0, toRemote: 0 },
      flagUpdates: { toLocal: 0, toRemote: 0 },
      duplicatesRemoved: 0,
    });
  }
}

const CUTS: [string, Omit<Fault, 'action'>][] = [
  ['at login, client->server (credentials never sent)', { direction: 'toServer', at: { after: 'AUTHENTICATE' } }],
  ['at login, server->client (login reply cut)', { direction: 'toClient', at: { after: /\n\w+ OK \[CAPABILITY/ } }],
  ['inside a FETCH literal of a large message, server->client', { direction: 'toClient', at: { after: /BODY\[\]<0> \{\d+\}\r\n/, skip: 300_000 } }],
  ['inside a FETCH command, client->server', { direction: 'toServer', at: { after: /UID FETCH \d+ \(UID RFC822\.SIZE BODY\.PEEK/ } }],
  ['inside an APPEND literal, client->server', { direction: 'toServer', at: { after: /APPEND [^\r\n]*\{\d+\+?\}\r\n/, skip: 200_000 } }],
  ['after the APPEND, before its APPENDUID reply, server->client', { direction: 'toClient', at: { after: /\w+ OK \[APPENDUID/ } }],
  ['right after a STORE is sent, client->server', { direction: 'toServer', at: { after: /UID STORE [^\r\n]*\r\n/ } }],
  ['before the STORE reply, server->client', { direction: 'toClient', at: { after: /\w+ OK Store completed/ } }],
];

describe.each([
  ['IMAP<->Maildir', false],
  ['IMAP<->IMAP', true],
] as const)('connection cut, %s', (_mode, localImap) => {
  let expected: { remote: SideView; local: SideView };
  beforeAll(async () => {
    const reference = await SyncWorld.create(server, { localImap });
    await prepare(reference);
    const clean = await reference.sync();
    expect(clean.code, clean.stderr).toBe(0);
    expected = await views(reference);
    expect(expected.remote).toEqual(expected.local);
    await reference.close();
  });

  it.concurrent.each(CUTS)('%s', async (name, point) => {
    const w = await SyncWorld.create(server, { localImap });
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    try {
      await throughProxy(w, proxy);
      await prepare(w);
      proxy.addFault({ ...point, action: 'cut' });
      const faulty = await w.sync();
      expect(proxy.fired, `${name}: the fault never fired\n${faulty.stderr}`).toHaveLength(1);
      expectNoCrash(faulty, name);
      const runs = await recover(w, name);
      const trace = [faulty, ...runs].map((r, i) => `run ${i} (exit ${r.code}): ${r.stderr.trim()}`).join('\n');
      expect(await views(w), `${name}\n${trace}`).toEqual(expected);
      expectQuiet(await w.syncJson(), name);
    } finally {
      await proxy.stop();
      await w.close();
    }
  });
});

describe('a cut while the next batch is read ahead of an upload', () => {
  it('IMAP<->IMAP, 100 new messages: the read of the second batch dies mid-upload of the first; the next run completes with every message once', async () => {
    const w = await SyncWorld.create(server, { localImap: true });
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    try {
      await throughProxy(w, proxy);
      for (let i = 0; i < 100; i++) await w.remote.append('INBOX', small(`ahead-${i}`));
      // Batches are 64 messages: the second FETCH of bodies asks for UIDs from 65 on, and is
      // sent while the first batch is being appended on the other connection.
      proxy.addFault({ direction: 'toServer', at: { after: /UID FETCH 65[:,][^\r\n]*BODY\.PEEK/ }, action: 'cut' });
      const faulty = await w.sync();
      expect(proxy.fired, faulty.stderr).toHaveLength(1);
      expectNoCrash(faulty, 'read-ahead cut');
      await recover(w, 'read-ahead cut');
      const local = await w.localImap!.messages('INBOX');
      expect(local.map((m) => subjectOf(m.bytes)).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `ahead-${i}`).sort());
      expect(await w.localView()).toEqual(await w.remoteView());
      expectQuiet(await w.syncJson(), 'read-ahead cut');
    } finally {
      await proxy.stop();
      await w.close();
    }
  });
});

describe.concurrent('a server that stops answering, trickles or refuses', () => {
  /** A world whose remote goes through a fresh proxy, with this IMAP timeout. */
  async function proxied(timeoutSeconds: number): Promise<{ w: SyncWorld; proxy: FaultProxy }> {
    const w = await SyncWorld.create(server);
    const proxy = await startFaultProxy({ host: server.host, port: server.port });
    await throughProxy(w, proxy);
    const config = JSON.parse(await readFile(w.configPath, 'utf8'));
    config.accounts[0].remote.timeoutSeconds = timeoutSeconds;
    await writeFile(w.configPath, JSON.stringify(config));
    return { w, proxy };
  }
  const midFetch = { direction: 'toClient', at: { after: /BODY\[\]<0> \{\d+\}\r\n/, skip: 100_000 } } as const;

  async function timed(w: SyncWorld): Promise<{ r: CliResult; ms: number }> {
    const started = Date.now();
    const r = await w.sync();
    return { r, ms: Date.now() - started };
  }

  it('stalled once mid-FETCH with timeoutSeconds 2: the run notices within seconds, reconnects and completes', async () => {
    const { w, proxy } = await proxied(2);
    try {
      await w.remote.append('INBOX', BIG_REMOTE);
      await w.remote.append('INBOX', small('after-stall'));
      proxy.addFault({ ...midFetch, action: 'stall' });
      const { r, ms } = await timed(w);
      expect(proxy.fired).toHaveLength(1);
      expectNoCrash(r, 'stall');
      expect(r.code, r.stderr).toBe(0);
      // Two seconds of silence, a reconnect and the rest: well under 10 s alone, margin for a loaded CI.
      expect(ms, r.stderr).toBeLessThan(15_000);
      // The stalled connection was given up and a new one made.
      expect(proxy.connections, r.stderr).toBeGreaterThanOrEqual(2);
      expect(await w.localView()).toEqual(await w.remoteView());
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(2);
    } finally {
      await proxy.stop();
      await w.close();
    }
  });

  it('stalling on every connection with timeoutSeconds 2: the run gives up non-zero in bounded time, nothing partial is kept, the next run completes', async () => {
    const { w, proxy } = await proxied(2);
    try {
      await w.remote.append('INBOX', BIG_REMOTE);
      proxy.addFault({ ...midFetch, action: 'stall', times: Infinity });
      const { r, ms } = await timed(w);
      expect(proxy.fired.length).toBeGreaterThan(1);
      expectNoCrash(r, 'stall forever');
      expect(r.code).toBe(1);
      // Four attempts of at most two timeouts each, plus 7.5 s of back-off.
      expect(ms, r.stderr).toBeLessThan(30_000);
      expect(r.stderr).toMatch(/^test\/INBOX: FAILED: /m);
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(0);
      proxy.clearFaults();
      await recover(w, 'after stalls');
      expect(await w.localView()).toEqual(await w.remoteView());
    } finally {
      await proxy.stop();
      await w.close();
    }
  });

  it('a trickling server is slow, not broken: the run completes', async () => {
    const { w, proxy } = await proxied(2);
    try {
      await w.remote.append('INBOX', largeMessage(300_000));
      proxy.addFault({ direction: 'toClient', at: { after: /BODY\[\]<0> \{\d+\}\r\n/ }, action: { trickle: { bytes: 16_384, everyMs: 20 } } });
      const r = await w.sync();
      expect(proxy.fired).toHaveLength(1);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/trying again/);
      expect(await w.localView()).toEqual(await w.remoteView());
    } finally {
      await proxy.stop();
      await w.close();
    }
  });

  it('a refused connection: the run tries again and completes', async () => {
    const { w, proxy } = await proxied(5);
    try {
      await w.remote.append('INBOX', small('after-refusal'));
      proxy.refuseNext(1);
      const r = await w.sync();
      expect(r.code, r.stderr).toBe(0);
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(await w.localView()).toEqual(await w.remoteView());
    } finally {
      await proxy.stop();
      await w.close();
    }
  });

  it('connections refused for longer than the retries: a clear account error, exit 1; the next run completes', async () => {
    const { w, proxy } = await proxied(5);
    try {
      await w.remote.append('INBOX', small('while-refused'));
      proxy.refuseFor(60_000);
      const refused = await w.sync();
      expectNoCrash(refused, 'refused');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^test: FAILED: cannot reach 127\.0\.0\.1:\d+: (connection reset|the server closed the connection)/m);
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(0);
      proxy.refuseFor(0);
      await recover(w, 'after refusals');
      expect(await w.localView()).toEqual(await w.remoteView());
    } finally {
      await proxy.stop();
      await w.close();
    }
  });
});
