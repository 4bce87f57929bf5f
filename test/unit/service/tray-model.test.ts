import { describe, expect, it } from 'vitest';
import type { AccountView } from '../../../shared/api/app-api.js';
import { trayModel, type TrayItem } from '../../../electron/service/tray/tray-model.js';

function account(name: string, state: AccountView['state'], extra: Partial<AccountView> = {}): AccountView {
  return {
    name,
    remote: { type: 'imap', host: 'imap.example.org', port: 993, security: 'tls', user: name, fingerprint: null, passwordSource: 'app' },
    local: { type: 'maildir', path: `/mail/${name}`, layout: 'verbatim', nameEncoding: 'utf-8', importState: null },
    direction: 'both',
    propagateDeletes: true,
    folders: { include: ['*'], exclude: [] },
    state,
    paused: state === 'paused',
    lastSync: state === 'never-synced' ? null : '2024-05-01T10:42:00.000Z',
    nextSync: null,
    lastError: state === 'error' ? { kind: 'auth', message: 'login failed', at: '2024-05-01T10:42:00.000Z' } : null,
    totals: { folders: 1, messages: 1, conflicts: 0, failedFolders: 0 },
    ...extra,
  };
}

const time = (iso: string) => iso.slice(11, 16);
const labels = (items: TrayItem[]) => items.map((i) => (i.kind === 'separator' ? '---' : i.kind === 'action' ? `${i.label}${i.enabled ? '' : ' (disabled)'}` : `> ${i.label}`));

describe('tray menu model', () => {
  it('idle: last sync in the tooltip, every action, a line per account', () => {
    const m = trayModel([account('work', 'up-to-date'), account('home', 'never-synced')], time);
    expect(m.icon).toBe('idle');
    expect(m.tooltip).toBe('Mailferry: last sync 10:42');
    expect(labels(m.items)).toEqual(['Sync now', 'Pause', 'Open Mailferry', '---', '> work: up to date, 10:42', '> home: not synced yet', '---', 'Quit Mailferry']);
  });

  it('syncing wins over an error elsewhere', () => {
    const m = trayModel([account('work', 'syncing'), account('home', 'error')], time);
    expect(m.icon).toBe('syncing');
    expect(m.tooltip).toBe('Mailferry: syncing work');
    expect(labels(m.items)).toContain('> home: error');
  });

  it('error and needs-attention show the error icon and name the accounts', () => {
    const m = trayModel([account('work', 'error'), account('home', 'needs-attention'), account('club', 'up-to-date')], time);
    expect(m.icon).toBe('error');
    expect(m.tooltip).toBe('Mailferry: work error, home needs attention');
  });

  it('paused only when every account is paused; then Resume instead of Pause and no Sync now', () => {
    expect(trayModel([account('work', 'paused'), account('home', 'up-to-date')], time).icon).toBe('idle');
    const m = trayModel([account('work', 'paused'), account('home', 'paused')], time);
    expect(m.icon).toBe('paused');
    expect(m.tooltip).toBe('Mailferry: paused');
    expect(labels(m.items).slice(0, 2)).toEqual(['Sync now (disabled)', 'Resume']);
  });

  it('no accounts: says how to add one', () => {
    const m = trayModel([], time);
    expect(m.icon).toBe('idle');
    expect(m.tooltip).toBe('Mailferry: no accounts yet');
    expect(labels(m.items)).toEqual(['Sync now (disabled)', 'Pause (disabled)', 'Open Mailferry', '---', '> No accounts yet: open Mailferry to add one', '---', 'Quit Mailferry']);
  });
});
