import type { AccountView } from '../../../shared/api/app-api.js';
import type { ConflictSide, ConflictSides } from '../../../shared/conflict-sides.js';
import { formatBytes, formatCount, formatDateTime } from './format.js';
import { SIDE_CHANGE_LABEL, flagsText } from './wording.js';

/** One line of the "what happened on each side" comparison. */
export interface ComparisonRow {
  label: string;
  local: string;
  remote: string;
}

const NONE = '—';

/**
 * The rows worth showing for a conflict: every fact at least one side has, in a fixed order,
 * each side's value in plain words.
 */
export function comparisonRows(sides: ConflictSides, locale?: string): ComparisonRow[] {
  const facts: [string, (s: ConflictSide) => string | null][] = [
    ['What happened', (s) => SIDE_CHANGE_LABEL[s.change]],
    ['Folder', (s) => (s.previousFolder === undefined ? s.folder : `${s.folder} (was in ${s.previousFolder})`)],
    ['Subject', (s) => (s.message ? (s.message.subject ?? '(no subject)') : null)],
    ['From', (s) => (s.message ? (s.message.from ?? NONE) : null)],
    ['Date', (s) => (s.message ? (s.message.date === null ? NONE : formatDateTime(s.message.date, locale)) : null)],
    ['Flags', (s) => (s.message ? flagsText(s.message.flags) + (s.message.present ? '' : ' (before it was deleted)') : null)],
    ['Size', (s) => (s.message ? formatBytes(s.message.size, locale) : null)],
    ['Messages in the folder', (s) => count(s.messages, locale) ?? (s.change === 'folder-deleted' ? 'none (the folder is gone)' : null)],
    ['Never synced to the other side', (s) => count(s.unsynced, locale)],
    ['Removed since the last sync', (s) => count(s.removed, locale)],
    ['Deletions stopped', (s) => count(s.deletionsStopped, locale)],
  ];
  return facts.flatMap(([label, value]) => {
    const local = value(sides.local);
    const remote = value(sides.remote);
    return local === null && remote === null ? [] : [{ label, local: local ?? NONE, remote: remote ?? NONE }];
  });
}

function count(n: number | undefined, locale?: string): string | null {
  return n === undefined ? null : formatCount(n, 'message', 'messages', locale);
}

export type SideNames = Record<keyof ConflictSides, string>;

/** Column headings: where each side is, in the user's terms. */
export function sideNames(account: AccountView | undefined): SideNames {
  const local = account?.local;
  return {
    remote: account ? `Server (${account.remote.host})` : 'Server',
    local: local?.type === 'imap' ? `Local copy (${local.host})` : 'This computer',
  };
}
