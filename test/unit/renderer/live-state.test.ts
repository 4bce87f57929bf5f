import { describe, expect, it } from 'vitest';
import type { AccountView, FolderProgressView } from '../../../shared/api/app-api.js';
import { initialLiveState, passProgress, withAccount, withAccounts, withNotice, withProgress } from '../../../renderer/src/model/live-state.js';

function account(name: string, state: AccountView['state']): AccountView {
  return {
    name,
    remote: { type: 'imap', host: 'h', port: 993, security: 'tls', user: 'u', fingerprint: null, passwordSource: 'app' },
    local: { type: 'maildir', path: '/m', layout: 'verbatim', nameEncoding: 'utf-8', importState: null },
    direction: 'both',
    propagateDeletes: true,
    folders: { include: ['*'], exclude: [] },
    state,
    paused: false,
    lastSync: null,
    nextSync: null,
    lastError: null,
    totals: { folders: 0, messages: 0, conflicts: 0, failedFolders: 0 },
  };
}

function progress(folder: string, phase: FolderProgressView['phase'], done: number, total: number, extra: Partial<FolderProgressView> = {}): FolderProgressView {
  return { account: 'work', folder, phase, messagesDone: done, messagesTotal: total, bytesDone: done * 1000, bytesTotal: total * 1000, bytesPerSecond: null, etaSeconds: null, outcome: null, ...extra };
}

