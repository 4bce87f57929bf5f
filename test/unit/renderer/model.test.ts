import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../../shared/api/app-api.js';
import { folderSelected } from '../../../shared/config.js';
import { accountNameFor, isValidAccountName } from '../../../renderer/src/model/account-name.js';
import { activityMatches, activityReport, mergeActivity } from '../../../renderer/src/model/activity.js';
import { chosenByFilter, filterForChoice, withListedFolders } from '../../../renderer/src/model/folder-choice.js';
import { folderTree } from '../../../renderer/src/model/folder-tree.js';
import { displayFingerprint, formatBytes, formatDuration, formatRate, formatRelative } from '../../../renderer/src/model/format.js';
import { draftProblems, emptyDraft, endpointInput, sameConnection, withSecurity } from '../../../renderer/src/model/server-draft.js';

describe('format', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [1234567, '1.2 MB'],
    [123_456_789, '123 MB'],
    [5e12, '5.0 TB'],
  ])('formatBytes(%d) = %s', (n, text) => {
    expect(formatBytes(n, 'en')).toBe(text);
  });

  it('shows no rate until one is measurable', () => {
    expect(formatRate(null)).toBeNull();
    expect(formatRate(2_500_000, 'en')).toBe('2.5 MB/s');
  });

  it.each([
    [0, '0 s'],
    [59.4, '59 s'],
    [61, '1 min'],
    [3599, '1 h'],
    [3600, '1 h'],
    [3900, '1 h 5 min'],
  ])('formatDuration(%d) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('says how long ago or until, in words', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatRelative('2025-01-01T11:59:55Z', now, 'en')).toBe('just now');
    expect(formatRelative('2025-01-01T11:55:00Z', now, 'en')).toBe('5 minutes ago');
    expect(formatRelative('2025-01-01T12:04:00Z', now, 'en')).toBe('in 4 minutes');
    expect(formatRelative('2024-12-31T12:00:00Z', now, 'en')).toBe('yesterday');
    expect(formatRelative('not a time', now, 'en')).toBe('not a time');
  });

  it('never puts a past event in the future, nor a planned one in the past (the clocks of two processes differ a little)', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    // A last sync stamped 15 s ahead of this clock: it happened, so it is "just now", not "in 15 seconds".
    expect(formatRelative('2025-01-01T12:00:15Z', now, 'en', 'past')).toBe('just now');
    expect(formatRelative('2025-01-01T12:30:00Z', now, 'en', 'past')).toBe('just now');
    expect(formatRelative('2025-01-01T11:55:00Z', now, 'en', 'past')).toBe('5 minutes ago');
    // A next sync that is due already is about to start.
    expect(formatRelative('2025-01-01T11:59:40Z', now, 'en', 'future')).toBe('in a moment');
    expect(formatRelative('2025-01-01T12:00:05Z', now, 'en', 'future')).toBe('in a moment');
    expect(formatRelative('2025-01-01T12:04:00Z', now, 'en', 'future')).toBe('in 4 minutes');
  });

  it('shows fingerprints as colon-separated upper-case byte pairs', () => {
    expect(displayFingerprint(`sha256:${'ab'.repeat(32)}`)).toBe(Array(32).fill('AB').join(':'));
    expect(displayFingerprint('SHA256:0a:1b')).toBe('0A:1B');
  });
});

