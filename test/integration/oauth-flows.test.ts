import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../support/canary.js';
import { connect } from '../support/imap-fixture.js';
import { localMessages } from '../support/local-maildir.js';
import { makeMessage } from '../support/messages.js';
import { completeSignIn } from '../support/oauth-provider.js';
import { login, oauthAccount, runCliLive, startOAuthWorld, userWithMail, type OAuthWorld } from '../support/oauth-world.js';

const CLI = join(import.meta.dirname, '../../bin/mailferry.js');

/** The device flow, the system browser, tokenCommand, XOAUTH2 and watch, with the real CLI. */
let world: OAuthWorld;
beforeAll(async () => {
  world = await startOAuthWorld();
});
afterAll(async () => {
  await world?.stop();
});

const mailUser = (count: number) => userWithMail(world, count, 'flows');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => null);
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('mailferry login --device', () => {
  it('prints the verification address with the code; the sign-in on "another device" completes it', async () => {
    const user = await mailUser(2);
    const acct = await oauthAccount(world, user);
    const pages: string[] = [];
    const r = await runCliLive(['login', '--config', acct.configPath, '--account', 'mail', '--device', '--timeout', '60'], {
      onLine: async (line) => {
        if (!/^https?:\/\//.test(line)) return;
        pages.push((await completeSignIn(line, { login: user.user })).body);
      },
    });
    await Promise.all(r.actions);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);
    expect(r.stdout.split('\n')[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device\?user_code=/);
    expect(pages[0]).toMatch(/Sign-in Success/);
    expect(r.stdout).toContain(`signed in as ${user.user}`);
    const sync = await runCliLive(['sync', '--config', acct.configPath]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(2);
  });
});

describe('the system browser', () => {
  it('is started without a shell, with the address as its only argument and no secret in its environment', async () => {
    const user = await mailUser(1);
    const acct = await oauthAccount(world, user);
    const bin = await mkdtemp(join(tmpdir(), 'mailferry-browser-'));
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\ncp /proc/$$/environ '${bin}/environ'\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${bin}/args.tmp'\nmv '${bin}/args.tmp' '${bin}/args'\n`);
    await chmod(join(bin, 'xdg-open'), 0o755);
    const running = runCliLive(['login', '--config', acct.configPath, '--account', 'mail', '--timeout', '60'], {
      env: { PATH: `${bin}:${process.env.PATH}`, MAILFERRY_PROBE: CANARY },
    });
    const args = await until('the browser to be started', () => readFile(join(bin, 'args'), 'utf8'));
    const lines = args.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?.*code_challenge=/);
    expect(lines[0]).not.toMatch(/code_verifier/);
    const page = await completeSignIn(lines[0]!, { login: user.user });
    expect(page.body).toContain('You can close this tab');
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(lines[0]);
    const environ = await readFile(join(bin, 'environ'), 'latin1');
    expect(environ).toContain('PATH=');
    expect(environ).not.toContain(CANARY);
    expect(environ).not.toMatch(/(^|\0)MAILFERRY_/);
  });
});

describe('auth.tokenCommand', () => {
  it('takes the first line as the access token, runs it again once when the server refuses one, and explains a refusal', async () => {
    const user = await mailUser(2);
    // A real token for the user, as an external helper (oama, pizauth) would print it.
    const helper = await oauthAccount(world, user);
    expect((await login(helper.configPath, user.user)).code).toBe(0);
    const token = (await helper.grant()).accessToken as string;
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-tokencmd-'));
    await writeFile(join(dir, 'tokens'), `not-a-valid-token\n${token}\n`);
    // Each run prints the next line of the file and records its environment and arguments.
    const command = `cp /proc/$$/environ '${dir}/environ'; cp /proc/$$/cmdline '${dir}/cmdline'; n=$(cat '${dir}/n' 2>/dev/null || echo 1); echo $((n+1)) > '${dir}/n'; sed -n "\${n}p" '${dir}/tokens'; echo extra line`;
    const acct = await oauthAccount(world, user, { method: 'oauth2', tokenCommand: command });
    const r = await runCliLive(['sync', '--config', acct.configPath], { env: { MAILFERRY_PROBE: CANARY } });
    expect(r.code, r.stderr).toBe(0);
    expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(2);
    expect((await readFile(join(dir, 'n'), 'utf8')).trim()).toBe('3');
    expect(await readFile(join(dir, 'environ'), 'latin1')).not.toMatch(/(^|\0)MAILFERRY_/);
    for (const where of [r.stdout, r.stderr, await readFile(join(dir, 'cmdline'), 'latin1')]) expect(where).not.toContain(token);

    // Refused twice: said in words, with what the server answered in its SASL challenge.
    await writeFile(join(dir, 'tokens'), 'bad-token-1\nbad-token-2\n');
    await writeFile(join(dir, 'n'), '1\n');
    const refused = await runCliLive(['sync', '--config', acct.configPath]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^mail: FAILED: login failed for \S+ at 127\.0\.0\.1: the server did not accept the access token/m);
    expect((await readFile(join(dir, 'n'), 'utf8')).trim()).toBe('3');
  });
});

describe('watch with OAuth2', () => {
  it('keeps syncing and pushing after the token expired and the connections dropped', async () => {
    const user = await mailUser(1);
    const acct = await oauthAccount(world, user);
    const before = await runCliLive(['watch', '--config', acct.configPath, '--interval', '600']);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^mail: FAILED: .*not signed in; sign in again: mailferry login --account mail$/m);
    world.provider.setAccessTokenTtl(2);
    expect((await login(acct.configPath, user.user)).code).toBe(0);
    const watch = spawn(process.execPath, [CLI, 'watch', '--config', acct.configPath, '--interval', '600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    watch.stderr.on('data', (d) => (log += d));
    const done = new Promise<number | null>((resolve) => watch.on('close', resolve));
    try {
      await until('the first pass', async () => /pass done/.test(log));
      expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(1);
      await sleep(2500);
      const refreshes = world.provider.grants.filter((g) => g === 'refresh_token').length;
      // Every connection drops, long after its token expired: push and the pass's own reconnect.
      await world.server.kick(user.user);
      await sleep(300);
      const fx = await connect(world.server, user);
      await fx.append('INBOX', makeMessage({ subject: 'pushed after expiry' }));
      await fx.close();
      await until('the new message to be pushed and synced', async () => (await localMessages(acct.maildir, 'INBOX')).length === 2, 20_000);
      expect(world.provider.grants.filter((g) => g === 'refresh_token').length).toBeGreaterThan(refreshes);
    } finally {
      world.provider.setAccessTokenTtl(60);
      watch.kill('SIGTERM');
      await done;
    }
    expect(log).not.toMatch(/FAILED/);
  }, 60_000);
});

describe('a server that offers only XOAUTH2', () => {
  it('is logged in to with XOAUTH2', async () => {
    const xo = await startOAuthWorld({ mechanisms: ['xoauth2'] });
    try {
      const caps = await capabilities(xo.server.port);
      expect(caps).toContain('AUTH=XOAUTH2');
      expect(caps).not.toContain('AUTH=OAUTHBEARER');
      const user = await xo.server.addUser();
      const fx = await connect(xo.server, user);
      await fx.append('INBOX', makeMessage({ subject: 'via xoauth2' }));
      await fx.close();
      const acct = await oauthAccount(xo, user);
      expect((await login(acct.configPath, user.user)).code).toBe(0);
      const r = await runCliLive(['sync', '--config', acct.configPath]);
      expect(r.code, r.stderr).toBe(0);
      expect(await localMessages(acct.maildir, 'INBOX')).toHaveLength(1);
    } finally {
      await xo.stop();
    }
  });
});

function capabilities(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d;
      if (/^\* OK/m.test(text) && !text.includes('a1 ')) socket.write('a1 CAPABILITY\r\n');
      if (/^a1 OK/m.test(text)) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}
