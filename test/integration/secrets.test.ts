import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { startHostileImapServer } from '../support/hostile-imap-server.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { CANARY, leakForms, tokenLeakForms } from '../support/canary.js';
import { login, oauthAccount, runCliLive, startOAuthWorld, type OAuthWorld } from '../support/oauth-world.js';
import { makeMessage } from '../support/messages.js';
import { runCli, type CliResult } from '../support/sync-world.js';

/**
 * A canary password goes through every way of giving one and every kind of run (sync, --json,
 * status, dry run, a crash mid-sync); it must never show up in anything Mailferry prints or
 * stores, nor in a passwordCommand's arguments or environment. And TLS: a self-signed server is
 * refused with its fingerprint, accepted once pinned; STARTTLS is never silently skipped.
 * What reaches the app's window is scanned in renderer-secrets.test.ts.
 */
const FAULT_EXIT = 86;

let server: DovecotServer;
let user: DovecotUser;
beforeAll(async () => {
  server = await startDovecot();
  user = await server.addUser(`canary${Date.now() % 100000}`, CANARY);
  const fx = await connect(server, user);
  for (let i = 0; i < 6; i++) await fx.append('INBOX', makeMessage({ subject: `secret test ${i}` }), { flags: i % 2 ? ['\\Seen'] : [] });
  await fx.close();
});
afterAll(async () => {
  await server?.stop();
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

function expectClean(text: string, where: string): void {
  for (const form of leakForms(CANARY, user.user)) expect(text.includes(form), `the password (as "${form}") appears in ${where}`).toBe(false);
}

type Variant = 'password' | 'passwordEnv' | 'passwordCommand';

async function setup(variant: Variant) {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-secrets-'));
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  await writeFile(join(dir, 'secret'), `${CANARY}\n`, { mode: 0o600 });
  const source: Record<Variant, Record<string, string>> = {
    password: { password: CANARY },
    passwordEnv: { passwordEnv: 'MF_TEST_PASSWORD' },
    // The shell records its own environment and arguments, then prints the password from a file.
    passwordCommand: { passwordCommand: `cp /proc/$$/environ '${dir}/child-environ'; cp /proc/$$/cmdline '${dir}/child-cmdline'; cat '${dir}/secret'` },
  };
  const remote = { type: 'imap', host: server.host, port: server.port, security: 'none', user: user.user, ...source[variant] };
  const accounts: unknown[] = [{ name: 'main', remote, local: { type: 'maildir', path: maildir } }];
  if (variant === 'passwordCommand') {
    // Another account's passwordEnv holds the password too: the command must not inherit it.
    await mkdir(join(dir, 'Other'));
    accounts.push({ name: 'other', remote: { ...remote, passwordCommand: undefined, passwordEnv: 'MF_OTHER_PASSWORD' }, local: { type: 'maildir', path: join(dir, 'Other') } });
  }
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ stateDir: join(dir, 'state'), accounts }), { mode: 0o600 });
  // Only variables the config names as passwordEnv are secret to Mailferry; MAILFERRY_* ones
  // are the engine's own and are never passed on either.
  // The CLI's code cache (compiled code kept between runs) is scanned too.
  const env: Record<string, string> = { MAILFERRY_PROBE: CANARY, XDG_CACHE_HOME: join(dir, 'cache') };
  if (variant === 'passwordEnv') env.MF_TEST_PASSWORD = CANARY;
  if (variant === 'passwordCommand') env.MF_OTHER_PASSWORD = CANARY;
  return { dir, maildir, config, env };
}