describe('folderTree', () => {
  it('puts INBOX first, sorts ignoring case, nests subfolders under their parent', () => {
    const rows = folderTree(['sent', 'Archive/2024', 'INBOX/Lists', 'Archive', 'INBOX', 'archive-old', 'Archive/2023'], (f) => f);
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.label}`)).toEqual([
      'INBOX',
      '  Lists',
      'Archive',
      '  2023',
      '  2024',
      'archive-old',
      'sent',
    ]);
  });

  it('adds a placeholder for a parent that is not a folder itself', () => {
    const rows = folderTree(['Lists/dev', 'Lists/users'], (f) => f);
    expect(rows.map((r) => [r.path, r.depth, r.item])).toEqual([
      ['Lists', 0, null],
      ['Lists/dev', 1, 'Lists/dev'],
      ['Lists/users', 1, 'Lists/users'],
    ]);
  });
});

describe('folder choice', () => {
  const all = ['INBOX', 'Archive', 'Archive/2024', 'Spam', 'Trash'];

  it('excludes exactly the unticked folders and keeps future folders included', () => {
    const filter = filterForChoice(all, new Set(['INBOX', 'Archive', 'Archive/2024']));
    expect(filter).toEqual({ include: ['*'], exclude: ['Spam', 'Trash'] });
    expect(all.filter((f) => folderSelected(filter, f))).toEqual(['INBOX', 'Archive', 'Archive/2024']);
    expect(folderSelected(filter, 'Created/Later')).toBe(true);
  });

  it('ticks what an existing filter selects', () => {
    expect([...chosenByFilter(all, { include: ['INBOX', 'Archive*'], exclude: ['Archive/2024'] })]).toEqual(['INBOX', 'Archive']);
  });
});

describe('account names', () => {
  it('derives a valid, unique name from the address', () => {
    expect(accountNameFor('Alice@Example.org', [])).toBe('alice-example.org');
    expect(accountNameFor('alice@example.org', ['ALICE-example.org', 'alice-example.org-2'])).toBe('alice-example.org-3');
    expect(accountNameFor('jürgen+lists@bücher.de', [])).toBe('j-rgen-lists-b-cher.de');
    expect(isValidAccountName(accountNameFor('x'.repeat(100) + '@example.org', []))).toBe(true);
  });

  it.each([['work', true], ['my.mail_2', true], ['..', false], ['', false], ['a b', false], ['x'.repeat(65), false]])('%j valid: %s', (name, ok) => {
    expect(isValidAccountName(name)).toBe(ok);
  });
});

describe('server drafts', () => {
  const draft = { ...emptyDraft('alice@example.org', 'pw'), host: 'imap.example.org' };

  it('moves the port along with the security only while it is the default', () => {
    expect(withSecurity(draft, 'starttls').port).toBe('143');
    expect(withSecurity({ ...draft, port: '1993' }, 'starttls').port).toBe('1993');
  });

  it('names each problem and refuses plain text to a remote host', () => {
    expect(draftProblems(draft, true)).toEqual({});
    expect(Object.keys(draftProblems({ ...draft, host: 'imaps://x', port: '70000', user: ' ', password: '' }, true)).sort()).toEqual(['host', 'password', 'port', 'user']);
    expect(draftProblems({ ...draft, password: '' }, false)).toEqual({});
    expect(draftProblems({ ...draft, security: 'none' }, true).security).toMatch(/only allowed to this computer/);
    expect(draftProblems({ ...draft, host: '127.0.0.1', security: 'none' }, true)).toEqual({});
  });

  it('sends a password only when one was typed, and the trusted fingerprint', () => {
    expect(endpointInput({ ...draft, password: '', fingerprint: 'sha256:ab' })).toEqual({
      type: 'imap',
      host: 'imap.example.org',
      port: 993,
      security: 'tls',
      user: 'alice@example.org',
      fingerprint: 'sha256:ab',
    });
    expect(sameConnection(draft, { ...draft, host: ' imap.example.org ' })).toBe(true);
    expect(sameConnection(draft, { ...draft, fingerprint: 'sha256:ab' })).toBe(false);
  });
});

describe('activity', () => {
  const entry = (id: number, message: string, account: string | null = 'work', folder: string | null = null): ActivityEntry => ({
    id,
    at: new Date(Date.UTC(2025, 0, 1, 12, id)).toISOString(),
    level: id === 2 ? 'error' : 'info',
    account,
    folder,
    message,
  });

  it('matches message, account or folder ignoring case', () => {
    expect(activityMatches(entry(1, 'Sync finished'), 'SYNC')).toBe(true);
    expect(activityMatches(entry(1, 'x', 'Work'), 'work')).toBe(true);
    expect(activityMatches(entry(1, 'x', null, 'Archive'), 'arch')).toBe(true);
    expect(activityMatches(entry(1, 'x'), 'nothing')).toBe(false);
    expect(activityMatches(entry(1, 'x'), '  ')).toBe(true);
  });

  it('keeps the newest first, once each, within the limit', () => {
    const list = [entry(3, 'c'), entry(2, 'b')];
    expect(mergeActivity(list, entry(4, 'd'), 2).map((e) => e.id)).toEqual([4, 3]);
    expect(mergeActivity(list, entry(3, 'c'), 5).map((e) => e.id)).toEqual([3, 2]);
  });

  it('writes a bug report oldest first under the version', () => {
    const report = activityReport([entry(2, 'cannot reach host', 'work', 'INBOX'), entry(1, 'started', null)], {
      version: '1.2.3',
      mode: 'headless',
      passwordStorage: 'memory',
      configPath: '/c',
      stateDir: '/s',
      canPickDirectory: false,
    });
    expect(report.split('\n')).toEqual([
      'Mailferry 1.2.3 (headless)',
      '2025-01-01T12:01:00.000Z  INFO     -  started',
      '2025-01-01T12:02:00.000Z  ERROR    work/INBOX  cannot reach host',
      '',
    ]);
  });
});

describe('Maildir options (another program’s Maildir)', () => {
  it('a new Maildir names nothing; another program’s names its layout, spelling and the state to take over', async () => {
    const { DEFAULT_MAILDIR_OPTIONS, maildirInput, maildirOptionsProblem } = await import('../../../renderer/src/model/maildir-options.js');
    expect(maildirInput(' ~/Mail/work ', DEFAULT_MAILDIR_OPTIONS)).toEqual({ type: 'maildir', path: '~/Mail/work' });
    const offlineimap = { layout: 'flat', nameEncoding: 'modified-utf-7', adopt: 'offlineimap', statePath: '~/.offlineimap', repository: 'Remote' } as const;
    expect(maildirInput('~/Mail', offlineimap)).toEqual({
      type: 'maildir',
      path: '~/Mail',
      layout: 'flat',
      nameEncoding: 'modified-utf-7',
      importState: { from: 'offlineimap', path: '~/.offlineimap', repository: 'Remote' },
    });
    expect(maildirOptionsProblem(offlineimap)).toBeNull();
    expect(maildirOptionsProblem({ ...offlineimap, repository: '' })).toMatch(/remote repository/);
    expect(maildirOptionsProblem({ ...offlineimap, adopt: 'mbsync', statePath: 'relative/dir' })).toMatch(/full path/);
    expect(maildirInput('/m', { ...DEFAULT_MAILDIR_OPTIONS, layout: 'maildir++', adopt: 'mbsync', statePath: '~/.mbsync/' })).toEqual({
      type: 'maildir',
      path: '/m',
      layout: 'maildir++',
      importState: { from: 'mbsync', path: '~/.mbsync/' },
    });
  });
});

describe('logging in (wizard step 1)', () => {
  it('an address on a local domain is an address, and a plain user name can be the login, with the address optional', async () => {
    const { isEmailAddress, loginProblems, loginUser } = await import('../../../renderer/src/model/login.js');
    expect(isEmailAddress('test@localhost')).toBe(true);
    expect(isEmailAddress('alice@example.org')).toBe(true);
    expect(isEmailAddress('alice')).toBe(false);
    expect(isEmailAddress('a b@example.org')).toBe(false);
    const byAddress = { byUserName: false, email: 'test@localhost', user: '', password: 'pw' };
    expect(loginProblems(byAddress)).toEqual({});
    expect(loginProblems({ ...byAddress, email: 'alice' })).toHaveProperty('email');
    const byName = { byUserName: true, email: '', user: 'alice', password: 'pw' };
    expect(loginProblems(byName)).toEqual({});
    expect(loginProblems({ ...byName, user: ' ' })).toHaveProperty('user');
    expect(loginProblems({ ...byName, email: 'not an address' })).toHaveProperty('email');
    expect(loginUser(byName, 'alice@example.org')).toBe('alice');
    expect(loginUser(byAddress, undefined)).toBe('test@localhost');
    expect(loginUser(byAddress, 'test')).toBe('test');
  });
});

describe('the folders step when editing', () => {
  it('uses the folders the connection test just listed, adds the servers’ listing to them, and keeps the ticks made meanwhile', () => {
    const filter = { include: ['*'], exclude: ['Spam'] };
    const tested = withListedFolders({ all: null, chosen: new Set() }, ['INBOX', 'Archive', 'Spam', 'Sent', 'Drafts', 'Trash'], filter);
    expect(tested.all).toHaveLength(6);
    expect([...tested.chosen].sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Sent', 'Trash']);
    tested.chosen.delete('Trash');
    const merged = withListedFolders(tested, ['INBOX', 'Archive', 'Local only'], filter);
    expect(merged.all).toEqual(['INBOX', 'Archive', 'Spam', 'Sent', 'Drafts', 'Trash', 'Local only']);
    expect(merged.chosen.has('Trash')).toBe(false);
    expect(merged.chosen.has('Local only')).toBe(true);
  });
});
