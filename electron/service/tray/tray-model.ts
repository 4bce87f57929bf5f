import type { AccountState, AccountView } from '../../../shared/api/app-api.js';

/** The four icons in assets/tray-<state>-16.png / -32.png. */
export type TrayIconState = 'idle' | 'syncing' | 'paused' | 'error';

export type TrayItem =
  | { kind: 'action'; id: 'sync-now' | 'pause' | 'resume' | 'open' | 'quit'; label: string; enabled: boolean }
  /** One line per account; clicking it opens that account. */
  | { kind: 'account'; account: string | null; label: string }
  | { kind: 'separator' };

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  items: TrayItem[];
}

const STATE_WORDS: Record<AccountState, string> = {
  'never-synced': 'not synced yet',
  'up-to-date': 'up to date',
  syncing: 'syncing…',
  paused: 'paused',
  error: 'error',
  'needs-attention': 'needs attention',
};

/**
 * The tray as pure data, for each state of the accounts: the Electron adapter only turns this
 * into a Tray image, tooltip and Menu. Syncing shows over error (it is what happens now);
 * error shows over paused; paused only when every account is paused.
 */
export function trayModel(accounts: AccountView[], formatTime: (iso: string) => string = clockTime): TrayModel {
  const syncing = accounts.filter((a) => a.state === 'syncing');
  const troubled = accounts.filter((a) => a.state === 'error' || a.state === 'needs-attention');
  const allPaused = accounts.length > 0 && accounts.every((a) => a.paused);
  const icon: TrayIconState = syncing.length > 0 ? 'syncing' : troubled.length > 0 ? 'error' : allPaused ? 'paused' : 'idle';

  const lastSync = accounts.map((a) => a.lastSync).filter((t): t is string => t !== null).sort().at(-1);
  const tooltip = {
    syncing: `Mailferry: syncing ${syncing.map((a) => a.name).join(', ')}`,
    error: `Mailferry: ${troubled.map((a) => `${a.name} ${STATE_WORDS[a.state]}`).join(', ')}`,
    paused: 'Mailferry: paused',
    idle: accounts.length === 0 ? 'Mailferry: no accounts yet' : lastSync ? `Mailferry: last sync ${formatTime(lastSync)}` : 'Mailferry: not synced yet',
  }[icon];

  const accountLines: TrayItem[] =
    accounts.length === 0
      ? [{ kind: 'account', account: null, label: 'No accounts yet: open Mailferry to add one' }]
      : accounts.map((a) => ({ kind: 'account', account: a.name, label: accountLine(a, formatTime) }));

  return {
    icon,
    tooltip,
    items: [
      { kind: 'action', id: 'sync-now', label: 'Sync now', enabled: accounts.length > 0 && !allPaused },
      allPaused ? { kind: 'action', id: 'resume', label: 'Resume', enabled: true } : { kind: 'action', id: 'pause', label: 'Pause', enabled: accounts.length > 0 },
      { kind: 'action', id: 'open', label: 'Open Mailferry', enabled: true },
      { kind: 'separator' },
      ...accountLines,
      { kind: 'separator' },
      { kind: 'action', id: 'quit', label: 'Quit Mailferry', enabled: true },
    ],
  };
}

function accountLine(a: AccountView, formatTime: (iso: string) => string): string {
  const words = a.paused && a.state !== 'syncing' ? 'paused' : STATE_WORDS[a.state];
  const when = a.state === 'up-to-date' && a.lastSync ? `, ${formatTime(a.lastSync)}` : '';
  return `${a.name}: ${words}${when}`;
}

function clockTime(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
