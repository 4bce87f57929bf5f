/** Numbers and times the way the screens show them; `locale` is fixed in tests. */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, as file managers and providers' quotas show them. */
export function formatBytes(bytes: number, locale?: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null, locale?: string): string | null {
  return bytesPerSecond === null || !Number.isFinite(bytesPerSecond) ? null : `${formatBytes(bytesPerSecond, locale)}/s`;
}

/** "about 3 min left"-sized pieces: seconds under a minute, minutes under an hour, then h + min. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/**
 * "5 minutes ago", "in 4 minutes", "just now". With a `tense`, the time is known to lie on that
 * side of now (a last sync happened, a next sync is planned): a clock a little off between the
 * process that stamped it and this one must not make a past event "in 15 seconds", nor a due
 * one "2 minutes ago".
 */
export function formatRelative(iso: string, now: number, locale?: string, tense?: 'past' | 'future'): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  let amount = (then - now) / 1000;
  if (tense === 'past') amount = Math.min(0, amount);
  if (tense === 'future') amount = Math.max(0, amount);
  if (Math.abs(amount) < 10) return tense === 'future' ? 'in a moment' : 'just now';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(amount) < size) return rtf.format(Math.round(amount), unit);
    amount /= size;
  }
  return rtf.format(Math.round(amount), 'year');
}

export function formatDateTime(iso: string, locale?: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

export function formatCount(n: number, singular: string, plural = `${singular}s`, locale?: string): string {
  return `${n.toLocaleString(locale)} ${n === 1 ? singular : plural}`;
}

/** `ab:cd:…` in upper case, as certificate viewers show it; accepts "sha256:" + hex with or without colons. */
export function displayFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/^sha-?256:/i, '').replace(/:/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? hex;
}