describe('a canary password never leaks', () => {
  it.each<Variant>(['password', 'passwordEnv', 'passwordCommand'])('given as %s', async (variant) => {
    const { dir, maildir, config, env } = await setup(variant);
    const runs: [string, CliResult][] = [];
    const run = async (what: string, args: string[], extra: Record<string, string> = {}) => {
      const r = await runCli(args, { ...env, ...extra });
      runs.push([what, r]);
      return r;
    };
    const crashed = await run('a sync killed by the fault hook', ['sync', '--config', config, '--account', 'main'], { MAILFERRY_FAULT_AFTER_STEPS: '3' });
    expect(crashed.code, crashed.stderr).toBe(FAULT_EXIT);
    expect((await run('sync', ['sync', '--config', config])).code).toBe(0);
    expect((await run('sync --json', ['sync', '--config', config, '--json'])).code).toBe(0);
    expect((await run('sync --dry-run --json', ['sync', '--config', config, '--dry-run', '--json'])).code).toBe(0);
    expect((await run('status', ['status', '--config', config])).code).toBe(0);
    expect((await run('status --json', ['status', '--config', config, '--json'])).code).toBe(0);
    // The runs did their work, so there was something to leak.
    expect(await localMessages(maildir, 'INBOX')).toHaveLength(6);

    for (const [what, r] of runs) {
      expectClean(r.stdout, `stdout of ${what}`);
      expectClean(r.stderr, `stderr of ${what}`);
    }
    const stateFiles = await filesUnder(join(dir, 'state'));
    expect(stateFiles.length).toBeGreaterThan(0);
    const cacheFiles = await filesUnder(join(dir, 'cache'));
    expect(cacheFiles.length).toBeGreaterThan(0);
    for (const file of [...stateFiles, ...cacheFiles, ...(await filesUnder(maildir))]) expectClean((await readFile(file)).toString('latin1'), file);

    if (variant === 'passwordCommand') {
      const environ = await readFile(join(dir, 'child-environ'), 'latin1');
      const cmdline = await readFile(join(dir, 'child-cmdline'), 'latin1');
      expect(environ).toContain('PATH=');
      expectClean(environ, "the passwordCommand's environment");
      expectClean(cmdline, "the passwordCommand's arguments");
      expect(environ).not.toMatch(/(^|\0)MAILFERRY_/);
    }
  });
});