describe('live state', () => {
  it('replaces an account in place and adds a new one at the end', () => {
    let s = withAccounts(initialLiveState, [account('a', 'up-to-date'), account('b', 'up-to-date')]);
    s = withAccount(s, account('a', 'error'));
    s = withAccount(s, account('c', 'never-synced'));
    expect(s.accounts?.map((a) => `${a.name}:${a.state}`)).toEqual(['a:error', 'b:up-to-date', 'c:never-synced']);
  });

  it('keeps a finished pass on screen until the next pass starts', () => {
    let s = withAccounts(initialLiveState, [account('work', 'syncing')]);
    s = withProgress(s, progress('INBOX', 'done', 5, 5));
    s = withAccount(s, account('work', 'up-to-date'));
    expect(Object.keys(s.progress.work ?? {})).toEqual(['INBOX']);
    s = withAccount(s, account('work', 'syncing'));
    expect(s.progress.work).toBeUndefined();
  });

  it('keeps progress that arrived before the account said it is syncing', () => {
    let s = withAccounts(initialLiveState, [account('work', 'up-to-date')]);
    s = withProgress(s, progress('INBOX', 'copying', 1, 5));
    s = withAccount(s, account('work', 'syncing'));
    expect(s.progress.work?.INBOX?.messagesDone).toBe(1);
  });

  it('forgets the progress of removed accounts', () => {
    let s = withProgress(withAccounts(initialLiveState, [account('work', 'syncing')]), progress('INBOX', 'copying', 1, 5));
    s = withAccounts(s, []);
    expect(s.progress).toEqual({});
  });

  it('shows at most three notices, newest first, each once', () => {
    let s = initialLiveState;
    for (const id of ['1', '2', '3', '4', '3']) {
      s = withNotice(s, { id, at: '2025-01-01T00:00:00Z', severity: 'info', title: id, body: '', target: { screen: 'accounts', account: null }, about: [] });
    }
    expect(s.notices.map((n) => n.id)).toEqual(['3', '4', '2']);
  });

  it('a notice about a problem goes once the account shows it fixed (a "Login failed" after the new password is saved)', () => {
    const failed = { ...account('work', 'error'), lastError: { kind: 'auth' as const, message: 'wrong password', at: '2025-01-01T00:00:00Z' } };
    const loginFailed = {
      id: 'n1',
      at: '2025-01-01T00:00:00Z',
      severity: 'error' as const,
      title: 'Login failed for “work”',
      body: 'wrong password',
      target: { screen: 'account' as const, account: 'work' },
      about: [{ kind: 'auth-failed' as const, account: 'work' }],
    };
    const newMail = { ...loginFailed, id: 'n2', severity: 'info' as const, title: 'New mail in “work”', about: [{ kind: 'new-mail' as const, account: 'work' }] };
    let s = withNotice(withNotice(withAccounts(initialLiveState, [failed]), loginFailed), newMail);
    // Still failing: the notice stays.
    s = withAccount(s, { ...failed, state: 'syncing' });
    expect(s.notices.map((n) => n.id)).toEqual(['n2', 'n1']);
    // Saved with a password the server accepted: the error is gone, and so is its notice; news stays.
    s = withAccount(s, account('work', 'syncing'));
    expect(s.notices.map((n) => n.id)).toEqual(['n2']);
    // A notice about an account that was removed goes too.
    s = withAccounts(s, []);
    expect(s.notices).toEqual([]);
  });

  it('sums a pass over its folders; the slowest running folder sets the ETA', () => {
    const folders = {
      INBOX: progress('INBOX', 'copying', 10, 100, { bytesPerSecond: 1000, etaSeconds: 90 }),
      Sent: progress('Sent', 'copying', 5, 10, { bytesPerSecond: 500, etaSeconds: 10 }),
      Archive: progress('Archive', 'done', 3, 3, { bytesPerSecond: 9999, etaSeconds: 0 }),
    };
    expect(passProgress(folders)).toEqual({
      messagesDone: 18,
      messagesTotal: 113,
      bytesDone: 18000,
      bytesTotal: 113000,
      bytesPerSecond: 1500,
      etaSeconds: 90,
      listing: false,
    });
    expect(passProgress({})).toBeNull();
  });

  it('while folders are still being listed the totals may grow: it says so, with no fraction and no time left', () => {
    const folders = {
      INBOX: progress('INBOX', 'copying', 0, 2774, { bytesPerSecond: null, etaSeconds: null }),
      Lists: progress('Lists', 'listing', 0, 0, { bytesTotal: null }),
    };
    expect(passProgress(folders)).toMatchObject({ listing: true, messagesTotal: 2774, etaSeconds: null });
  });

  it('folders waiting for a connection count in the time left: the bytes still to copy over the rate of those copying', () => {
    const folders = {
      INBOX: progress('INBOX', 'copying', 50, 100, { bytesPerSecond: 1000, etaSeconds: 50 }),
      // Planned, waiting for a connection: 100 messages, 100 kB still to copy.
      Lists: progress('Lists', 'copying', 0, 100, { bytesPerSecond: null, etaSeconds: null }),
    };
    // 50 kB + 100 kB at 1 kB/s: 150 s, not the 50 s of the folder under way.
    expect(passProgress(folders)).toMatchObject({ listing: false, etaSeconds: 150 });
  });

  it('the pass never moves backwards: from the first copy on, the fraction done only grows', () => {
    let s = withAccounts(initialLiveState, [account('work', 'syncing')]);
    const fractions: number[] = [];
    const events = [
      progress('INBOX', 'listing', 0, 0, { bytesTotal: null }),
      progress('INBOX', 'copying', 0, 2774),
      progress('Lists', 'listing', 0, 0, { bytesTotal: null }),
      progress('Lists', 'copying', 0, 1270),
      progress('INBOX', 'copying', 1200, 2774, { bytesPerSecond: 100_000, etaSeconds: 16 }),
      progress('Lists', 'copying', 600, 1270, { bytesPerSecond: 100_000, etaSeconds: 7 }),
      progress('INBOX', 'copying', 2292, 2774, { bytesPerSecond: 100_000, etaSeconds: 5 }),
      progress('Lists', 'done', 1270, 1270),
      progress('INBOX', 'done', 2774, 2774),
    ];
    for (const e of events) {
      s = withProgress(s, e);
      const pass = passProgress(s.progress.work)!;
      if (!pass.listing) fractions.push(pass.messagesDone / pass.messagesTotal);
    }
    expect(fractions.length).toBeGreaterThan(3);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
  });
});
