import type { EngineEvent } from '../../../shared/api/engine-protocol.js';

/**
 * How the engine host talks to its supervisor. Under Electron it is a utility process with
 * `process.parentPort`; under `mailferry serve` and in tests, a Node child with an IPC channel.
 */
export interface HostTransport {
  onMessage(handler: (message: unknown) => void): void;
  send(event: EngineEvent): void;
}

/** Electron's parentPort, typed here because the engine never imports electron. */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export function parentTransport(): HostTransport {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      onMessage: (handler) => port.on('message', (e) => handler(e.data)),
      send: (event) => port.postMessage(event),
    };
  }
  const send = process.send?.bind(process);
  if (send) {
    return {
      onMessage: (handler) => process.on('message', handler),
      send: (event) => {
        // The channel closes when the supervisor is gone; there is no one left to tell.
        if (process.connected) send(event);
      },
    };
  }
  throw new Error('the engine host must be started by Mailferry (no parent port or IPC channel)');
}
