import { describe, expect, it } from 'vitest';
import { parseCli } from '../../../electron/cli/args.js';

describe('mailferry watch arguments', () => {
  it.each([
    [['watch'], { command: 'watch', config: undefined, accounts: [], intervalSeconds: 300, push: ['INBOX'] }],
    [['watch', '--interval', '60', '--push', 'INBOX', '--push', 'Work', '--account', 'a'], { command: 'watch', config: undefined, accounts: ['a'], intervalSeconds: 60, push: ['INBOX', 'Work'] }],
    [['watch', '--push', 'none'], { command: 'watch', config: undefined, accounts: [], intervalSeconds: 300, push: [] }],
  ])('%j', (argv, expected) => {
    expect(parseCli(argv)).toEqual(expected);
  });

  it.each([
    [['watch', '--interval', '5'], /--interval must be a number of seconds from 10/],
    [['watch', '--dry-run'], /--dry-run is for "mailferry sync", not "watch"/],
    [['sync', '--push', 'INBOX'], /--push is for "mailferry watch"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});
