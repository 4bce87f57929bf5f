import { EngineEventSchema, type EngineCommand, type EngineEvent } from '../../../shared/api/engine-protocol.js';
import type { EngineLauncher, EngineProcess } from './engine-process.js';

type StartCommand = Extract<EngineCommand, { type: 'start' }>;
type RequestCommand = Extract<EngineCommand, { requestId: number }>;
type WithoutRequestId<C> = C extends unknown ? Omit<C, 'requestId'> : never;

export interface RestartPolicy {
  /** Wait before the first restart; doubled for each crash in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A host that ran this long before crashing counts as healthy: the next wait starts over. */
  healthyAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, healthyAfterMs: 5 * 60_000 };

export interface SupervisorOptions {
  launcher: EngineLauncher;
  /** The first message of every start and restart: the state directory and current accounts. */
  startCommand: () => StartCommand;
  /** Environment variables that hold passwords (passwordEnv), kept from the host. */
  hiddenEnv?: () => readonly string[];
  onEvent: (event: EngineEvent) => void;
  /** The host died unexpectedly (before any restart); work it had in hand is lost. */
  onCrash: (reason: string) => void;
  /** A new host runs after a crash. */
  onRestart: (info: { restarts: number; reason: string }) => void;
  /** A message from the host that failed validation. */
  onInvalidMessage: (problem: string) => void;
  restartPolicy?: RestartPolicy;
  /** How long a shutting-down host may take to finish its step before it is killed. */
  shutdownTimeoutMs?: number;
}

export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

/**
 * Keeps one engine host running: starts it, restarts it after a crash with exponential
 * backoff, correlates requests with replies, and stops it cleanly (the host finishes its
 * durable step; killed after a timeout).
 */
export class EngineSupervisor {
  private process: EngineProcess | null = null;
  private startedAt = 0;
  private crashesInARow = 0;
  private restarts = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping: Promise<{ clean: boolean }> | null = null;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly policy: RestartPolicy;

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = opts.restartPolicy ?? DEFAULT_RESTART_POLICY;
  }

  get running(): boolean {
    return this.process !== null;
  }

  start(): void {
    if (this.process || this.stopping) return;
    this.launch(null);
  }

  /** False when no host is running (crashed and waiting to restart, or stopped). */
  send(command: EngineCommand): boolean {
    if (!this.process) return false;
    this.process.send(command);
    return true;
  }

  /** Sends a request and resolves with the host's result; rejects on its error or its death. */
  request(command: WithoutRequestId<RequestCommand>): Promise<unknown> {
    if (!this.process) return Promise.reject(new EngineUnavailableError('the sync engine is restarting; try again in a moment'));
    const requestId = this.nextRequestId++;
    const proc = this.process;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      proc.send({ ...command, requestId } as RequestCommand);
    });
  }

  /** Asks the host to finish its current step and exit; kills it after the timeout. */
  shutdown(): Promise<{ clean: boolean }> {
    if (this.stopping) return this.stopping;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.process;
    if (!proc) return (this.stopping = Promise.resolve({ clean: true }));
    this.stopping = new Promise((resolve) => {
      const timer = setTimeout(() => {
        proc.kill();
        resolve({ clean: false });
      }, this.opts.shutdownTimeoutMs ?? 5000);
      proc.onExit((code) => {
        clearTimeout(timer);
        resolve({ clean: code === 0 });
      });
      proc.send({ type: 'shutdown' });
    });
    return this.stopping;
  }

  private launch(afterCrash: string | null): void {
    const proc = this.opts.launcher({ hiddenEnv: this.opts.hiddenEnv?.() ?? [] });
    this.process = proc;
    this.startedAt = Date.now();
    proc.onMessage((message) => this.receive(proc, message));
    proc.onExit((code) => this.exited(proc, code));
    proc.send(this.opts.startCommand());
    if (afterCrash !== null) {
      this.restarts++;
      this.opts.onRestart({ restarts: this.restarts, reason: afterCrash });
    }
  }

  private receive(proc: EngineProcess, message: unknown): void {
    if (proc !== this.process) return;
    const parsed = EngineEventSchema.safeParse(message);
    if (!parsed.success) {
      this.opts.onInvalidMessage(parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; '));
      return;
    }
    const event = parsed.data;
    if (event.type === 'reply') {
      const waiter = this.pending.get(event.requestId);
      this.pending.delete(event.requestId);
      if (event.error === null) waiter?.resolve(event.result);
      else waiter?.reject(new Error(event.error));
      return;
    }
    this.opts.onEvent(event);
  }

  private exited(proc: EngineProcess, code: number | null): void {
    if (proc !== this.process) return;
    this.process = null;
    const reason = code === null ? 'the sync engine was killed or crashed' : `the sync engine exited with status ${code}`;
    for (const waiter of this.pending.values()) waiter.reject(new EngineUnavailableError(`${reason}; try again`));
    this.pending.clear();
    if (this.stopping) return;
    this.crashesInARow = Date.now() - this.startedAt >= this.policy.healthyAfterMs ? 1 : this.crashesInARow + 1;
    const delay = Math.min(this.policy.initialDelayMs * 2 ** (this.crashesInARow - 1), this.policy.maxDelayMs);
    this.opts.onCrash(reason);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.launch(reason);
    }, delay);
  }
}
