import { describe, expect, it } from 'vitest';
import { helpText, USAGE } from '../../electron/cli/args.js';
import { COMMANDS } from '../../electron/cli/command-table.js';
import { runCli } from '../support/sync-world.js';

/** The real CLI's help, as a user asks for it: every form prints the same text, exit 0; a wrong one is a usage error. */
describe('mailferry help', () => {
  it.each(COMMANDS.map((c) => c.name))('help %s and %s --help print its usage', async (name) => {
    const viaHelp = await runCli(['help', name]);
    expect([viaHelp.code, viaHelp.stderr]).toEqual([0, '']);
    expect(viaHelp.stdout).toBe(`${helpText(name)}\n`);
    const viaFlag = await runCli([name, '--help']);
    expect([viaFlag.code, viaFlag.stdout]).toEqual([0, viaHelp.stdout]);
  });

  it('with no command prints the general usage', async () => {
    for (const argv of [['help'], ['--help'], []]) expect(await runCli(argv)).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
  });

  it('a wrong command or option exits 2 with the way to the right usage', async () => {
    expect(await runCli(['help', 'synk'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mailferry: no command "synk"; did you mean "sync"? (commands: sync, status, watch, serve, conflicts, login, logout, help)\nRun "mailferry help" for usage.\n',
    });
    expect(await runCli(['status', '--folder', 'INBOX'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mailferry: --folder is for "mailferry sync", not "status"\nRun "mailferry help status" for usage.\n',
    });
  });
});
