import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { runCli } from '../support/sync-world.js';
import { connect } from '../support/imap-fixture.js';
import { makeMessage } from '../support/messages.js';

/** Every failure a user can cause with their setup: one actionable line, non-zero exit, nothing touched. */
let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const CANARY = 'canary-Pa55word-9d1e';

async function setup(account: (maildir: string) => Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'mailferry-bad-'));
  const maildir = join(dir, 'Mail');
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ stateDir: join(dir, 'state'), accounts: [{ name: 'test', ...account(maildir) }] }), { mode: 0o600 });
  return { dir, maildir, config };
}

function imap(user: string, password: string, port = server.port) {
  return { type: 'imap', host: '127.0.0.1', port, security: 'none', user, password };
}

function oneLineErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes('FAILED') || l.startsWith('mailferry:'));
}

describe('bad setup', () => {
  it('a wrong password fails the account with a login error that never shows the password', async () => {
    const user = await server.addUser();
    const fx = await connect(server, user);
    await fx.append('INBOX', makeMessage());
    await fx.close();
    const { config, maildir } = await setup((m) => ({ remote: imap(user.user, CANARY), local: { type: 'maildir', path: m } }));
    await (await import('node:fs/promises')).mkdir(maildir);
    const r = await runCli(['sync', '--config', config, '--json']);
    expect(r.code).toBe(1);
    expect(oneLineErrors(r.stderr)).toEqual([expect.stringMatching(/^test: FAILED: login failed for .* wrong user name or password/)]);
    expect(JSON.parse(r.stdout).accounts[0].error).toMatch(/login failed/);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
    expect(await readdir(maildir)).toEqual([]);
  });

  it('an unreachable host says so', async () => {
    const { config, maildir } = await setup((m) => ({ remote: imap('nobody', CANARY, 1), local: { type: 'maildir', path: m } }));
    await (await import('node:fs/promises')).mkdir(maildir);
    const r = await runCli(['sync', '--config', config]);
    expect(r.code).toBe(1);
    expect(oneLineErrors(r.stderr)).toEqual([expect.stringMatching(/^test: FAILED: cannot reach 127\.0\.0\.1:1: connection refused/)]);
    expect(r.stderr).not.toContain(CANARY);
  });

  it('a missing Maildir path is an error that says how to create it, and nothing is copied anywhere', async () => {
    const user = await server.addUser();
    const { config, maildir } = await setup((m) => ({ remote: imap(user.user, user.password), local: { type: 'maildir', path: m } }));
    const r = await runCli(['sync', '--config', config]);
    expect(r.code).toBe(1);
    expect(oneLineErrors(r.stderr)).toEqual([`test: FAILED: Maildir path ${maildir} does not exist (create it with: mkdir -p ${maildir})`]);
  });

  it.each([
    ['an out-of-range port', { port: 99999 }, /accounts\[0\]\.remote\.port: must be an integer from 1 to 65535/],
    ['plain text to a non-loopback host', { host: 'imap.example.org', security: 'none' }, /accounts\[0\]\.remote\.security: .*plain text/i],
    ['an unknown key', { colour: 'blue' }, /accounts\[0\]\.remote.*colour.*unknown key/],
    ['two password sources', { passwordEnv: 'X' }, /accounts\[0\]\.remote/],
  ])('a config with %s exits 2 naming the field', async (_name, patch, message) => {
    const { config, dir } = await setup((m) => ({ remote: { ...imap('u', CANARY), ...patch }, local: { type: 'maildir', path: m } }));
    const r = await runCli(['sync', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(CANARY);
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['sync', '--bogus'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const { config } = await setup((m) => ({ remote: imap('u', CANARY), local: { type: 'maildir', path: m } }));
    const r = await runCli(['sync', '--config', config, '--account', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no account "nope" in the config \(accounts: test\)/);
  });
});
