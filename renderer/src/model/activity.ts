import type { ActivityEntry, AppInfo } from '../../../shared/api/app-api.js';

/** The host's search rule (message, account or folder, ignoring case), for entries arriving live. */
export function activityMatches(entry: ActivityEntry, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  return [entry.message, entry.account ?? '', entry.folder ?? ''].some((field) => field.toLowerCase().includes(q));
}

/** Newest first, without the same entry twice (a live event may repeat one a reload returned). */
export function mergeActivity(current: readonly ActivityEntry[], arriving: ActivityEntry, limit: number): ActivityEntry[] {
  if (current.some((e) => e.id === arriving.id)) return [...current];
  return [arriving, ...current].sort((a, b) => b.id - a.id).slice(0, limit);
}

/** Plain text for a bug report: one line per entry, oldest first, with the version on top. */
export function activityReport(entries: readonly ActivityEntry[], info: AppInfo | null): string {
  const head = info ? `Mailferry ${info.version} (${info.mode})` : 'Mailferry';
  const lines = [...entries]
    .reverse()
    .map((e) => [e.at, e.level.toUpperCase().padEnd(7), [e.account, e.folder].filter(Boolean).join('/') || '-', e.message].join('  '));
  return [head, ...lines].join('\n') + '\n';
}
