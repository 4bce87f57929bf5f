import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../electron/engine/config/load-config.js';
import type { PlatformContext } from '../../../electron/engine/config/platform-paths.js';

let home: string;
let ctx: PlatformContext;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'mailferry-config-'));
  ctx = { platform: 'linux', env: {}, home };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function account(overrides: Record<string, unknown> = {}) {
  return {
    name: 'work',
    remote: { type: 'imap', host: 'imap.example.org', user: 'alice', passwordCommand: 'pass show mail' },
    local: { type: 'maildir', path: '/srv/mail/work' },
    ...overrides,
  };
}

async function writeConfig(content: unknown, mode = 0o600, name = 'config.json'): Promise<string> {
  const file = join(home, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  await chmod(file, mode);
  return file;
}

/** The ConfigError loadConfig throws, so each test can check every line. */
async function failure(file?: string): Promise<ConfigError> {
  const err = await loadConfig(file, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const configError = err as ConfigError;
  expect(configError.message).toBe(configError.lines.join('\n'));
  return configError;
}

describe('loadConfig', () => {
  it('loads a valid file with defaults applied', async () => {
    const file = await writeConfig({ accounts: [account()] });
    const loaded = await loadConfig(file, { ...ctx, env: { XDG_STATE_HOME: '/var/lib/xdg-state' } });
    expect(loaded.path).toBe(file);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.stateDir).toBe('/var/lib/xdg-state/mailferry');
    expect(loaded.config.accounts[0]).toMatchObject({ name: 'work', direction: 'both', propagateDeletes: true, remote: { port: 993 } });
  });

  it('reads the default path when none is given', async () => {
    await mkdir(join(home, '.config', 'mailferry'), { recursive: true });
    await writeConfig({ accounts: [account({ name: 'from-default' })] }, 0o600, join('.config', 'mailferry', 'config.json'));
    const loaded = await loadConfig(undefined, ctx);
    expect(loaded.path).toBe(join(home, '.config', 'mailferry', 'config.json'));
    expect(loaded.config.accounts[0]?.name).toBe('from-default');
    expect(loaded.config.stateDir).toBe(join(home, '.local', 'state', 'mailferry'));
  });

  it('expands ~/ in stateDir, maildir paths, importState.path and tls.ca', async () => {
    const file = await writeConfig({
      stateDir: '~/state',
      accounts: [
        account({
          remote: { type: 'imap', host: 'imap.example.org', user: 'a', passwordEnv: 'PW', tls: { ca: '~/certs/ca.pem' } },
          local: { type: 'maildir', path: '~/Mail/work', importState: { from: 'mbsync', path: '~/.mbsync/' } },
        }),
      ],
    });
    const { config } = await loadConfig(file, ctx);
    expect(config.stateDir).toBe(join(home, 'state'));
    expect(config.accounts[0]?.local).toEqual({ type: 'maildir', path: join(home, 'Mail', 'work'), importState: { from: 'mbsync', path: join(home, '.mbsync/') } });
    expect(config.accounts[0]?.remote.tls?.ca).toBe(join(home, 'certs', 'ca.pem'));
  });

  it('refuses ~user/ paths, which it does not expand', async () => {
    const file = await writeConfig({ accounts: [account({ local: { type: 'maildir', path: '~bob/Mail' } })] });
    expect((await failure(file)).lines).toEqual([
      `${file}: invalid configuration:`,
      '  accounts[0].local.path: must be an absolute path or start with ~/ (got "~bob/Mail")',
    ]);
  });

  it('says where the missing file should be and how to write one', async () => {
    const file = join(home, 'nowhere', 'config.json');
    const err = await failure(file);
    expect(err.lines[0]).toBe(`no config file at ${file}`);
    expect(err.lines[1]).toBe('Create it as described under "Configuration reference" in README.md. The smallest one:');
    // The example it prints is itself a valid config.
    const example = await writeConfig(err.lines[2]?.trim());
    await expect(loadConfig(example, ctx)).resolves.toMatchObject({ config: { accounts: [{ name: 'work' }] } });
  });

  it('reports invalid JSON with line and column', async () => {
    const file = await writeConfig('{\n  "accounts": [\n    { "name": "work", }\n  ]\n}\n');
    expect((await failure(file)).lines).toEqual([`${file}: invalid JSON at line 3, column 21: trailing comma before '}' is not allowed`]);
  });

  it('reports an empty file as invalid JSON', async () => {
    const file = await writeConfig('');
    expect((await failure(file)).lines).toEqual([`${file}: invalid JSON at line 1, column 1: unexpected end of file, expected a value`]);
  });

  it('accepts a byte-order mark', async () => {
    const file = await writeConfig(`\uFEFF${JSON.stringify({ accounts: [account()] })}`);
    await expect(loadConfig(file, ctx)).resolves.toMatchObject({ config: { accounts: [{ name: 'work' }] } });
  });

  it('lists every schema problem under the file name', async () => {
    const file = await writeConfig({ accounts: [account({ direction: 'sideways' }), account({ name: 'work' })], extra: true });
    expect((await failure(file)).lines).toEqual([
      `${file}: invalid configuration:`,
      '  accounts[0].direction: must be "both", "pull" or "push" (got "sideways")',
      '  accounts[1].name: duplicate account name "work" (already used by accounts[0]; names are compared ignoring case)',
      '  extra: unknown key (allowed: stateDir, accounts)',
    ]);
  });

  it('says when the path is not a file', async () => {
    expect((await failure(home)).lines).toEqual([`cannot read config file ${home}: not a regular file`]);
  });

  it('says when a directory on the path is a file', async () => {
    const file = join(await writeConfig('{}'), 'config.json');
    const err = await failure(file);
    expect(err.lines).toHaveLength(1);
    expect(err.lines[0]).toMatch(new RegExp(`^cannot read config file ${file}: ENOTDIR`));
  });

  // Root reads any file, so this case needs an ordinary user.
  it.skipIf(process.getuid?.() === 0)('says when the file cannot be read', async () => {
    const file = await writeConfig({ accounts: [account()] }, 0o000);
    const err = await failure(file);
    expect(err.lines).toHaveLength(1);
    expect(err.lines[0]).toMatch(new RegExp(`^cannot read config file ${file}: EACCES`));
  });

  describe('warns when others can read a literal password', () => {
    const withPassword = { accounts: [account({ remote: { type: 'imap', host: 'h', user: 'u', password: 'pw' } })] };
    const localPassword = {
      accounts: [account({ local: { type: 'imap', host: 'localhost', security: 'none', user: 'u', password: 'pw' } })],
    };

    it.each([
      { what: 'remote password, mode 644', doc: withPassword, mode: 0o644, warns: true },
      { what: 'remote password, mode 640', doc: withPassword, mode: 0o640, warns: true },
      { what: 'local IMAP password, mode 604', doc: localPassword, mode: 0o604, warns: true },
      { what: 'remote password, mode 600', doc: withPassword, mode: 0o600, warns: false },
      { what: 'passwordCommand only, mode 644', doc: { accounts: [account()] }, mode: 0o644, warns: false },
    ])('$what', async ({ doc, mode, warns }) => {
      const file = await writeConfig(doc, mode);
      const { warnings } = await loadConfig(file, ctx);
      const octal = mode.toString(8).padStart(3, '0');
      expect(warnings).toEqual(
        warns ? [`${file} contains a password and other users can read it (mode ${octal}); restrict it with: chmod 600 '${file}'`] : [],
      );
    });
  });
});
