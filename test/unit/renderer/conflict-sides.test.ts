import { describe, expect, it } from 'vitest';
import { ConflictViewSchema, type AccountView, type ConflictView } from '../../../shared/api/app-api.js';
import type { ConflictSides } from '../../../shared/conflict-sides.js';
import { deleteVsChangeSides, folderDeletedSides, massDeleteSides, movedApartSides } from '../../../electron/engine/conflicts/describe-sides.js';
import { comparisonRows, sideNames } from '../../../renderer/src/model/conflict-sides.js';
import { flagsText } from '../../../renderer/src/model/wording.js';

const headers = { subject: 'Quarterly report: please review', from: 'Alice <alice@example.org>', date: '2024-03-01T10:00:00.000Z' };
const facts = { headers, size: 2048 };

/** What the Conflicts screen gets for these sides: the view must pass the contract first. */
function rowsFor(sides: ConflictSides): Record<string, [string, string]> {
  const view: ConflictView = { id: 'c', account: 'work', folder: 'INBOX', kind: 'delete-vs-change', detail: 'd', sides, at: '2024-03-02T00:00:00Z', choices: ['keep-both'], settled: null };
  const parsed = ConflictViewSchema.parse(view);
  return Object.fromEntries(comparisonRows(parsed.sides!, 'en-GB').map((r) => [r.label, [r.local, r.remote]]));
}

describe('the Conflicts screen comparison of the two sides', () => {
  it('delete vs change: the message on both sides, the flags it had before the delete against the flags now', () => {
    const sides = deleteVsChangeSides('INBOX', 'local', facts, { before: ['\\Seen'], now: ['\\Flagged', '\\Seen'] });
    // The date is shown in the machine's time zone: only the day is certain here.
    const day = expect.stringMatching(/^(1|2) Mar 2024, /);
    expect(rowsFor(sides)).toEqual({
      'What happened': ['Deleted', 'Flags changed'],
      Folder: ['INBOX', 'INBOX'],
      Subject: [headers.subject, headers.subject],
      From: [headers.from, headers.from],
      Date: [day, day],
      Flags: ['Read (before it was deleted)', 'Read, Flagged'],
      Size: ['2.0 KB', '2.0 KB'],
    });
  });

  it('moved to different folders: where each side put it, and where it was', () => {
    const sides = movedApartSides('INBOX', { remote: 'Archive', local: 'Later' }, { headers: { subject: null, from: null, date: null }, size: 10 }, { remote: ['\\Seen'], local: [] });
    const rows = rowsFor(sides);
    expect(rows.Folder).toEqual(['Later (was in INBOX)', 'Archive (was in INBOX)']);
    expect(rows.Subject).toEqual(['(no subject)', '(no subject)']);
    expect(rows.From).toEqual(['—', '—']);
    expect(rows.Flags).toEqual(['Unread', 'Read']);
  });

  it('a folder deleted on one side: the mail still in it on the other, and how much of it never synced', () => {
    expect(rowsFor(folderDeletedSides('Projects', 'remote', 7, 2))).toEqual({
      'What happened': ['Folder kept, with mail in it', 'Folder deleted'],
      Folder: ['Projects', 'Projects'],
      'Messages in the folder': ['7 messages', 'none (the folder is gone)'],
      'Never synced to the other side': ['2 messages', '—'],
    });
  });

  it('a mass delete stopped: what disappeared on one side and what the check kept on the other', () => {
    expect(rowsFor(massDeleteSides('INBOX', 'remote', 12, { remote: 12, local: 0 }))).toEqual({
      'What happened': ['Messages removed', 'Deletions stopped by the safety check'],
      Folder: ['INBOX', 'INBOX'],
      'Messages in the folder': ['0 messages', '12 messages'],
      'Removed since the last sync': ['12 messages', '—'],
      'Deletions stopped': ['—', '12 messages'],
    });
  });

  it('names every flag in words, read or unread first, keywords as spelled', () => {
    expect(flagsText([])).toBe('Unread');
    expect(flagsText(['$Forwarded', '\\Answered', '\\Draft', '\\Seen', 'Project-X'])).toBe('Read, Forwarded, Answered, Draft, Project-X');
  });

  it('heads the columns with the user\'s terms for each side', () => {
    const account = { remote: { type: 'imap', host: 'imap.example.org' }, local: { type: 'maildir', path: '/m' } } as AccountView;
    expect(sideNames(account)).toEqual({ remote: 'Server (imap.example.org)', local: 'This computer' });
    expect(sideNames({ ...account, local: { ...account.remote, host: 'backup.example.net' } } as AccountView)).toEqual({ remote: 'Server (imap.example.org)', local: 'Local copy (backup.example.net)' });
    expect(sideNames(undefined)).toEqual({ remote: 'Server', local: 'This computer' });
  });
});

describe('the conflict view contract', () => {
  const view = { id: 'c', account: 'work', folder: 'INBOX', kind: 'delete-vs-change', detail: 'd', at: '2024-03-02T00:00:00Z', choices: ['keep-both'], settled: null };

  it('carries sides, or null for a conflict recorded before they were kept, and nothing else', () => {
    expect(ConflictViewSchema.safeParse({ ...view, sides: null }).success).toBe(true);
    expect(ConflictViewSchema.safeParse({ ...view, sides: folderDeletedSides('F', 'local', 1, 0) }).success).toBe(true);
    expect(ConflictViewSchema.safeParse(view).success).toBe(false);
    const extra = { ...folderDeletedSides('F', 'local', 1, 0), both: true };
    expect(ConflictViewSchema.safeParse({ ...view, sides: extra }).success).toBe(false);
  });
});
