import { describe, expect, it } from 'vitest';
import { helpText, parseCli, USAGE } from '../../../electron/cli/args.js';

describe('mailferry login / logout arguments', () => {
  it.each([
    [['login', '--account', 'gmail'], { command: 'login', config: undefined, account: 'gmail', browser: true, device: false, timeoutSeconds: 300 }],
    [['login', '--config', '/c.json', '--account', 'o', '--no-browser', '--device', '--side', 'local', '--timeout', '30'], { command: 'login', config: '/c.json', account: 'o', side: 'local', browser: false, device: true, timeoutSeconds: 30 }],
    [['logout', '--account', 'gmail'], { command: 'logout', config: undefined, account: 'gmail' }],
  ])('%j', (argv, expected) => {
    expect(parseCli(argv)).toEqual(expected);
  });

  it.each([
    [['login'], /needs exactly one --account NAME/],
    [['login', '--account', 'a', '--account', 'b'], /needs exactly one --account NAME/],
    [['login', '--account', 'a', '--side', 'both'], /--side must be "remote" or "local"/],
    [['login', '--account', 'a', '--timeout', '0'], /--timeout must be a number of seconds from 1 to 3600/],
    [['logout', '--account', 'a', '--device'], /--device is for "mailferry login", not "logout"/],
    [['login', '--account', 'a', '--json'], /--json is for .*, not "login"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('the usage text lists both commands with their options', () => {
    expect(USAGE).toMatch(/^\s+login\s/m);
    expect(USAGE).toMatch(/^\s+logout\s/m);
    expect(helpText('login').split('\n')[0]).toBe('Usage: mailferry login [--config FILE] --account NAME [--no-browser] [--device] [--side remote|local] [--timeout SECONDS]');
    expect(USAGE).toContain('--no-browser');
  });
});
