import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { RequestFrameSchema, WS_PATH, WS_TOKEN_PARAM, URL_TOKEN_KEY, type EventFrame, type ResponseFrame } from '../../../shared/api/ws-framing.js';
import { dispatch, type AppHandlers } from '../../service/api/api-dispatch.js';
import type { AppEventListener } from '../../service/app-service.js';
import { contentType, rendererCsp, rendererFile } from '../../service/renderer-files.js';

export interface ServeOptions {
  handlers: AppHandlers;
  onEvent: (listener: AppEventListener) => () => void;
  /** The built renderer (index.html and its assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Tests pass their own; otherwise a fresh random one. */
  token?: string;
}

export interface ServeServer {
  port: number;
  token: string;
  /** The address to open: the token rides in the fragment, which browsers never send. */
  url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_FRAME_BYTES = 1024 * 1024;

/** Why `serve` cannot listen, in words with the fix (Node says "listen EADDRINUSE: address already in use"). */
export function listenError(err: unknown, port: number): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return new Error(`port ${port} on ${HOST} is in use (another mailferry serve?); choose another with --port N or --port 0`);
  if (code === 'EACCES') return new Error(`port ${port} on ${HOST} needs root privileges (ports below 1024 do); choose another with --port N or --port 0`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * `mailferry serve`: the built renderer over HTTP and the app contract over a WebSocket, on
 * 127.0.0.1 only. Defences, each for a way a web page or another local user could get in:
 *  - the API needs a random token (WebSocket upgrade refused with 403 without it);
 *  - the Host header must name the loopback address and our port (DNS rebinding);
 *  - a browser's Origin must be our own loopback origin (other sites cannot use the API);
 *  - the static files carry nothing secret and go out with a strict CSP.
 */
export async function startServeServer(opts: ServeOptions): Promise<ServeServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const server = createServer((req, res) => {
    handleHttp(req, res, opts.rendererDir, port, token).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!hostAllowed(req, port) || !originAllowed(req, port) || !tokenMatches(req, token)) return refuse(socket);
    if (new URL(req.url ?? '/', 'http://x').pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, opts));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, opts.port)));
    server.listen(opts.port, HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return {
    port,
    token,
    url: `http://${HOST}:${port}/#${URL_TOKEN_KEY}=${token}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveClient(ws: WebSocket, opts: ServeOptions): void {
  const send = (frame: ResponseFrame | EventFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const unsubscribe = opts.onEvent((event, payload) => send({ event, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', (data, isBinary) => {
    let raw: unknown;
    try {
      raw = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      raw = undefined;
    }
    const frame = RequestFrameSchema.safeParse(raw);
    if (!frame.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
      if (id !== null && Number.isInteger(id) && id >= 0) send({ id, ok: false, error: { code: 'invalid-request', message: 'a request is {"id", "method", "params"}' } });
      return;
    }
    const { id, method, params } = frame.data;
    void dispatch(opts.handlers, method, params).then((envelope) => send({ id, ...envelope }));
  });
}

async function handleHttp(req: IncomingMessage, res: ServerResponse, rendererDir: string, port: number, token: string): Promise<void> {
  if (!hostAllowed(req, port)) return plain(res, 403, 'Forbidden');
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === WS_PATH) return tokenMatches(req, token) ? plain(res, 426, 'Upgrade Required') : plain(res, 403, 'Forbidden');
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed');
  const file = await rendererFile(rendererDir, path);
  if (file === null) {
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    return plain(res, 404, 'Not Found');
  }
  const body = await readFile(file).catch(() => null);
  if (body === null) {
    return plain(res, path === '/' ? 503 : 404, path === '/' ? `The Mailferry UI is not built (no ${join(rendererDir, 'index.html')}); the API is up.` : 'Not Found');
  }
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Security-Policy': rendererCsp([`ws://${HOST}:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': extname(file) === '.html' ? 'no-store' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return host === `${HOST}:${port}` || host === `localhost:${port}`;
}

/** Browsers send Origin on WebSocket upgrades; a non-browser client may leave it out. */
function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = new URL(req.url ?? '/', 'http://x').searchParams.get(WS_TOKEN_PARAM) ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status = 403, text = 'Forbidden'): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(`${text}\n`);
}
