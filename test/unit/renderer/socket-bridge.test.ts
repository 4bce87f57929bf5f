import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { parseBridgeError } from '../../../shared/api/app-api.js';
import { createSocketBridge, type ConnectionBridge, type ConnectionState, type SocketLike } from '../../../renderer/src/api/socket-bridge.js';
import { validatedBridge } from '../../../renderer/src/api/validated-bridge.js';

/** A host speaking the serve framing, with the test deciding each answer. */
async function fakeHost(answer: (frame: { id: number; method: string; params: unknown }, socket: WebSocket) => void) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const sockets: WebSocket[] = [];
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => answer(JSON.parse(String(data)), socket));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return { server, sockets, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const openBridges: ConnectionBridge[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const b of openBridges.splice(0)) b.close();
  for (const s of stops.splice(0)) await s();
});

function bridgeTo(url: string, retryDelayMs = () => 20): ConnectionBridge {
  const bridge = createSocketBridge({ openSocket: () => new WebSocket(url) as unknown as SocketLike, retryDelayMs });
  openBridges.push(bridge);
  return bridge;
}

function untilState(bridge: ConnectionBridge, wanted: ConnectionState): Promise<void> {
  if (bridge.connectionState() === wanted) return Promise.resolve();
  return new Promise((resolve) => {
    const off = bridge.onConnectionState((s) => {
      if (s === wanted) {
        off();
        resolve();
      }
    });
  });
}

const settings = { syncIntervalMinutes: 5, push: true, startAtLogin: false, notifications: { errors: true, conflicts: true, newMail: false }, rememberPasswords: true };

describe('socket bridge', () => {
  it('pairs answers with requests by id, whatever order they come in', async () => {
    const held: { id: number; socket: WebSocket }[] = [];
    const host = await fakeHost((frame, socket) => {
      held.push({ id: frame.id, socket });
      if (held.length === 2) {
        for (const h of held.reverse()) h.socket.send(JSON.stringify({ id: h.id, ok: true, result: { ...settings, syncIntervalMinutes: h.id } }));
      }
    });
    stops.push(host.close);
    const bridge = bridgeTo(host.url);
    const [first, second] = await Promise.all([bridge.request('getSettings', {}), bridge.request('getSettings', {})]);
    expect([first.syncIntervalMinutes, second.syncIntervalMinutes]).toEqual([1, 2]);
  });

  it('turns an error answer into an Error carrying the code and the text, as on every transport', async () => {
    const host = await fakeHost((frame, socket) => socket.send(JSON.stringify({ id: frame.id, ok: false, error: { code: 'not-found', message: 'no account "x"' } })));
    stops.push(host.close);
    const error = await bridgeTo(host.url).request('getAccount', { account: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(parseBridgeError(error)).toEqual({ code: 'not-found', message: 'no account "x"' });
  });

  it('delivers events to subscribers until they unsubscribe; a validated bridge drops malformed ones', async () => {
    const host = await fakeHost(() => undefined);
    stops.push(host.close);
    const raw = bridgeTo(host.url);
    const bridge = validatedBridge(raw);
    await untilState(raw, 'open');
    const seen: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const off = bridge.subscribe('conflictsChanged', (p) => seen.push(p.account));
    const send = (payload: unknown) => host.sockets[0]?.send(JSON.stringify({ event: 'conflictsChanged', payload }));
    send({ account: 'work' });
    send({ account: 42 });
    send({ account: 'home' });
    await new Promise((r) => setTimeout(r, 100));
    off();
    send({ account: 'late' });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['work', 'home']);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('refuses a host answer that breaks the contract', async () => {
    const host = await fakeHost((frame, socket) => socket.send(JSON.stringify({ id: frame.id, ok: true, result: { syncIntervalMinutes: 'often' } })));
    stops.push(host.close);
    await expect(validatedBridge(bridgeTo(host.url)).request('getSettings', {})).rejects.toThrow(/does not understand/);
  });

  it('fails requests in flight when the connection drops, then reconnects and sends what waited', async () => {
    let answering = false;
    const host = await fakeHost((frame, socket) => {
      if (answering) socket.send(JSON.stringify({ id: frame.id, ok: true, result: settings }));
      else socket.terminate();
    });
    stops.push(host.close);
    const bridge = bridgeTo(host.url);
    const states: ConnectionState[] = [];
    bridge.onConnectionState((s) => states.push(s));
    expect(parseBridgeError(await bridge.request('getSettings', {}).catch((e: unknown) => e))).toEqual({
      code: 'failed',
      message: 'The connection to Mailferry was lost before it answered.',
    });
    answering = true;
    await untilState(bridge, 'open');
    expect(await bridge.request('getSettings', {})).toEqual(settings);
    expect(states).toEqual(['open', 'lost', 'open']);
  });

  it('reports "refused" when it never got in, and queues requests until it does', async () => {
    const host = await fakeHost((frame, socket) => socket.send(JSON.stringify({ id: frame.id, ok: true, result: settings })));
    const port = Number(new URL(host.url).port);
    await host.close();
    const bridge = bridgeTo(host.url);
    const answer = bridge.request('getSettings', {});
    await untilState(bridge, 'refused');
    const again = new WebSocketServer({ host: '127.0.0.1', port });
    await once(again, 'listening');
    stops.push(() => new Promise<void>((r) => again.close(() => r())));
    again.on('connection', (socket) =>
      socket.on('message', (data) => socket.send(JSON.stringify({ id: JSON.parse(String(data)).id, ok: true, result: settings }))),
    );
    expect(await answer).toEqual(settings);
  });
});
