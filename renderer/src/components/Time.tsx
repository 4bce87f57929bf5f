import { useEffect, useState } from 'react';
import { formatDateTime, formatRelative } from '../model/format.js';

/** Relative times on screen stay true: everything using this re-renders every 20 seconds. */
export function useNow(everyMs = 20_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** `tense`: the time is known to be past (something happened) or future (something planned); see formatRelative. */
export function Time({ iso, fallback = 'never', tense }: { iso: string | null; fallback?: string; tense?: 'past' | 'future' }) {
  const now = useNow();
  if (iso === null) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now, undefined, tense)}
    </time>
  );
}
