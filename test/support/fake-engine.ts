import { emptyFolderSummary } from '../../shared/sync-summary.js';
import type { AccountOverview, EngineCommand, EngineEvent } from '../../shared/api/engine-protocol.js';
import type { EngineLauncher, EngineProcess } from '../../electron/service/engine/engine-process.js';

type SyncCommand = Extract<EngineCommand, { type: 'sync' }>;

/**
 * An engine host inside the test process, for service tests that are about the service: it
 * records every command and answers as the real host would, with passes the test scripts.
 */
export class FakeEngine {
  readonly commands: EngineCommand[] = [];
  readonly launches: { hiddenEnv: readonly string[] }[] = [];
  /** What a sync does; by default a quick successful pass over INBOX. */
  onSync: (cmd: SyncCommand, emit: (e: EngineEvent) => void) => void = (cmd, emit) => passOk(cmd, emit);
  /** Each account's state as the host would read it: the last status reported, unless a test sets it. */
  readonly overviews = new Map<string, AccountOverview>();
  /** How an overview request is answered; tests may read real state files instead. */
  readOverview: (account: string) => Promise<AccountOverview> = async (account) => this.overviews.get(account) ?? { account, folders: [] };
  private current: { emit: (e: unknown) => void; exit: (code: number | null) => void } | null = null;

  readonly launcher: EngineLauncher = (opts) => {
    this.launches.push(opts);
    const messageListeners: ((m: unknown) => void)[] = [];
    const exitListeners: ((code: number | null) => void)[] = [];
    let alive = true;
    const exitWith = (code: number | null) => {
      if (!alive) return;
      alive = false;
      queueMicrotask(() => exitListeners.forEach((l) => l(code)));
    };
    const proc: EngineProcess = {
      send: (command) => {
        if (!alive) return;
        // Commands cross a process boundary: a copy, as structured clone / JSON would make.
        const cmd = JSON.parse(JSON.stringify(command)) as EngineCommand;
        this.commands.push(cmd);
        queueMicrotask(() => this.answer(cmd, (e) => alive && this.deliver(e, messageListeners), (code) => exitWith(code)));
      },
      onMessage: (l) => messageListeners.push(l),
      onExit: (l) => exitListeners.push(l),
      kill: () => exitWith(null),
    };
    this.current = { emit: (e) => this.deliver(e as EngineEvent, messageListeners), exit: exitWith };
    queueMicrotask(() => this.current?.emit({ type: 'ready', pid: 4242 }));
    return proc;
  };

  /** An event from the host, as if it had sent it. */
  emit(event: EngineEvent): void {
    this.current?.emit(event);
  }

  /** The host dies (as if killed). */
  crash(): void {
    this.current?.exit(null);
  }

  syncs(): SyncCommand[] {
    return this.commands.filter((c): c is SyncCommand => c.type === 'sync');
  }

  /** A pass's status is what its state files hold afterwards, as later overview requests read them. */
  private deliver(e: EngineEvent, listeners: ((m: unknown) => void)[]): void {
    if (e.type === 'status') this.overviews.set(e.account, e.overview);
    listeners.forEach((l) => l(e));
  }

  private answer(cmd: EngineCommand, emit: (e: EngineEvent) => void, exit: (code: number) => void): void {
    switch (cmd.type) {
      case 'overview':
        void this.readOverview(cmd.account).then((result) => emit({ type: 'reply', requestId: cmd.requestId, result, error: null }));
        return;
      case 'listFolders':
        emit({ type: 'reply', requestId: cmd.requestId, result: { remote: ['INBOX', 'Archive'], local: ['INBOX'] }, error: null });
        return;
      case 'sync':
        this.onSync(cmd, emit);
        return;
      case 'shutdown':
        exit(0);
        return;
      default:
        return;
    }
  }
}

export function passOk(cmd: SyncCommand, emit: (e: EngineEvent) => void): void {
  emit({ type: 'syncStarted', runId: cmd.runId, account: cmd.account });
  emit({ type: 'progress', runId: cmd.runId, progress: { account: cmd.account, folder: 'INBOX', phase: 'copying', messagesDone: 1, messagesTotal: 2, bytesDone: 100, bytesTotal: 200 } });
  const folder = { ...emptyFolderSummary('INBOX'), copied: { toLocal: 2, toRemote: 0 }, bytes: { toLocal: 200, toRemote: 0 } };
  emit({ type: 'folderDone', runId: cmd.runId, account: cmd.account, summary: folder });
  emit({ type: 'syncFinished', runId: cmd.runId, account: cmd.account, summary: { account: cmd.account, error: null, folders: [folder] }, errorKind: null, fingerprint: null, skipped: null });
  const overview = { account: cmd.account, folders: [{ folder: 'INBOX', lastSync: new Date().toISOString(), remoteMessages: 2, localMessages: 2, conflicts: [], pending: null, damaged: null }] };
  emit({ type: 'status', account: cmd.account, overview });
}
