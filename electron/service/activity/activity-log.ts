import { appendFile, readFile } from 'node:fs/promises';
import type { ActivityEntry, ActivityLevel } from '../../../shared/api/app-api.js';
import { ActivityEntrySchema } from '../../../shared/api/app-api.js';
import { writeFileDurably } from '../../engine/durable-fs.js';
import { redactSecrets } from '../../engine/secrets.js';

export interface ActivityInput {
  level: ActivityLevel;
  account: string | null;
  folder: string | null;
  message: string;
}

/**
 * The activity log: the last `capacity` entries in memory, persisted as JSON lines. Secrets
 * are stripped before an entry exists at all, so neither the file, the UI nor a bug report
 * copied from it can carry one. The file is compacted to the ring's content when it has grown
 * to twice the capacity. It is a log, not mail: appends are not fsync'd.
 */
export class ActivityLog {
  private readonly entries: ActivityEntry[];
  private nextId: number;
  private linesInFile: number;
  private writing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(entry: ActivityEntry) => void>();

  private constructor(
    private readonly path: string,
    private readonly capacity: number,
    loaded: ActivityEntry[],
    private readonly now: () => Date,
  ) {
    this.entries = loaded.slice(-capacity);
    this.nextId = (loaded.at(-1)?.id ?? 0) + 1;
    this.linesInFile = loaded.length;
  }

  static async open(path: string, opts: { capacity?: number; now?: () => Date } = {}): Promise<ActivityLog> {
    const loaded: ActivityEntry[] = [];
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const parsed = ActivityEntrySchema.safeParse(JSON.parse(line));
        if (parsed.success) loaded.push(parsed.data);
      } catch {
        // A torn last line after a crash: skipped.
      }
    }
    return new ActivityLog(path, opts.capacity ?? 2000, loaded, opts.now ?? (() => new Date()));
  }

  onAppend(listener: (entry: ActivityEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(input: ActivityInput): ActivityEntry {
    const entry: ActivityEntry = {
      id: this.nextId++,
      at: this.now().toISOString(),
      level: input.level,
      account: input.account,
      folder: input.folder,
      message: redactSecrets(input.message),
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.persist(entry);
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** Newest first; `query` matches the message, account or folder, ignoring case. */
  query(opts: { query?: string; limit?: number } = {}): ActivityEntry[] {
    const needle = opts.query?.trim().toLowerCase() ?? '';
    const matches = (e: ActivityEntry) =>
      needle === '' || [e.message, e.account ?? '', e.folder ?? ''].some((field) => field.toLowerCase().includes(needle));
    const out: ActivityEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < (opts.limit ?? 500); i--) {
      const e = this.entries[i]!;
      if (matches(e)) out.push(e);
    }
    return out;
  }

  /** Resolves once everything added so far is in the file. */
  flush(): Promise<void> {
    return this.writing;
  }

  private persist(entry: ActivityEntry): void {
    this.writing = this.writing.then(async () => {
      try {
        if (this.linesInFile + 1 > 2 * this.capacity) {
          await writeFileDurably(this.path, this.entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
          this.linesInFile = this.entries.length;
        } else {
          await appendFile(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
          this.linesInFile++;
        }
      } catch {
        // The log must never stop a sync; the entry is still in memory and in the UI.
      }
    });
  }
}
