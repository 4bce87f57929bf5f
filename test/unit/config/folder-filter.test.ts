import { describe, expect, it } from 'vitest';
import { folderSelected, type FolderFilter } from '../../../shared/config.js';

const filter = (include: string[], exclude: string[] = []): FolderFilter => ({ include, exclude });

describe('folderSelected', () => {
  it.each([
    // `*` matches anything, across hierarchy levels.
    { include: ['*'], folder: 'INBOX', selected: true },
    { include: ['*'], folder: 'Archive/2023/Q1', selected: true },
    { include: ['Archive*'], folder: 'Archive/2023/Q1', selected: true },
    { include: ['Archive/*'], folder: 'Archive', selected: false },
    // `%` stays within one level.
    { include: ['%'], folder: 'Sent', selected: true },
    { include: ['%'], folder: 'Archive/2023', selected: false },
    { include: ['Archive/%'], folder: 'Archive/2023', selected: true },
    { include: ['Archive/%'], folder: 'Archive/2023/Q1', selected: false },
    { include: ['%/Q1'], folder: 'Archive/2023/Q1', selected: false },
    { include: ['*/Q1'], folder: 'Archive/2023/Q1', selected: true },
    // Literal text, regular-expression characters included, matches only itself.
    { include: ['Sent'], folder: 'Sent Items', selected: false },
    { include: ['a.b'], folder: 'axb', selected: false },
    { include: ['a.b'], folder: 'a.b', selected: true },
    { include: ['[Gmail]/%'], folder: '[Gmail]/Sent Mail', selected: true },
    { include: ['(x)+'], folder: '(x)+', selected: true },
    // Case-sensitive, except INBOX.
    { include: ['Sent'], folder: 'sent', selected: false },
    { include: ['INBOX'], folder: 'inbox', selected: true },
    { include: ['inbox'], folder: 'INBOX', selected: true },
    { include: ['Inbox/%'], folder: 'INBOX/Lists', selected: true },
    { include: ['INBOX/lists'], folder: 'INBOX/Lists', selected: false },
    { include: ['INBOXES'], folder: 'inboxes', selected: false },
    // Nothing included, nothing selected.
    { include: [], folder: 'INBOX', selected: false },
  ])('include $include, folder $folder: $selected', ({ include, folder, selected }) => {
    expect(folderSelected(filter(include), folder)).toBe(selected);
  });

  it.each([
    { include: ['*'], exclude: ['Spam'], folder: 'Spam', selected: false },
    { include: ['*'], exclude: ['Spam'], folder: 'Spam/Old', selected: true },
    { include: ['*'], exclude: ['Spam*'], folder: 'Spam/Old', selected: false },
    { include: ['INBOX'], exclude: ['INBOX'], folder: 'INBOX', selected: false },
    { include: ['*'], exclude: ['inbox'], folder: 'INBOX', selected: false },
    { include: ['Archive/%'], exclude: ['Archive/2019'], folder: 'Archive/2020', selected: true },
    { include: ['Archive/%'], exclude: ['Archive/2019'], folder: 'Archive/2019', selected: false },
  ])('exclude wins: include $include, exclude $exclude, folder $folder: $selected', ({ include, exclude, folder, selected }) => {
    expect(folderSelected(filter(include, exclude), folder)).toBe(selected);
  });
});
