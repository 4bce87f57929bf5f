import net from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of a server (Dovecot), which breaks the
 * connections passing through it on cue: cut, stall or trickle one direction at a chosen point
 * of its byte stream, or refuse new connections for a while. Points are byte counts or the
 * first match of a pattern in the traffic, so a fault lands at the same protocol step every
 * run. It holds at most one chunk per stalled direction (the sender is paused, not buffered)
 * and shuts itself down after `lifetimeMs`.
 */
export type Direction = 'toServer' | 'toClient';

export type FaultPoint =
  /** After this many bytes of the direction's stream. */
  | { bytes: number }
  /** Right after the first match of `after` in the direction's stream, plus `skip` bytes. */
  | { after: string | RegExp; skip?: number };

export type FaultAction =
  /** Forward up to the point, then close both sides. */
  | 'cut'
  /** Forward up to the point, then nothing more in this direction; the connection stays open. */
  | 'stall'
  /** From the point on, `bytes` every `everyMs`. */
  | { trickle: { bytes: number; everyMs: number } };

export interface Fault {
  direction: Direction;
  at: FaultPoint;
  action: FaultAction;
  /** Only this connection (0 = the first one accepted); any connection when absent. */
  connection?: number;
  /** How many connections the fault may hit in all; 1 by default, so a reconnect gets through. */
  times?: number;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (refused ones included). */
  readonly connections: number;
  /** One line per fault that fired, for assertion messages. */
  readonly fired: readonly string[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** New connections during the next `ms` are reset right after they are accepted. */
  refuseFor(ms: number): void;
  /** The next `count` new connections are reset right after they are accepted. */
  refuseNext(count: number): void;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** How much of a direction's past bytes a pattern match may straddle across chunks. */
const TAIL = 4096;

interface ActiveFault {
  fault: Fault;
  left: number;
}

interface Armed {
  active: ActiveFault;
  /** Offset in the direction's stream where the action starts. */
  position: number;
  label: string;
}

export async function startFaultProxy(target: { host: string; port: number }, opts: { lifetimeMs?: number } = {}): Promise<FaultProxy> {
  const faults: ActiveFault[] = [];
  const fired: string[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let refuseUntil = 0;
  let refuseCount = 0;
  let accepted = 0;
  let stopped = false;

  const server = net.createServer((client) => {
    const index = accepted++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (stopped || Date.now() < refuseUntil || refuseCount > 0) {
      refuseCount = Math.max(0, refuseCount - 1);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => undefined);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    pipe(index, 'toServer', client, upstream, closeBoth);
    pipe(index, 'toClient', upstream, client, closeBoth);
  });

  function claim(index: number, direction: Direction, total: number, tail: string, chunk: Buffer): Armed | null {
    let text: string | null = null;
    for (const active of faults) {
      const { fault } = active;
      if (active.left <= 0 || fault.direction !== direction) continue;
      if (fault.connection !== undefined && fault.connection !== index) continue;
      let position: number | null = null;
      let what: string;
      if ('bytes' in fault.at) {
        if (fault.at.bytes < total + chunk.length) position = Math.max(fault.at.bytes, total);
        what = `${fault.at.bytes} bytes`;
      } else {
        text ??= tail + chunk.toString('latin1');
        const end = matchEnd(text, fault.at.after, tail.length);
        if (end !== null) position = total - tail.length + end + (fault.at.skip ?? 0);
        what = `${String(fault.at.after)}${fault.at.skip ? ` + ${fault.at.skip} bytes` : ''}`;
      }
      if (position === null) continue;
      active.left--;
      const action = typeof fault.action === 'string' ? fault.action : `trickle ${fault.action.trickle.bytes} B/${fault.action.trickle.everyMs} ms`;
      return { active, position, label: `connection ${index} ${direction}: ${action} after ${what} (byte ${position})` };
    }
    return null;
  }

  function pipe(index: number, direction: Direction, from: net.Socket, to: net.Socket, closeBoth: () => void): void {
    let total = 0;
    let tail = '';
    let armed: Armed | null = null;
    let mode: 'forward' | 'stalled' | 'trickle' = 'forward';
    let ended = false;
    const queue: Buffer[] = [];

    const forward = (bytes: Buffer) => {
      if (bytes.length > 0 && !to.destroyed) to.write(bytes);
    };
    const startTrickle = (bytes: number, everyMs: number) => {
      mode = 'trickle';
      const timer = setInterval(() => {
        let budget = bytes;
        while (budget > 0 && queue.length > 0) {
          const head = queue[0]!;
          const piece = head.subarray(0, budget);
          forward(piece);
          budget -= piece.length;
          if (piece.length === head.length) queue.shift();
          else queue[0] = head.subarray(piece.length);
        }
        // The sender waits while a tick's worth is still queued: memory stays bounded.
        if (queue.length === 0 && ended) to.end();
        else if (queue.length === 0 && from.isPaused()) from.resume();
        if (to.destroyed || (queue.length === 0 && ended)) clearInterval(timer);
      }, everyMs);
      timer.unref();
      timers.add(timer);
    };
    const act = (hit: Armed, head: Buffer, rest: Buffer) => {
      const { fault } = hit.active;
      fired.push(hit.label);
      if (fault.action === 'cut') {
        // Nothing more is read; the bytes before the cut reach the other side, then both close.
        mode = 'stalled';
        from.pause();
        if (head.length > 0 && !to.destroyed) to.write(head, closeBoth);
        else closeBoth();
        return;
      }
      forward(head);
      if (fault.action === 'stall') {
        mode = 'stalled';
        from.pause();
      } else {
        queue.push(rest);
        from.pause();
        startTrickle(fault.action.trickle.bytes, fault.action.trickle.everyMs);
      }
    };

    from.on('data', (chunk: Buffer) => {
      if (mode === 'stalled') return;
      if (mode === 'trickle') {
        queue.push(chunk);
        from.pause();
        return;
      }
      armed ??= claim(index, direction, total, tail, chunk);
      if (armed !== null && armed.position < total + chunk.length) {
        const hit = armed;
        armed = null;
        const at = hit.position - total;
        total += at;
        act(hit, chunk.subarray(0, at), chunk.subarray(at));
        return;
      }
      forward(chunk);
      total += chunk.length;
      tail = (tail + chunk.subarray(-TAIL).toString('latin1')).slice(-TAIL);
    });
    from.on('end', () => {
      ended = true;
      if (mode === 'forward') to.end();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void stop(), opts.lifetimeMs ?? 10 * 60_000);
  lifetime.unref();

  return {
    host: HOST,
    port,
    get connections() {
      return accepted;
    },
    fired,
    addFault(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
    },
    refuseNext(count) {
      refuseCount = count;
    },
    async stop() {
      clearTimeout(lifetime);
      await stop();
    },
  };
}

/** End of the first match that ends past `from` (matches wholly inside the old tail were seen before). */
function matchEnd(text: string, pattern: string | RegExp, from: number): number | null {
  const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end > from) return end;
    if (m[0].length === 0) re.lastIndex++;
  }
  return null;
}
