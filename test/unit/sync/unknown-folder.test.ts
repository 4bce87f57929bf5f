import { describe, expect, it } from 'vitest';
import { closestNames, editDistance, unknownFolderError } from '../../../electron/engine/sync/unknown-folder.js';

const FOLDERS = ['INBOX', 'Archive', 'Archive/2024', 'Sent', 'Drafts', 'Lists/rust-users', 'Spam'];

describe('closestNames', () => {
  it.each([
    ['inbox', ['INBOX']],
    ['ARCHIVE', ['Archive']],
    ['2024', ['Archive/2024']],
    ['Archiv', ['Archive']],
    ['Draft', ['Drafts']],
    ['sent', ['Sent']],
    ['Lists/rust-user', ['Lists/rust-users']],
    ['rust-users', ['Lists/rust-users']],
    ['Nosuch', []],
    ['INBOX', []],
  ])('%s -> %j', (wanted, expected) => {
    expect(closestNames(wanted, FOLDERS)).toEqual(expected);
  });

  it('puts a case-insensitive match before a nearer typo, and gives at most three', () => {
    expect(closestNames('ab', ['AB', 'ab1', 'abc', 'xab', 'aab', 'b'])).toEqual(['AB', 'aab', 'ab1']);
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['a', '', 1],
    ['kitten', 'sitting', 3],
    ['Archive', 'Archiv', 1],
    ['abc', 'acb', 2],
  ])('%s / %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('unknownFolderError', () => {
  it.each([
    ['inbox', 'no folder "inbox" on either side (names are case-sensitive); did you mean "INBOX"?'],
    ['Archiv', 'no folder "Archiv" on either side (names are case-sensitive); did you mean "Archive"?'],
    ['Nosuch', 'no folder "Nosuch" on either side (names are case-sensitive); the folders are "Archive", "Archive/2024", "Drafts", "INBOX", "Lists/rust-users", "Sent", "Spam"'],
    ['Spam', 'folder "Spam" is left out by the account\'s folder filter (folders.include / folders.exclude in the config); change the filter to sync it'],
  ])('%s', (wanted, message) => {
    expect(unknownFolderError(wanted, FOLDERS, new Set(['Spam']))).toBe(message);
  });

  it('lists a few names and counts the rest when nothing is close', () => {
    const many = Array.from({ length: 12 }, (_, i) => `Folder${String(i).padStart(2, '0')}`);
    expect(unknownFolderError('Nosuch', many, new Set())).toMatch(/the folders are "Folder00", .*"Folder07" and 4 more$/);
    expect(unknownFolderError('Nosuch', [], new Set())).toMatch(/the account has no folders yet$/);
  });

  it('names two or three close ones as alternatives', () => {
    expect(unknownFolderError('Sen', ['Sent', 'Seen', 'INBOX'], new Set())).toMatch(/did you mean "Seen" or "Sent"\?$/);
  });
});
