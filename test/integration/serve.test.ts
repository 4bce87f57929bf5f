import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AccountDetail, AccountView, ActivityEntry, FolderProgressView } from '../../shared/api/app-api.js';
import type { HostFrame } from '../../shared/api/ws-framing.js';
import { builtBundles, removeBuiltBundles } from '../support/built-bundles.js';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';

const MESSAGES = 25;

let server: DovecotServer;
let user: DovecotUser;
let serve: ChildProcess;
let port: number;
let token: string;
let maildir: string;

beforeAll(async () => {
  const [dovecot, { cli }] = await Promise.all([startDovecot(), builtBundles()]);
  server = dovecot;
  user = await server.addUser();
  const fx = await connect(server, user);
  for (let i = 0; i < MESSAGES; i++) await fx.append('INBOX', makeMessage({ subject: `serve ${i}` }));
  await fx.close();
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-serve-'));
  maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const configPath = join(dir, 'config.json');
  const config = {
    stateDir: join(dir, 'state'),
    accounts: [
      {
        name: 'test',
        remote: { type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, password: user.password },
        local: { type: 'maildir', path: maildir },
      },
    ],
  };
  await writeFile(configPath, JSON.stringify(config), { mode: 0o600 });
  serve = spawn(process.execPath, [cli, 'serve', '--port', '0', '--config', configPath], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    serve.stderr!.on('data', (d) => (err += d));
    serve.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const match = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)$/.exec(url);
  expect(match, `printed URL: ${url}`).not.toBeNull();
  port = Number(match![1]);
  token = match![2]!;
});

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
  }
  await server?.stop();
  await removeBuiltBundles();
});

function httpStatus(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status a WebSocket upgrade got: 101 when it was accepted. */
function upgradeStatus(query: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

class Client {
  readonly frames: HostFrame[] = [];
  readonly raw: string[] = [];
  private nextId = 1;
  private waiters: { test: (f: HostFrame) => boolean; resolve: (f: HostFrame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      const frame = JSON.parse(text) as HostFrame;
      this.frames.push(frame);
      for (const w of [...this.waiters]) if (w.test(frame)) (this.waiters.splice(this.waiters.indexOf(w), 1), w.resolve(frame));
    });
  }

  static open(): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  wait(test: (f: HostFrame) => boolean): Promise<HostFrame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  async call<T>(method: string, params: unknown = {}): Promise<{ ok: true; result: T } | { ok: false; error: { code: string; message: string } }> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return (await this.wait((f) => 'id' in f && f.id === id)) as never;
  }

  event<T>(name: string, test: (payload: T) => boolean = () => true): Promise<T> {
    return this.wait((f) => 'event' in f && f.event === name && test(f.payload as T)).then((f) => (f as { payload: T }).payload);
  }
}

describe('mailferry serve', () => {
  it('refuses the API without the right token, from another origin, or under another host name', async () => {
    expect(await httpStatus('/api')).toBe(403);
    expect(await httpStatus(`/api?token=${token}`)).toBe(426);
    expect(await upgradeStatus('')).toBe(403);
    expect(await upgradeStatus(`?token=${token.slice(0, -1)}x`)).toBe(403);
    expect(await upgradeStatus(`?token=${token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`?token=${token}`, { Origin: `http://192.168.1.10:${port}` })).toBe(403);
    expect(await upgradeStatus(`?token=${token}`, { Host: `attacker.example:${port}` })).toBe(403);
    expect(await httpStatus('/', { Host: `attacker.example:${port}` })).toBe(403);
    expect(await upgradeStatus(`?token=${token}`, { Origin: `http://127.0.0.1:${port}` })).toBe(101);
  });

  it('answers requests over the WebSocket, syncs on request and streams progress, never sending a password', async () => {
    const client = await Client.open();
    const list = await client.call<AccountView[]>('listAccounts');
    expect(list.ok).toBe(true);
    const [account] = (list as { result: AccountView[] }).result;
    expect(account).toMatchObject({ name: 'test', remote: { type: 'imap', user: user.user, passwordSource: 'config-file' }, local: { type: 'maildir', path: maildir } });

    expect(await client.call('syncNow', { account: 'test' })).toEqual({ id: expect.any(Number), ok: true, result: {} });
    const progress = await client.event<FolderProgressView>('progress', (p) => p.account === 'test' && p.folder === 'INBOX');
    expect(progress.messagesTotal === 0 || progress.messagesTotal === MESSAGES).toBe(true);
    await client.event<AccountView>('accountChanged', (a) => a.name === 'test' && a.state === 'up-to-date');
    expect(await localMessages(maildir, 'INBOX')).toHaveLength(MESSAGES);

    const detail = await client.call<AccountDetail>('getAccount', { account: 'test' });
    expect(detail.ok && detail.result.folders.find((f) => f.folder === 'INBOX')).toMatchObject({ remoteMessages: MESSAGES, localMessages: MESSAGES, included: true, conflicts: 0 });
    const activity = await client.call<ActivityEntry[]>('getActivity', { query: 'sync finished' });
    expect(activity.ok && activity.result[0]).toMatchObject({ account: 'test', message: expect.stringContaining(`${MESSAGES} message(s) copied`) });

    expect(await client.call('getAccount', { account: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await client.call('syncNow', { account: 42 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await client.call('deleteEverything')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    client.ws.send('{"id": 99, "method": 1}');
    expect(await client.wait((f) => 'id' in f && f.id === 99)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });

    expect(client.raw.join('\n')).not.toContain(user.password);
    client.ws.close();
  });

  it('picks up new INBOX mail by push within seconds (the interval is minutes away)', async () => {
    const fx = await connect(server, user);
    await fx.append('INBOX', makeMessage({ subject: 'pushed' }));
    await fx.close();
    const started = Date.now();
    while ((await localMessages(maildir, 'INBOX')).length < MESSAGES + 1) {
      if (Date.now() - started > 15_000) throw new Error('the pushed message did not arrive within 15 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    serve.kill('SIGTERM');
    const code = await new Promise((resolve) => serve.once('exit', resolve));
    expect(code).toBe(0);
  });
});
