import type { FolderProgressView } from '../../../shared/api/app-api.js';
import { formatBytes, formatCount, formatDuration, formatRate } from '../model/format.js';

interface ProgressLineProps {
  /** What the bar is for, read out by screen readers ("INBOX progress"). */
  label: string;
  messagesDone: number;
  messagesTotal: number;
  bytesDone: number;
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  done: boolean;
  /** A folder's phase (FolderProgressView.phase): planned with nothing to copy is not "checking". */
  phase?: FolderProgressView['phase'];
  /** A pass whose folders are still being listed: its totals may grow (PassProgress.listing). */
  listing?: boolean;
  /** How the folder ended, once it did (FolderProgressView.outcome). */
  outcome?: FolderProgressView['outcome'];
}

/** A folder that ended without its copies done says so instead of counts. */
const ENDED: Partial<Record<NonNullable<FolderProgressView['outcome']>, string>> = {
  stopped: 'Stopped by the safety check',
  failed: 'Could not be synced',
};

export function ProgressLine(p: ProgressLineProps) {
  const rate = formatRate(p.bytesPerSecond);
  const ended = p.done && p.outcome ? ENDED[p.outcome] : undefined;
  // Announce what is known, and no fraction or time left that the next folder listed would undo.
  const listing = !p.done && p.listing === true;
  const parts: (string | false | null)[] = ended
    ? [ended]
    : listing
      ? ['Listing folders…', p.messagesTotal > 0 && `${formatCount(p.messagesTotal, 'message')} to copy so far`, p.bytesDone > 0 && formatBytes(p.bytesDone)]
      : [
          p.messagesTotal > 0
            ? `${p.messagesDone.toLocaleString()} of ${formatCount(p.messagesTotal, 'message')}`
            : p.done || (p.phase !== undefined && p.phase !== 'listing')
              ? 'No messages to copy'
              : 'Checking for changes',
          formatBytes(p.bytesDone),
          !p.done && rate,
          // An estimate needs something left to copy and a rate to copy it at.
          !p.done && p.etaSeconds !== null && p.messagesDone < p.messagesTotal && p.bytesPerSecond !== null && `about ${formatDuration(Math.max(1, p.etaSeconds))} left`,
          p.done && 'done',
        ];
  const text = parts.filter((x): x is string => typeof x === 'string').join(' · ');
  return (
    <div className="progress-line">
      {/* Without a total the bar is indeterminate, which screen readers announce as busy. */}
      {!listing && (p.messagesTotal > 0 || p.done) ? (
        <progress aria-label={p.label} max={Math.max(1, p.messagesTotal)} value={p.messagesTotal > 0 ? p.messagesDone : 1} />
      ) : (
        <progress aria-label={p.label} />
      )}
      <span className="progress-text">{text}</span>
    </div>
  );
}
