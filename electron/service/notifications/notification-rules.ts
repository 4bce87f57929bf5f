import type { AlertKind, AppNotification, ScreenTarget, Settings } from '../../../shared/api/app-api.js';

/** Things worth a notification: each one needs the user (or, for new mail, was asked for). */
export type { AlertKind };

export interface Alert {
  kind: AlertKind;
  account: string;
  /** One line, in plain words, already free of secrets. */
  detail: string;
  /**
   * What makes two alerts "the same": the same key is notified once until the problem is
   * resolved. Defaults to kind + account + detail.
   */
  key?: string;
}

export interface NotificationPolicy {
  /** Alerts arriving within this window of the first become one notification. */
  groupWindowMs: number;
  /** At most this many notifications per hour; more alerts wait and are merged. */
  maxPerHour: number;
  /** A server must stay unreachable this long before anyone is bothered. */
  unreachableAfterMs: number;
}

export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicy = { groupWindowMs: 10_000, maxPerHour: 4, unreachableAfterMs: 30 * 60_000 };

const ERROR_KINDS: ReadonlySet<AlertKind> = new Set(['auth-failed', 'unreachable', 'tls-changed', 'tls-untrusted', 'not-in-step']);

/** An account by its name in Mailferry, marked as a name: "New conflicts in wizard" read as a place. */
const named = (account: string) => `“${account}”`;

const TITLES: Record<AlertKind, (account: string) => string> = {
  'auth-failed': (a) => `Login failed for ${named(a)}`,
  unreachable: (a) => `Cannot reach the server of ${named(a)}`,
  'tls-changed': (a) => `The server certificate of ${named(a)} changed`,
  'tls-untrusted': (a) => `The server certificate of ${named(a)} is not trusted`,
  'safety-stop': (a) => `A folder of ${named(a)} was stopped by the safety check`,
  'not-in-step': (a) => `Some mail of ${named(a)} is on one side only`,
  'new-conflicts': (a) => `New conflicts in ${named(a)}`,
  'new-mail': (a) => `New mail in ${named(a)}`,
};

/**
 * Decides which alerts become notifications, and when:
 *  - never the same problem twice: a key is notified once, until `resolved` for its account;
 *  - "unreachable" only once it has lasted `unreachableAfterMs` (a laptop on a train is not news);
 *  - alerts within `groupWindowMs` are grouped into one notification;
 *  - at most `maxPerHour` notifications an hour; the rest wait and are merged, never dropped.
 * Pure and clock-driven: the caller reports alerts and calls `flush` at `dueAt()`.
 */
export class NotificationRules {
  private readonly notified = new Map<string, { account: string; kind: AlertKind }>();
  private readonly unreachableSince = new Map<string, number>();
  private pending: (Alert & { key: string })[] = [];
  private pendingSince: number | null = null;
  private readonly sentAt: number[] = [];
  private sequence = 0;

  constructor(private readonly policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY) {}

  report(alert: Alert, settings: Settings['notifications'], now: number): void {
    const key = alert.key ?? `${alert.kind}\u0000${alert.account}\u0000${alert.detail}`;
    if (alert.kind === 'unreachable') {
      const since = this.unreachableSince.get(alert.account) ?? now;
      this.unreachableSince.set(alert.account, since);
      if (now - since < this.policy.unreachableAfterMs) return;
    }
    if (!wanted(alert.kind, settings) || this.notified.has(key) || this.pending.some((p) => p.key === key)) return;
    this.pending.push({ ...alert, key });
    this.pendingSince ??= now;
  }

  /** The account synced (or its conflicts were settled): its problems may be notified again. */
  resolved(account: string, kinds?: readonly AlertKind[]): void {
    for (const [key, was] of this.notified) {
      if (was.account === account && (!kinds || kinds.includes(was.kind))) this.notified.delete(key);
    }
    if (!kinds || kinds.includes('unreachable')) this.unreachableSince.delete(account);
    this.pending = this.pending.filter((p) => p.account !== account || (kinds !== undefined && !kinds.includes(p.kind)));
    if (this.pending.length === 0) this.pendingSince = null;
  }

  /** When `flush` has something to send; null when nothing waits. */
  dueAt(): number | null {
    if (this.pendingSince === null) return null;
    const grouped = this.pendingSince + this.policy.groupWindowMs;
    const recent = this.sentAt.length >= this.policy.maxPerHour ? this.sentAt[this.sentAt.length - this.policy.maxPerHour]! + 3_600_000 : 0;
    return Math.max(grouped, recent);
  }

  flush(now: number): AppNotification | null {
    const due = this.dueAt();
    if (due === null || now < due) return null;
    const alerts = this.pending;
    this.pending = [];
    this.pendingSince = null;
    // New mail is news each time; only problems are remembered against repeating.
    for (const a of alerts) if (a.kind !== 'new-mail') this.notified.set(a.key, { account: a.account, kind: a.kind });
    this.sentAt.push(now);
    while (this.sentAt.length > this.policy.maxPerHour) this.sentAt.shift();
    return this.compose(alerts, now);
  }

  private compose(alerts: Alert[], now: number): AppNotification {
    const id = `n${++this.sequence}`;
    const at = new Date(now).toISOString();
    const about = alerts.map((a) => ({ kind: a.kind, account: a.account }));
    const severity = alerts.some((a) => ERROR_KINDS.has(a.kind) || a.kind === 'safety-stop') ? 'error' : alerts.every((a) => a.kind === 'new-mail') ? 'info' : 'warning';
    if (alerts.length === 1) {
      const a = alerts[0]!;
      return { id, at, severity, title: TITLES[a.kind](a.account), body: a.detail, target: targetOf(a), about };
    }
    const accounts = [...new Set(alerts.map((a) => a.account))];
    const kinds = new Set(alerts.map((a) => a.kind));
    // One sentence per line, each ending in a full stop: notification servers (and the page's
    // notices) may show the lines run together.
    const shown = alerts.slice(0, 3).map((a) => `${TITLES[a.kind](a.account)}.`);
    const more = alerts.length > 3 ? [`And ${alerts.length - 3} more.`] : [];
    const target: ScreenTarget =
      kinds.size === 1 && (kinds.has('new-conflicts') || kinds.has('safety-stop'))
        ? { screen: 'conflicts', account: accounts.length === 1 ? accounts[0]! : null }
        : accounts.length === 1
          ? { screen: 'account', account: accounts[0]! }
          : { screen: 'accounts', account: null };
    return { id, at, severity, title: `Mailferry: ${alerts.length} things need your attention`, body: [...shown, ...more].join('\n'), target, about };
  }
}

function wanted(kind: AlertKind, settings: Settings['notifications']): boolean {
  if (kind === 'new-mail') return settings.newMail;
  if (kind === 'new-conflicts' || kind === 'safety-stop') return settings.conflicts;
  return settings.errors;
}

function targetOf(alert: Alert): ScreenTarget {
  if (alert.kind === 'new-conflicts' || alert.kind === 'safety-stop') return { screen: 'conflicts', account: alert.account };
  return { screen: 'account', account: alert.account };
}
