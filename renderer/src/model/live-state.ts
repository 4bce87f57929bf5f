import type { AccountView, AppEventPayload, AppNotification, FolderProgressView } from '../../../shared/api/app-api.js';

type About = AppNotification['about'][number];

/**
 * What every screen shares and the host keeps current by events: the accounts, the progress of
 * each account's latest pass, in-app notices and whether the engine was restarted.
 */
export interface LiveState {
  /** null until the first listAccounts answered. */
  accounts: AccountView[] | null;
  /** account -> folder -> latest progress of the account's current or last pass. */
  progress: Record<string, Record<string, FolderProgressView>>;
  notices: AppNotification[];
  engineRestart: AppEventPayload<'engineRestarted'> | null;
}

export const initialLiveState: LiveState = { accounts: null, progress: {}, notices: [], engineRestart: null };

/** How many notices stay on screen; older ones live on in the Activity log. */
const MAX_NOTICES = 3;

export function withAccounts(state: LiveState, accounts: AccountView[]): LiveState {
  const names = new Set(accounts.map((a) => a.name));
  const progress = Object.fromEntries(Object.entries(state.progress).filter(([name]) => names.has(name)));
  return { ...state, accounts, progress, notices: stillTrue(state.notices, accounts) };
}

/** Whether the account, as it is now, no longer has the problem (news is never "fixed"). */
function fixed(about: About, account: AccountView | undefined): boolean {
  if (!account) return true;
  const error = account.lastError?.kind;
  switch (about.kind) {
    case 'auth-failed':
      return error !== 'auth';
    case 'unreachable':
      return error !== 'unreachable';
    case 'tls-changed':
    case 'tls-untrusted':
      return error !== 'tls-untrusted' && error !== 'tls-mismatch';
    case 'safety-stop':
      return account.totals.conflicts === 0 && account.totals.failedFolders === 0;
    case 'new-conflicts':
      return account.totals.conflicts === 0;
    case 'not-in-step':
      return account.state === 'up-to-date';
    case 'new-mail':
      return false;
  }
}

/** Notices whose problems are all fixed go: a "Login failed" must not outlive the new password. */
function stillTrue(notices: AppNotification[], accounts: AccountView[]): AppNotification[] {
  const byName = new Map(accounts.map((a) => [a.name, a]));
  return notices.filter((n) => n.about.length === 0 || !n.about.every((about) => fixed(about, byName.get(about.account))));
}

/**
 * A pass that starts replaces the previous pass's progress; a finished pass's stays visible.
 * Progress of folders still under way is kept: it may have arrived before the state change.
 */
export function withAccount(state: LiveState, account: AccountView): LiveState {
  const list = state.accounts ?? [];
  const before = list.find((a) => a.name === account.name);
  const accounts = before ? list.map((a) => (a.name === account.name ? account : a)) : [...list, account];
  const previous = Object.values(state.progress[account.name] ?? {});
  const startsPass = account.state === 'syncing' && before?.state !== 'syncing' && previous.every((p) => p.phase === 'done');
  const progress = startsPass ? omit(state.progress, account.name) : state.progress;
  return { ...state, accounts, progress, notices: stillTrue(state.notices, accounts) };
}

export function withProgress(state: LiveState, p: FolderProgressView): LiveState {
  const folders = { ...state.progress[p.account], [p.folder]: p };
  return { ...state, progress: { ...state.progress, [p.account]: folders } };
}

export function withNotice(state: LiveState, notice: AppNotification): LiveState {
  return { ...state, notices: [notice, ...state.notices.filter((n) => n.id !== notice.id)].slice(0, MAX_NOTICES) };
}

export function withoutNotice(state: LiveState, id: string): LiveState {
  return { ...state, notices: state.notices.filter((n) => n.id !== id) };
}

export interface PassProgress {
  messagesDone: number;
  messagesTotal: number;
  bytesDone: number;
  /** null when some folder's sizes are not known (a Maildir source). */
  bytesTotal: number | null;
  bytesPerSecond: number | null;
  /** Null when unknown, and while folders are still being listed. */
  etaSeconds: number | null;
  /** Folders are still being listed: the totals may still grow, so no fraction is shown. */
  listing: boolean;
}

/**
 * One account's pass summed over its folders. The engine plans every folder before copying
 * any, so once none is listing the totals stay put and the fraction done only grows. Time
 * left: the bytes still to copy in all folders (those waiting for a connection too) over the
 * rate of those copying, and never less than the slowest folder's own estimate.
 */
export function passProgress(folders: Record<string, FolderProgressView> | undefined): PassProgress | null {
  const list = Object.values(folders ?? {});
  if (list.length === 0) return null;
  const running = list.filter((f) => f.phase !== 'done');
  const listing = running.some((f) => f.phase === 'listing');
  const rates = running.filter((f) => f.bytesPerSecond !== null).map((f) => f.bytesPerSecond ?? 0);
  const bytesPerSecond = rates.length > 0 ? sum(rates) : null;
  const etas = running.filter((f) => f.etaSeconds !== null).map((f) => f.etaSeconds ?? 0);
  const slowest = etas.length > 0 ? Math.max(...etas) : null;
  const bytesTotal = list.every((f) => f.bytesTotal !== null) ? sum(list.map((f) => f.bytesTotal ?? 0)) : null;
  const bytesDone = sum(list.map((f) => f.bytesDone));
  const overall = bytesTotal !== null && bytesPerSecond !== null && bytesPerSecond > 0 ? Math.round(Math.max(0, bytesTotal - bytesDone) / bytesPerSecond) : null;
  return {
    messagesDone: sum(list.map((f) => f.messagesDone)),
    messagesTotal: sum(list.map((f) => f.messagesTotal)),
    bytesDone,
    bytesTotal,
    bytesPerSecond,
    etaSeconds: listing ? null : overall !== null ? Math.max(overall, slowest ?? 0) : slowest,
    listing,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function omit<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}
