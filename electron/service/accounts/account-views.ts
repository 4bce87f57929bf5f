import type { AccountErrorView, AccountState, AccountView, ConflictView, FolderView } from '../../../shared/api/app-api.js';
import type { AccountOverview } from '../../../shared/api/engine-protocol.js';
import { CHOICES_BY_KIND } from '../../../shared/conflicts.js';
import { folderSelected, type AccountConfig } from '../../../shared/config.js';
import { describePendingWork, hasPendingWork, type FolderSummary } from '../../../shared/sync-summary.js';
import { forTheApp, sideNames } from '../wording/app-wording.js';
import { endpointView } from './account-config.js';
import type { Passwords } from './passwords.js';

/** What the service knows about an account beyond its config: the state, and the last pass. */
export interface AccountRuntime {
  overview: AccountOverview | null;
  lastError: AccountErrorView | null;
  /** Each folder's outcome in the latest pass since the host started. */
  lastOutcomes: Map<string, Pick<FolderSummary, 'outcome' | 'error'>>;
}

export function emptyRuntime(): AccountRuntime {
  return { overview: null, lastError: null, lastOutcomes: new Map() };
}

export interface ScheduleFacts {
  running: boolean;
  paused: boolean;
  nextSync: number | null;
}

export function accountView(account: AccountConfig, runtime: AccountRuntime, schedule: ScheduleFacts, passwords: Passwords): AccountView {
  const folders = runtime.overview?.folders ?? [];
  const conflicts = folders.reduce((n, f) => n + f.conflicts.filter((c) => c.settled === null).length, 0);
  const failedFolders = [...runtime.lastOutcomes.values()].filter((o) => o.outcome === 'failed' || o.outcome === 'stopped').length;
  const stranded = folders.some((f) => f.pending !== null && hasPendingWork(f.pending));
  const lastSync = folders.map((f) => f.lastSync).filter((t): t is string => t !== null).sort().at(-1) ?? null;
  const state: AccountState = schedule.running
    ? 'syncing'
    : schedule.paused
      ? 'paused'
      : runtime.lastError
        ? 'error'
        : conflicts > 0 || failedFolders > 0 || stranded
          ? 'needs-attention'
          : lastSync === null
            ? 'never-synced'
            : 'up-to-date';
  return {
    name: account.name,
    remote: endpointView(account.remote, passwords.source(account, 'remote')) as AccountView['remote'],
    local: endpointView(account.local, passwords.source(account, 'local')),
    direction: account.direction,
    propagateDeletes: account.propagateDeletes,
    folders: account.folders,
    state,
    paused: schedule.paused,
    lastSync,
    nextSync: schedule.nextSync === null ? null : new Date(schedule.nextSync).toISOString(),
    lastError: runtime.lastError,
    totals: {
      folders: folders.length,
      messages: folders.reduce((n, f) => n + Math.max(f.remoteMessages, f.localMessages), 0),
      conflicts,
      failedFolders,
    },
  };
}

export function folderViews(account: AccountConfig, runtime: AccountRuntime): FolderView[] {
  const folders = runtime.overview?.folders ?? [];
  const known = new Set(folders.map((f) => f.folder));
  const views: FolderView[] = folders.map((f) => {
    const last = runtime.lastOutcomes.get(f.folder);
    const counts = countsNow(f);
    return {
      folder: f.folder,
      included: folderSelected(account.folders, f.folder),
      remoteMessages: counts.remote,
      localMessages: counts.local,
      lastSync: f.lastSync,
      lastOutcome: last?.outcome ?? null,
      lastError: last?.error ? forTheApp(last.error, sideNames(account)) : null,
      pending: f.pending !== null && hasPendingWork(f.pending) ? describePendingWork(f.pending, sideNames(account)) : null,
      conflicts: f.conflicts.filter((c) => c.settled === null).length,
      damaged: f.damaged,
    };
  });
  // A folder that failed before it ever had state still deserves its line and its error.
  for (const [folder, last] of runtime.lastOutcomes) {
    if (known.has(folder)) continue;
    views.push({
      folder,
      included: folderSelected(account.folders, folder),
      remoteMessages: 0,
      localMessages: 0,
      lastSync: null,
      lastOutcome: last.outcome,
      lastError: last.error ? forTheApp(last.error, sideNames(account)) : null,
      pending: null,
      conflicts: 0,
      damaged: null,
    });
  }
  return views.sort((a, b) => (a.folder === 'INBOX' ? -1 : b.folder === 'INBOX' ? 1 : a.folder.localeCompare(b.folder)));
}

/** `config`: the account's settings, for naming its sides in the app's words. */
/**
 * Messages on each side. The state counts what the last sync left; a folder the safety check
 * stopped was not synced since, and its conflict holds what each side held when it was stopped
 * (a Maildir folder emptied: 0 here, not the 42 of the last sync), until the next pass records
 * the outcome of the user's choice.
 */
function countsNow(f: AccountOverview['folders'][number]): { remote: number; local: number } {
  const stopped = f.conflicts.find((c) => c.kind === 'mass-delete-stopped' && c.sides !== null);
  const remote = stopped?.sides?.remote.messages;
  const local = stopped?.sides?.local.messages;
  return { remote: remote ?? f.remoteMessages, local: local ?? f.localMessages };
}

export function conflictViews(account: string, overview: AccountOverview | null, config?: AccountConfig): ConflictView[] {
  return (overview?.folders ?? []).flatMap((f) =>
    f.conflicts.map((c) => ({
      id: c.id,
      account,
      folder: f.folder,
      kind: c.kind,
      detail: forTheApp(c.detail, sideNames(config), true),
      sides: c.sides,
      at: c.at,
      choices: [...CHOICES_BY_KIND[c.kind]],
      settled: c.settled,
    })),
  );
}
