import type { FolderProgressView } from '../../../shared/api/app-api.js';
import type { EngineProgress } from '../../../shared/api/engine-protocol.js';
import type { FolderSummary } from '../../../shared/sync-summary.js';

/** Rates are measured over this window, so one slow message does not swing the estimate. */
const WINDOW_MS = 10_000;
/** Then smoothed with this time constant: an estimate that settles instead of jumping. */
const SMOOTHING_MS = 5_000;

interface Sample {
  at: number;
  messages: number;
  bytes: number;
}

interface Track {
  samples: Sample[];
  /** Smoothed bytes and messages per second; null until measurable. */
  bytesRate: number | null;
  messagesRate: number | null;
  smoothedAt: number;
  /** What earlier attempts of this pass counted (a folder planned again after a dropped connection). */
  carried: { messages: number; bytes: number };
  last: FolderProgressView | null;
}

/**
 * Turns the engine's counters into what a person reads: bytes per second and time left.
 *  - The ETA divides the bytes still to copy by the byte rate (one 20 MB message among small
 *    ones takes its time); without sizes (a Maildir source) it falls back to messages.
 *  - The rate is measured over a window, then smoothed, and only from when the folder started
 *    moving (a folder waiting for its connection is not "slow").
 *  - Counts never go back within a pass: a folder planned again after a dropped connection
 *    starts its new plan's counts from what the earlier attempt copied.
 */
export class ProgressRates {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly now: () => number = Date.now) {}

  view(p: EngineProgress): FolderProgressView {
    const key = `${p.account}\u0000${p.folder}`;
    const now = this.now();
    let track = this.tracks.get(key);
    if (!track) {
      track = { samples: [], bytesRate: null, messagesRate: null, smoothedAt: now, carried: { messages: 0, bytes: 0 }, last: null };
      this.tracks.set(key, track);
    }
    const last = track.last;
    // Listed again after copies were counted: a retry, whose plan holds only what is left.
    if (p.phase === 'listing' && last && last.messagesDone > track.carried.messages) {
      track.carried = { messages: last.messagesDone, bytes: last.bytesDone };
      track.samples = [];
      track.bytesRate = null;
      track.messagesRate = null;
    }
    const again = track.carried.messages > 0 || track.carried.bytes > 0;
    const messagesDone = Math.max(last?.messagesDone ?? 0, track.carried.messages + p.messagesDone);
    const messagesTotal = p.phase === 'listing' && again ? (last?.messagesTotal ?? 0) : Math.max(messagesDone, track.carried.messages + p.messagesTotal);
    // The engine's byte count runs across attempts already (one summary per folder and pass).
    const bytesDone = Math.max(last?.bytesDone ?? 0, p.bytesDone);
    const bytesTotal = p.bytesTotal === null ? null : p.phase === 'listing' && again ? (last?.bytesTotal ?? null) : track.carried.bytes + p.bytesTotal;

    const sample = { at: now, messages: messagesDone, bytes: bytesDone };
    const first = track.samples[0];
    // Nothing moved yet (listed, planned, waiting for a connection): the clock starts later.
    if (p.phase === 'listing' || p.phase === 'done' || !first || (first.bytes === bytesDone && first.messages === messagesDone)) track.samples = [sample];
    else track.samples.push(sample);
    while (track.samples.length > 2 && now - track.samples[0]!.at > WINDOW_MS) track.samples.shift();
    this.measure(track, now);

    const etaSeconds = p.phase === 'done' ? 0 : eta(messagesTotal - messagesDone, bytesTotal === null ? null : bytesTotal - bytesDone, track);
    const view: FolderProgressView = { ...p, messagesDone, messagesTotal, bytesDone, bytesTotal, bytesPerSecond: track.bytesRate, etaSeconds, outcome: null };
    track.last = view;
    return view;
  }

  /**
   * The folder's last progress of the pass, with its outcome, once the engine is done with it;
   * null when it reported none (nothing to do). A folder stopped or failed after listing would
   * otherwise be left "checking for changes".
   */
  finished(account: string, summary: FolderSummary): FolderProgressView | null {
    const key = `${account}\u0000${summary.folder}`;
    const last = this.tracks.get(key)?.last;
    this.tracks.delete(key);
    if (!last) return null;
    return { ...last, phase: 'done', bytesPerSecond: null, etaSeconds: 0, outcome: summary.outcome };
  }

  /** Forgets an account's folders after its pass. */
  clear(account: string): void {
    for (const key of this.tracks.keys()) if (key.startsWith(`${account}\u0000`)) this.tracks.delete(key);
  }

  private measure(track: Track, now: number): void {
    const first = track.samples[0]!;
    const latest = track.samples[track.samples.length - 1]!;
    const seconds = (latest.at - first.at) / 1000;
    if (track.samples.length < 2 || seconds <= 0) {
      track.smoothedAt = now;
      return;
    }
    const bytes = (latest.bytes - first.bytes) / seconds;
    const messages = (latest.messages - first.messages) / seconds;
    const weight = 1 - Math.exp(-(now - track.smoothedAt) / SMOOTHING_MS);
    track.bytesRate = track.bytesRate === null ? bytes : track.bytesRate + weight * (bytes - track.bytesRate);
    track.messagesRate = track.messagesRate === null ? messages : track.messagesRate + weight * (messages - track.messagesRate);
    track.smoothedAt = now;
  }
}

function eta(messagesLeft: number, bytesLeft: number | null, track: Track): number | null {
  if (messagesLeft <= 0) return 0;
  if (bytesLeft !== null) return track.bytesRate !== null && track.bytesRate > 0 ? Math.round(Math.max(0, bytesLeft) / track.bytesRate) : null;
  return track.messagesRate !== null && track.messagesRate > 0 ? Math.round(messagesLeft / track.messagesRate) : null;
}
