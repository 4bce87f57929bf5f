import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, writeFileDurably } from '../durable-fs.js';
import { durableStep } from '../fault-hook.js';
import { applyRecord, type FolderState, type StateRecord } from './folder-state.js';
import { recordFolderName, type FolderFiles } from './folder-files.js';
import { readOptional } from './folder-loader.js';
import { checkJournalSeqs, encodeRecord, formatJournalLine, parseSnapshotHeader, scanJournal, serializeSnapshot, splitSnapshot } from './state-codec.js';

/**
 * The write side of one folder's state. Records are applied to the in-memory state at once and
 * made durable by `sync`; the engine acts on a record only after the sync that wrote it.
 * All disk work runs one step at a time in call order, so records reach the file in seq order.
 * After any failed write the journal refuses further use: the file may end in a partial line,
 * and only a fresh load (which drops it) knows the true durable state.
 */
/** See compactWhenLong: a journal this long is always worth folding in. */
const COMPACT_MIN_RECORDS = 256;

export class FolderJournal {
  private buffer: string[] = [];
  private lastSeq: number;
  private handle: FileHandle | null = null;
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;
  /** The seq in the snapshot on disk, known once the file is opened for appending. */
  private snapshotSeq = 0;

  constructor(
    private readonly files: FolderFiles,
    readonly state: FolderState,
    /** The seq the state on disk is at (as returned by the load that produced `state`). */
    private readonly baseSeq: number,
    private readonly onClosed: () => void,
  ) {
    if (state.folder !== files.folder) throw new Error(`state of folder "${state.folder}" given to the journal of "${files.folder}"`);
    this.lastSeq = baseSeq;
  }

  get folder(): string {
    return this.files.folder;
  }

  /** Seq of the last appended record (durable or still buffered). */
  get seq(): number {
    return this.lastSeq;
  }

  append(rec: StateRecord): void {
    if (this.closing) throw new Error(`journal of folder "${this.folder}" is closed`);
    if (this.failure) throw this.failedError();
    const { json, record } = encodeRecord(rec);
    this.lastSeq++;
    this.buffer.push(formatJournalLine(this.lastSeq, json));
    applyRecord(this.state, record);
  }

  /** Writes every buffered record in one write and fdatasyncs it. */
  sync(label: string): Promise<void> {
    return this.enqueue(() => this.flush(label));
  }

  /** Folds the journal into a new snapshot and resets the journal. */
  compact(): Promise<void> {
    return this.enqueue(() => this.compactNow());
  }

  /**
   * Compacts once the journal holds more than a small share of what the snapshot does. A pass
   * that changed little appends a few records; rewriting a snapshot of thousands of pairs for
   * them would cost more than replaying them on the next load.
   */
  async compactWhenLong(): Promise<void> {
    await this.sync(`flush journal ${this.folder}`);
    const records = this.lastSeq - this.snapshotSeq;
    if (records > COMPACT_MIN_RECORDS + this.state.pairs.size / 8) await this.compact();
  }

  /** Flushes what is still buffered, then releases the file. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    try {
      if (!this.failure) await this.sync(`close journal ${this.folder}`);
    } finally {
      await this.queue;
      await this.handle?.close();
      this.handle = null;
      this.closed = true;
      this.onClosed();
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.failure) throw this.failedError();
      if (this.closed) throw new Error(`journal of folder "${this.folder}" is closed`);
      try {
        await step();
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private failedError(): Error {
    return new Error(`journal of folder "${this.folder}" failed earlier (${this.failure?.message}); load the folder again`);
  }

  private async flush(label: string): Promise<void> {
    if (this.buffer.length === 0) return;
    const handle = await this.file();
    const data = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
    await handle.datasync();
    durableStep(label);
  }

  private async compactNow(): Promise<void> {
    const handle = await this.file();
    // Records appended while a flush is in flight are flushed too, and the snapshot is taken
    // synchronously right after the last flush, so it holds exactly the records up to lastSeq.
    while (this.buffer.length > 0) await this.flush(`compact: flush journal ${this.folder}`);
    const snapshot = serializeSnapshot(this.state, this.lastSeq);
    await writeFileDurably(this.files.snapshot, snapshot);
    durableStep(`compact: snapshot ${this.folder}`);
    await handle.truncate(0);
    await handle.sync();
    this.snapshotSeq = this.lastSeq;
    durableStep(`compact: journal reset ${this.folder}`);
  }

  /**
   * Opens the journal for appending on first use, after checking that the files on disk are
   * at `baseSeq` (so new records continue the seq run) and cutting off a torn last line (so
   * the next record does not get glued onto it). A journal holding only records already in
   * the snapshot is emptied for the same reason.
   */
  private async file(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const { files } = this;
    await recordFolderName(files);
    const snapshotSeq = await readSnapshotSeq(files.snapshot);
    const existing = await readOptional(files.journal);
    const handle = await open(files.journal, 'a', 0o600);
    try {
      let keep = 0;
      let diskSeq = snapshotSeq ?? 0;
      if (existing !== null) {
        const scan = scanJournal(existing);
        if (!scan.ok) throw new Error(`cannot append to journal ${files.journal}: ${scan.reason}`);
        const seqs = checkJournalSeqs(scan.value.lines, snapshotSeq);
        if (!seqs.ok) throw new Error(`cannot append to journal ${files.journal}: ${seqs.reason}`);
        const last = scan.value.lines.at(-1);
        if (last && last.seq > diskSeq) {
          diskSeq = last.seq;
          keep = scan.value.completeBytes;
        }
      }
      this.snapshotSeq = snapshotSeq ?? 0;
      if (diskSeq !== this.baseSeq) {
        throw new Error(`state of folder "${this.folder}" on disk is at seq ${diskSeq}, but its journal was opened at seq ${this.baseSeq}; load the folder again`);
      }
      if (existing === null) {
        await fsyncDir(dirname(files.journal));
      } else if (existing.length > keep) {
        await handle.truncate(keep);
        await handle.sync();
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.handle = handle;
    return handle;
  }
}

/** The seq in a snapshot's header (the body is not read), or null when there is no snapshot. */
async function readSnapshotSeq(path: string): Promise<number | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const parts = splitSnapshot(buf.subarray(0, bytesRead));
    const header = parts ? parseSnapshotHeader(parts.header) : { ok: false as const, reason: 'no complete header line' };
    if (!header.ok) throw new Error(`cannot append to the state of this folder: snapshot ${path}: ${header.reason}`);
    return header.value.seq;
  } finally {
    await handle.close();
  }
}
