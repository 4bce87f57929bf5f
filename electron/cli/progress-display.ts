import type { FolderSummary } from '../../shared/sync-summary.js';
import type { FolderProgress, SyncReporter } from '../engine/sync/sync-reporter.js';
import { redactSecrets } from '../engine/secrets.js';
import { describeFolder, formatBytes, formatDuration } from './format.js';

/**
 * On a terminal: one live line for the folder being synced (messages, bytes, rate, ETA),
 * replaced by its summary line when the folder is done. Otherwise: plain log lines only.
 */
export class ProgressDisplay implements SyncReporter {
  private started = new Map<string, number>();
  private live = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty: boolean,
  ) {}

  progress(p: FolderProgress): void {
    const key = `${p.account}/${p.folder}`;
    if (!this.started.has(key)) this.started.set(key, Date.now());
    if (!this.tty || p.phase === 'done') return;
    const elapsed = (Date.now() - this.started.get(key)!) / 1000;
    const rate = elapsed > 0 ? p.bytesDone / elapsed : 0;
    const perMessage = p.messagesDone > 0 ? elapsed / p.messagesDone : NaN;
    const eta = (p.messagesTotal - p.messagesDone) * perMessage;
    const line =
      p.phase === 'copying'
        ? `${key}: ${p.messagesDone}/${p.messagesTotal} messages, ${formatBytes(p.bytesDone)}, ${formatBytes(rate)}/s, ETA ${formatDuration(eta)}`
        : `${key}: ${p.phase}…`;
    this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns || 120) - 1)}`);
    this.live = true;
  }

  folderDone(account: string, summary: FolderSummary): void {
    this.line(describeFolder(account, summary));
    for (const n of summary.notes) this.line(`${account}/${summary.folder}: note: ${n}`);
  }

  note(account: string, folder: string | null, message: string): void {
    this.line(`${account}${folder ? `/${folder}` : ''}: ${message}`);
  }

  accountError(account: string, message: string): void {
    this.line(`${account}: FAILED: ${message}`);
  }

  private line(text: string): void {
    if (this.live) this.out.write('\r\x1b[2K');
    this.live = false;
    this.out.write(`${redactSecrets(text)}\n`);
  }
}
