import { describe, expect, it } from 'vitest';
import { planFolders } from '../../../electron/engine/plan/plan-folders.js';

describe('planFolders', () => {
  it('syncs folders on both sides, creates new ones on the other side, INBOX first', () => {
    expect(planFolders(['Work', 'INBOX', 'Archive/2024'], ['INBOX', 'Work', 'Notes'], ['INBOX', 'Work'], 'both')).toEqual([
      { folder: 'INBOX', action: 'sync' },
      { folder: 'Archive/2024', action: 'create', on: 'local' },
      { folder: 'Notes', action: 'create', on: 'remote' },
      { folder: 'Work', action: 'sync' },
    ]);
  });

  it('a folder known to state and now missing on one side is a deletion, never a re-creation', () => {
    expect(planFolders(['INBOX', 'Old'], ['INBOX'], ['INBOX', 'Old'], 'both')).toEqual([
      { folder: 'INBOX', action: 'sync' },
      { folder: 'Old', action: 'deleted', deletedOn: 'local' },
    ]);
  });

  it('gone from both sides: state is forgotten', () => {
    expect(planFolders([], [], ['Gone'], 'both')).toEqual([{ folder: 'Gone', action: 'forget' }]);
  });

  it.each([
    ['pull', 'local'],
    ['push', 'remote'],
  ] as const)('direction %s does not create folders from the %s side', (direction, side) => {
    const [remote, local] = side === 'local' ? [[], ['Mine']] : [['Mine'], []];
    expect(planFolders(remote, local, [], direction)).toEqual([
      { folder: 'Mine', action: 'skip', reason: `exists only on the ${side} side and direction is ${direction}` },
    ]);
  });
});
