import { chmod, chown, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { runCli, SyncWorld } from '../support/sync-world.js';

/**
 * What the real CLI prints for the mistakes a new user makes: the thing that is wrong, named,
 * and what to do about it, on one line; never a library's raw text. The wording of every
 * translation is pinned by the unit tests (unknown-folder, imap-connect-error, describe-error,
 * listen-error); these show the CLI reaches them.
 */
let server: DovecotServer;
let world: SyncWorld;
beforeAll(async () => {
  server = await startDovecot();
  world = await SyncWorld.create(server, { account: { folders: { include: ['*'], exclude: ['Spam'] } } });
  for (const f of ['Archive', 'Archive/2024', 'Spam']) await world.remote.client.mailboxCreate(f);
});
afterAll(async () => {
  await world?.close();
  await server?.stop();
});

async function withRemote(patch: Record<string, unknown>): Promise<string> {
  const config = JSON.parse(await readFile(world.configPath, 'utf8'));
  Object.assign(config.accounts[0].remote, patch);
  const path = join(world.dir, `config-${Object.keys(patch).join('-')}.json`);
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

describe('sync --folder NAME that will not be synced', () => {
  it.each([
    ['Nosuch', 'no folder "Nosuch" on either side (names are case-sensitive); the folders are "Archive", "Archive/2024", "INBOX", "Spam"'],
    ['inbox', 'no folder "inbox" on either side (names are case-sensitive); did you mean "INBOX"?'],
    ['archiv', 'no folder "archiv" on either side (names are case-sensitive); did you mean "Archive"?'],
    ['2024', 'no folder "2024" on either side (names are case-sensitive); did you mean "Archive/2024"?'],
    ['Spam', 'folder "Spam" is left out by the account\'s folder filter (folders.include / folders.exclude in the config); change the filter to sync it'],
  ])('%s: says why, exits 1, syncs nothing', async (folder, message) => {
    const r = await world.sync(['--folder', folder]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`test/${folder}: FAILED: ${message}\n`);
    const json = await world.sync(['--folder', folder, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).accounts[0].folders).toEqual([expect.objectContaining({ folder, outcome: 'failed', error: message })]);
  });

  it('a good folder beside a bad one still syncs, and the run exits 1', async () => {
    const r = await world.sync(['--folder', 'INBOX', '--folder', 'Inbox']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test/Inbox: FAILED: no folder "Inbox" on either side (names are case-sensitive); did you mean "INBOX"?');
    expect(r.stderr).toMatch(/^test\/INBOX: (in step|unchanged)$/m);
  });
});

describe('connecting', () => {
  it('TLS against a plain-text port names the server and the settings to try', async () => {
    const r = await runCli(['sync', '--config', await withRemote({ security: 'tls' })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`test: FAILED: the server at ${server.host}:${server.port} does not speak TLS on this port; try security: starttls (or none on loopback), or port 993\n`);
  });

  it('a CA file that is not there names the setting', async () => {
    const r = await runCli(['sync', '--config', await withRemote({ tls: { ca: '/nonexistent/ca.pem' } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('test: FAILED: the CA file in "tls.ca": cannot open /nonexistent/ca.pem: it does not exist (ENOENT); fix the path in the config\n');
  });
});

describe('the state directory', () => {
  it('one this user cannot write is named, with the fix', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('needs root to run the CLI as another user');
    const as = { uid: 999, gid: 995 };
    const passwd = await readFile('/etc/passwd', 'utf8');
    if (!/^mailferry-test:x:999:995:/m.test(passwd)) return ctx.skip('no mailferry-test user (uid 999)');
    const dir = await mkdtemp(join(tmpdir(), 'mailferry-statedir-'));
    await chmod(dir, 0o755);
    const locked = join(dir, 'locked');
    await mkdir(locked, { mode: 0o755 });
    const home = join(dir, 'home');
    await mkdir(join(home, 'Mail'), { recursive: true });
    const config = JSON.parse(await readFile(world.configPath, 'utf8'));
    config.stateDir = join(locked, 'state');
    config.accounts[0].local.path = join(home, 'Mail');
    await writeFile(join(home, 'config.json'), JSON.stringify(config), { mode: 0o600 });
    for (const p of [home, join(home, 'Mail'), join(home, 'config.json')]) await chown(p, as.uid, as.gid);
    const r = await runCli(['sync', '--config', join(home, 'config.json')], {}, { ...as, home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `test: FAILED: cannot use the state directory ${locked}/state: cannot create the directory ${locked}/state/test: permission denied (EACCES); ` +
        'the user running mailferry (mailferry-test) needs write access to it; fix its owner or mode, or set "stateDir" in the config to a directory it can write\n',
    );
  });
});

describe('serve', () => {
  let taken: Server;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it('on a port in use says so and how to choose another, exit 1', async () => {
    const port = (taken.address() as { port: number }).port;
    const r = await runCli(['serve', '--port', String(port), '--config', world.configPath], { HOME: world.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mailferry: port ${port} on 127.0.0.1 is in use (another mailferry serve?); choose another with --port N or --port 0\n`);
  });
});
