import type { EngineCommand } from '../../../shared/api/engine-protocol.js';

/**
 * One running engine host, however it was started: Electron's utilityProcess.fork in the app,
 * child_process.fork under `mailferry serve` and in tests.
 */
export interface EngineProcess {
  send(command: EngineCommand): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once; code is null when the process was killed by a signal or crashed. */
  onExit(listener: (code: number | null) => void): void;
  /** Ends it now (SIGTERM, or what the platform has). */
  kill(): void;
}

/** Starts a host. `hiddenEnv`: variables holding passwords, left out of its environment. */
export type EngineLauncher = (opts: { hiddenEnv: readonly string[] }) => EngineProcess;
