import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDovecot, type DovecotServer, type DovecotUser } from './dovecot.js';
import { connect } from './imap-fixture.js';
import { makeMessage } from './messages.js';
import { completeSignIn, startOAuthProvider, type TestOAuthProvider } from './oauth-provider.js';

const CLI = resolve(import.meta.dirname, '../../bin/mailferry.js');

/** An authorization server and a Dovecot that takes its tokens (and passwords, for fixtures). */
export interface OAuthWorld {
  provider: TestOAuthProvider;
  server: DovecotServer;
  stop(): Promise<void>;
}

export async function startOAuthWorld(opts: { accessTokenTtl?: number; mechanisms?: ('xoauth2' | 'oauthbearer')[] } = {}): Promise<OAuthWorld> {
  const provider = await startOAuthProvider({ accessTokenTtl: opts.accessTokenTtl ?? 60 });
  const server = await startDovecot({ oauth2: { introspectionUrl: provider.dovecotIntrospectionUrl, usernameAttribute: 'sub', ...(opts.mechanisms ? { mechanisms: opts.mechanisms } : {}) } });
  return {
    provider,
    server,
    async stop() {
      await server.stop();
      await provider.stop();
    },
  };
}

/** One account whose remote logs in with OAuth2 at the test provider; a Maildir on the other side. */
export async function oauthAccount(world: OAuthWorld, user: DovecotUser, auth?: Record<string, unknown>, via?: { port: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-oauth-'));
  const maildir = join(dir, 'Mail');
  await mkdir(maildir);
  const configPath = join(dir, 'config.json');
  const stateDir = join(dir, 'state');
  const remote = {
    type: 'imap',
    host: world.server.host,
    port: via?.port ?? world.server.port,
    security: 'none',
    user: user.user,
    auth: auth ?? { method: 'oauth2', provider: 'custom', issuer: world.provider.issuer, clientId: world.provider.clientId },
  };
  await writeFile(configPath, JSON.stringify({ stateDir, accounts: [{ name: 'mail', remote, local: { type: 'maildir', path: maildir } }] }), { mode: 0o600 });
  const grantFile = join(stateDir, 'mail', 'oauth2-remote.json');
  return {
    dir,
    maildir,
    configPath,
    stateDir,
    grantFile,
    async grant(): Promise<Record<string, unknown>> {
      return JSON.parse(await readFile(grantFile, 'utf8')) as Record<string, unknown>;
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI; `onLine` sees each stdout line as it comes (the login's address to open) and
 * may act on it while the command waits.
 */
export function runCliLive(args: string[], opts: { env?: Record<string, string>; onLine?: (line: string) => Promise<void> | void } = {}): Promise<CliRun & { actions: Promise<void>[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const actions: Promise<void>[] = [];
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (opts.onLine) actions.push(Promise.resolve(opts.onLine(line)));
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, actions }));
  });
}

/** `mailferry login --no-browser` with the sign-in completed in "the browser" as `login`. */
export async function login(configPath: string, loginAs: string, opts: { deny?: boolean; extra?: string[]; tamper?: (url: URL) => URL; env?: Record<string, string> } = {}) {
  const pages: { url: string; status: number; body: string }[] = [];
  const errors: unknown[] = [];
  const r = await runCliLive(['login', '--config', configPath, '--account', 'mail', '--no-browser', '--timeout', '60', ...(opts.extra ?? [])], {
    ...(opts.env ? { env: opts.env } : {}),
    onLine: async (line) => {
      if (!/^https?:\/\//.test(line)) return;
      try {
        pages.push(await completeSignIn(line, { login: loginAs, ...(opts.deny ? { deny: true } : {}), ...(opts.tamper ? { tamper: opts.tamper } : {}) }));
      } catch (err) {
        errors.push(err);
      }
    },
  });
  await Promise.all(r.actions);
  if (errors.length) throw errors[0];
  return { ...r, pages };
}

/** A fresh user of the world's Dovecot with `count` messages in INBOX, subjects `<label> 0`, `<label> 1`, … */
export async function userWithMail(world: OAuthWorld, count: number, label: string): Promise<DovecotUser> {
  const user = await world.server.addUser();
  const fx = await connect(world.server, user);
  for (let i = 0; i < count; i++) await fx.append('INBOX', makeMessage({ subject: `${label} ${i}` }));
  await fx.close();
  return user;
}
