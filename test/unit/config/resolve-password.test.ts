import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../shared/config.js';
import { ConfigError } from '../../../electron/engine/config/config-error.js';
import { passwordEnvNames, resolvePassword, type ResolvePasswordOptions } from '../../../electron/engine/config/resolve-password.js';

const SECRET = 's3cret-from-stdout';
const noHidden: ResolvePasswordOptions = { hiddenEnv: [] };
const setVars: string[] = [];

function setEnv(name: string, value: string): void {
  process.env[name] = value;
  setVars.push(name);
}
afterEach(() => {
  for (const name of setVars.splice(0)) delete process.env[name];
});

async function failure(promise: Promise<string>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message;
}

/** The state letter from /proc (R, S, Z, …), or "gone". */
async function processState(pid: string): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

describe('resolvePassword', () => {
  it('returns a literal password as is', async () => {
    await expect(resolvePassword({ password: ' with spaces ' }, 'work', noHidden)).resolves.toBe(' with spaces ');
  });

  describe('passwordEnv', () => {
    it('reads the variable', async () => {
      setEnv('MAILFERRY_TEST_PW', 'from-env');
      await expect(resolvePassword({ passwordEnv: 'MAILFERRY_TEST_PW' }, 'work', noHidden)).resolves.toBe('from-env');
    });

    it('names the variable when it is unset', async () => {
      expect(await failure(resolvePassword({ passwordEnv: 'MAILFERRY_TEST_UNSET' }, 'work', noHidden))).toBe(
        'account "work": environment variable MAILFERRY_TEST_UNSET (passwordEnv) is not set',
      );
    });

    it('names the variable when it is empty', async () => {
      setEnv('MAILFERRY_TEST_EMPTY', '');
      expect(await failure(resolvePassword({ passwordEnv: 'MAILFERRY_TEST_EMPTY' }, 'home', noHidden))).toBe(
        'account "home": environment variable MAILFERRY_TEST_EMPTY (passwordEnv) is empty',
      );
    });
  });

  describe('passwordCommand', () => {
    const run = (command: string, options: ResolvePasswordOptions = noHidden) => resolvePassword({ passwordCommand: command }, 'work', options);

    it('returns the first line of stdout, trimmed', async () => {
      await expect(run(`printf '  ${SECRET}  \\nsecond line\\n'`)).resolves.toBe(SECRET);
    });

    it('runs through the shell', async () => {
      await expect(run(`echo one | tr o O; exit 0`)).resolves.toBe('One');
    });

    it('does not wait for stdin', async () => {
      await expect(run('cat; echo done')).resolves.toBe('done');
    });

    it('reports the exit code and first stderr line, never stdout', async () => {
      const message = await failure(run(`echo ${SECRET}; printf '\\ngpg: decryption failed\\nmore\\n' >&2; exit 3`));
      expect(message).toBe('account "work": passwordCommand exited with code 3: gpg: decryption failed');
      expect(message).not.toContain(SECRET);
    });

    it('reports a failure without stderr', async () => {
      expect(await failure(run(`echo ${SECRET}; exit 1`))).toBe('account "work": passwordCommand exited with code 1');
    });

    it('reports a command that is not found', async () => {
      expect(await failure(run('mailferry-no-such-command-xyz'))).toMatch(
        /^account "work": passwordCommand exited with code 127: .*mailferry-no-such-command-xyz.*not found/,
      );
    });

    it('refuses empty output', async () => {
      expect(await failure(run('printf "\\nsecond"'))).toBe('account "work": passwordCommand printed no password');
    });

    it('reports a kill by signal', async () => {
      expect(await failure(run('kill -TERM $$'))).toBe('account "work": passwordCommand was killed by signal SIGTERM');
    });

    it('stops a command that runs too long', async () => {
      const started = Date.now();
      const message = await failure(run('sleep 30; echo late', { hiddenEnv: [], timeoutMs: 300 }));
      expect(message).toBe('account "work": passwordCommand did not finish within 0.3 s');
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it.runIf(process.platform === 'linux')('also stops what the shell started', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mailferry-pw-'));
      try {
        const pidFile = join(dir, 'pid');
        await failure(run(`sleep 30 & echo $! > '${pidFile}'; wait`, { hiddenEnv: [], timeoutMs: 300 }));
        const pid = (await readFile(pidFile, 'utf8')).trim();
        // Gone, or a zombie waiting for a reaper: either way no longer running.
        await expect.poll(() => processState(pid), { timeout: 2_000 }).toMatch(/^(gone|Z)$/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('hides every passwordEnv variable and MAILFERRY_* from the command', async () => {
      setEnv('SECRET_VAR', 'leaked');
      setEnv('OTHER_SECRET_VAR', 'leaked');
      setEnv('MAILFERRY_FAULT_AFTER_STEPS', '3');
      setEnv('VISIBLE_VAR', 'visible');
      const show = (name: string) => `"\${${name}-unset}"`;
      const command = `printf '%s,%s,%s,%s' ${['SECRET_VAR', 'OTHER_SECRET_VAR', 'MAILFERRY_FAULT_AFTER_STEPS', 'VISIBLE_VAR'].map(show).join(' ')}`;
      await expect(run(command, { hiddenEnv: ['SECRET_VAR', 'OTHER_SECRET_VAR'] })).resolves.toBe('unset,unset,unset,visible');
      // Without the list the same command would see them: the test above can fail.
      await expect(run(command)).resolves.toBe('leaked,leaked,unset,visible');
    });
  });
});

describe('passwordEnvNames', () => {
  it('lists each passwordEnv of every account and side once', () => {
    const imap = (passwordEnv: string) => ({ type: 'imap', host: 'localhost', security: 'none', user: 'u', passwordEnv });
    const config = ConfigSchema.parse({
      accounts: [
        { name: 'a', remote: imap('PW_A'), local: imap('PW_LOCAL') },
        { name: 'b', remote: imap('PW_A'), local: { type: 'maildir', path: '/m' } },
        { name: 'c', remote: { type: 'imap', host: 'h', user: 'u', passwordCommand: 'true' }, local: { type: 'maildir', path: '/n' } },
      ],
    });
    expect(passwordEnvNames(config)).toEqual(['PW_A', 'PW_LOCAL']);
  });
});