describe('TLS against a self-signed Dovecot', () => {
  let tlsServer: DovecotServer;
  let tlsUser: DovecotUser;
  beforeAll(async () => {
    tlsServer = await startDovecot({ tls: true });
    tlsUser = await tlsServer.addUser();
    const fx = await connect(tlsServer, tlsUser);
    await fx.append('INBOX', makeMessage({ subject: 'over tls' }));
    await fx.close();
  });
  afterAll(async () => {
    await tlsServer?.stop();
  });

  async function tlsSync(remote: Record<string, unknown>) {
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-tls-'));
    const maildir = join(dir, 'Mail');
    await mkdir(maildir);
    const config = join(dir, 'config.json');
    const base = { type: 'imap', host: '127.0.0.1', user: tlsUser.user, password: tlsUser.password };
    await writeFile(config, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'tls', remote: { ...base, ...remote }, local: { type: 'maildir', path: maildir } }] }), { mode: 0o600 });
    const r = await runCli(['sync', '--config', config]);
    return { r, messages: (await localMessages(maildir, 'INBOX').catch(() => [])).length };
  }
  const colons = (hex: string) => hex.match(/../g)!.join(':');

  it('refuses the unpinned certificate and shows its SHA-256 fingerprint', async () => {
    const { r, messages } = await tlsSync({ security: 'tls', port: tlsServer.tlsPort });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(colons(tlsServer.fingerprint!));
    expect(r.stderr).toContain(`"fingerprint": "sha256:${tlsServer.fingerprint}"`);
    expect(r.stderr).toMatch(/not trusted: self-signed/);
    expect(messages).toBe(0);
  });

  it('works once the fingerprint is pinned, over implicit TLS and STARTTLS', async () => {
    for (const remote of [
      { security: 'tls', port: tlsServer.tlsPort },
      { security: 'starttls', port: tlsServer.port },
    ]) {
      const { r, messages } = await tlsSync({ ...remote, tls: { fingerprint: `sha256:${colons(tlsServer.fingerprint!)}` } });
      expect(r.code, r.stderr).toBe(0);
      expect(messages).toBe(1);
    }
  });

  it('refuses a certificate that is not the pinned one', async () => {
    const wrong = tlsServer.fingerprint!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const { r, messages } = await tlsSync({ security: 'tls', port: tlsServer.tlsPort, tls: { fingerprint: `sha256:${wrong}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not the pinned one/);
    expect(r.stderr).toContain(colons(tlsServer.fingerprint!));
    expect(messages).toBe(0);
  });

  it('security "starttls" against a server without STARTTLS is refused before the login is sent', async () => {
    const hostile = await startHostileImapServer({ password: CANARY });
    try {
      hostile.append('INBOX', makeMessage());
      const dir = await mkdtemp(join(tmpdir(), 'mailferry-starttls-'));
      const maildir = join(dir, 'Mail');
      await mkdir(maildir);
      const config = join(dir, 'config.json');
      const remote = { type: 'imap', host: hostile.host, port: hostile.port, security: 'starttls', user: hostile.user, password: CANARY };
      await writeFile(config, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 's', remote, local: { type: 'maildir', path: maildir } }] }), { mode: 0o600 });
      const r = await runCli(['sync', '--config', config]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^s: FAILED: .*does not offer STARTTLS/m);
      expect(hostile.commands.filter((c) => /^\S+ (LOGIN|AUTHENTICATE)\b/i.test(c)), hostile.commands.join('\n')).toEqual([]);
      expectClean(hostile.commands.join('\n'), 'what the server received');
      expect(await readdir(maildir)).toEqual([]);
    } finally {
      await hostile.stop();
    }
  });
});

describe('OAuth2 tokens never leak', () => {
  let world: OAuthWorld;
  beforeAll(async () => {
    world = await startOAuthWorld({ accessTokenTtl: 2 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('neither the authorization code, the access tokens nor the refresh tokens show up in any output, state or cache file', async () => {
    const user = await world.server.addUser();
    const fx = await connect(world.server, user);
    for (let i = 0; i < 4; i++) await fx.append('INBOX', makeMessage({ subject: `token test ${i}` }));
    await fx.close();
    const acct = await oauthAccount(world, user);
    const env = { XDG_CACHE_HOME: join(acct.dir, 'cache') };
    const seen = new Set<string>();
    const runs: [string, { stdout: string; stderr: string }][] = [];
    const grantTokens = async () => {
      const g = await acct.grant();
      for (const t of [g.accessToken, g.refreshToken]) if (typeof t === 'string') seen.add(t);
    };
    let code = '';
    const signedIn = await login(acct.configPath, user.user, {
      env,
      tamper: (url) => {
        code = url.searchParams.get('code') ?? '';
        return url;
      },
    });
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(code.length).toBeGreaterThan(10);
    seen.add(code);
    runs.push(['login', signedIn]);
    await grantTokens();
    const run = async (what: string, args: string[], extra: Record<string, string> = {}) => {
      const r = await runCliLive(args, { env: { ...env, ...extra } });
      runs.push([what, r]);
      await grantTokens();
      return r;
    };
    // Tokens live 2 s: the runs below refresh (and rotate) several times.
    expect((await run('a sync killed by the fault hook', ['sync', '--config', acct.configPath], { MAILFERRY_FAULT_AFTER_STEPS: '2' })).code).toBe(FAULT_EXIT);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await run('sync --json', ['sync', '--config', acct.configPath, '--json'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await run('sync --dry-run --json', ['sync', '--config', acct.configPath, '--dry-run', '--json'])).code).toBe(0);
    expect((await run('status --json', ['status', '--config', acct.configPath, '--json'])).code).toBe(0);
    // A refused grant's message names no token either.
    await world.provider.revoke((await acct.grant()).refreshToken as string);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await run('sync after revocation', ['sync', '--config', acct.configPath, '--json'])).code).toBe(1);
    expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(4);
    expect(seen.size).toBeGreaterThanOrEqual(5);

    const forms = [...seen].flatMap((t) => tokenLeakForms(t, user.user));
    const clean = (text: string, where: string) => {
      for (const form of forms) expect(text.includes(form), `a token (as "${form.slice(0, 12)}…") appears in ${where}`).toBe(false);
    };
    for (const [what, r] of runs) {
      clean(r.stdout, `stdout of ${what}`);
      clean(r.stderr, `stderr of ${what}`);
    }
    const files = [...(await filesUnder(join(acct.dir, 'state'))), ...(await filesUnder(join(acct.dir, 'cache'))), ...(await filesUnder(acct.maildir))].filter((f) => f !== acct.grantFile);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) clean((await readFile(file)).toString('latin1'), file);
  });
});
