import type { FolderProgressView } from '../../../shared/api/app-api.js';
import type { EngineProgress } from '../../../shared/api/engine-protocol.js';
import type { FolderSummary } from '../../../shared/sync-summary.js';

/** Rates are measured over this window, so one slow message does not swing the estimate. */
const WINDOW_MS = 10_000;

/**
 * Turns the engine's counters into what a person reads: bytes per second and time left. The
 * ETA extrapolates the message rate (the engine does not know the bytes still to come).
 */
export class ProgressRates {
  private readonly samples = new Map<string, { at: number; messages: number; bytes: number }[]>();
  /** Each folder's latest view in the running pass. */
  private readonly last = new Map<string, FolderProgressView>();

  constructor(private readonly now: () => number = Date.now) {}

  view(p: EngineProgress): FolderProgressView {
    const key = `${p.account}\u0000${p.folder}`;
    const now = this.now();
    if (p.phase === 'done' || p.phase === 'listing') this.samples.delete(key);
    const samples = p.phase === 'done' || p.phase === 'listing' ? [] : (this.samples.get(key) ?? []);
    samples.push({ at: now, messages: p.messagesDone, bytes: p.bytesDone });
    while (samples.length > 2 && now - samples[0]!.at > WINDOW_MS) samples.shift();
    if (samples.length > 0) this.samples.set(key, samples);
    const first = samples[0]!;
    const seconds = (now - first.at) / 1000;
    const measurable = samples.length >= 2 && seconds > 0;
    const bytesPerSecond = measurable ? (p.bytesDone - first.bytes) / seconds : null;
    const messagesPerSecond = measurable ? (p.messagesDone - first.messages) / seconds : 0;
    const left = p.messagesTotal - p.messagesDone;
    const etaSeconds = p.phase === 'done' || left <= 0 ? 0 : messagesPerSecond > 0 ? Math.round(left / messagesPerSecond) : null;
    const view = { ...p, bytesPerSecond, etaSeconds, outcome: null };
    this.last.set(key, view);
    return view;
  }

  /**
   * The folder's last progress of the pass, with its outcome, once the engine is done with it;
   * null when it reported none (nothing to do). A folder stopped or failed after listing would
   * otherwise be left "checking for changes".
   */
  finished(account: string, summary: FolderSummary): FolderProgressView | null {
    const key = `${account}\u0000${summary.folder}`;
    const last = this.last.get(key);
    this.samples.delete(key);
    this.last.delete(key);
    if (!last) return null;
    return { ...last, phase: 'done', bytesPerSecond: null, etaSeconds: 0, outcome: summary.outcome };
  }

  /** Forgets an account's folders after its pass. */
  clear(account: string): void {
    for (const key of this.samples.keys()) if (key.startsWith(`${account}\u0000`)) this.samples.delete(key);
    for (const key of this.last.keys()) if (key.startsWith(`${account}\u0000`)) this.last.delete(key);
  }
}
