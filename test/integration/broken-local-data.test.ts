import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../support/dovecot.js';
import { deliverLocal, localMessages, sha256, wireBytes } from '../support/local-maildir.js';
import { largeMessage, makeMessage } from '../support/messages.js';
import { runCli, SyncWorld, type CliResult } from '../support/sync-world.js';

/**
 * A local Maildir as real disks and mail clients leave it: empty and unreadable files, names
 * no Maildir writer makes, symlinks leading out of the tree, files renamed or deleted while
 * the sync reads the folder, a full disk. Each time: no crash, a note that says what was
 * skipped, and nothing lost or duplicated.
 */
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../bin/mailferry.js');

let server: DovecotServer;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

const msg = (n: string) => makeMessage({ subject: n, messageId: `<${n}@local.test>`, body: `Body of ${n}.\r\n` });
const subjects = async (w: SyncWorld, folder = 'INBOX') =>
  (await w.remote.messages(folder)).map((m) => /\r\nSubject: ([^\r]*)\r\n/.exec(m.bytes.toString('latin1'))?.[1] ?? '').sort();

function expectNoCrash(r: CliResult): void {
  expect([0, 1], `exit ${r.code}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

/** Every file under cur/ and new/ of a folder with its bytes' hash (what "nothing lost" compares). */
async function fileHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const sub of ['cur', 'new']) {
    for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
      if (e.isFile()) out.set(`${sub}/${e.name}`, sha256(await readFile(join(dir, sub, e.name))));
    }
  }
  return out;
}

describe('broken local data', () => {
  // An empty message cannot be uploaded (Dovecot refuses it), and that must not hold the
  // folder's other messages back forever.
  // One copy the server refuses (Dovecot: "Can't save a zero byte message") must not stop the
  // rest of the folder; it is skipped with a note naming it.
  it('a zero-byte message file: the others sync, it is kept and named in a note', async () => {
    const w = await SyncWorld.create(server);
    await deliverLocal(w.maildir, 'INBOX', msg('before'));
    const empty = join(w.maildir, 'INBOX', 'cur', '1700000000.M1P1.empty:2,S');
    await writeFile(empty, '');
    await deliverLocal(w.maildir, 'INBOX', msg('after'));
    const r = await w.sync();
    expectNoCrash(r);
    expect(await subjects(w)).toEqual(['after', 'before']);
    expect((await stat(empty)).size).toBe(0);
    expect(r.stderr).toContain('1700000000.M1P1.empty');
    await w.close();
  });

  // Likewise one file that cannot be read.
  it('an unreadable message file (chmod 000): a clear error naming it, the rest syncs, nothing lost', async (ctx) => {
    const runAs = await unprivilegedUser();
    if (runAs === null) return ctx.skip('running as root without the mailferry-test user: chmod 000 does not stop root from reading');
    const w = await SyncWorld.create(server);
    await deliverLocal(w.maildir, 'INBOX', msg('readable'));
    const locked = join(w.maildir, 'INBOX', 'cur', '1700000000.M2P2.locked:2,S');
    await writeFile(locked, msg('locked'));
    await w.remote.append('INBOX', msg('from-remote'));
    if (runAs.uid !== process.getuid?.()) await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, w.dir]);
    await chmod(locked, 0);
    const r = await runCliAs(runAs, ['sync', '--config', w.configPath]);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/cannot open \/.*\/1700000000\.M2P2\.locked:2,S: permission denied \(EACCES\); the user running mailferry \(mailferry-test\) needs access to it/);
    expect(await subjects(w)).toContain('readable');
    await chmod(locked, 0o600);
    expect(await readFile(locked)).toEqual(msg('locked'));
    const healed = await runCliAs(runAs, ['sync', '--config', w.configPath]);
    expect(healed.code, healed.stderr).toBe(0);
    expect(await w.localView()).toEqual(await w.remoteView());
    await w.close();
  });

  it('garbage file names: the parseable ones sync once, the rest are skipped with a note, none is touched', async () => {
    const w = await SyncWorld.create(server);
    const cur = join(w.maildir, 'INBOX', 'cur');
    await deliverLocal(w.maildir, 'INBOX', msg('plain'));
    const files: [string, Buffer][] = [
      [Buffer.from([0xff, 0xfe, 0x41, 0x3a, 0x32, 0x2c, 0x53]).toString('latin1'), msg('latin1-name')],
      ['name with spaces and % signs:2,XYZ%', msg('odd-letters')],
      ['no-info-at-all', msg('no-info')],
      [`${'x'.repeat(240)}:2,S`, msg('long-name')],
      [':2,S', msg('no-unique-part')],
    ];
    for (const [name, bytes] of files) await writeFile(join(cur, name), bytes);
    const before = await fileHashes(join(w.maildir, 'INBOX'));
    const r = await w.sync();
    expect(r.code, r.stderr).toBe(0);
    expect(await subjects(w)).toEqual(['latin1-name', 'long-name', 'no-info', 'odd-letters', 'plain']);
    expect(r.stderr).toMatch(/skipping .*\/INBOX\/cur\/:2,S: not a Maildir message name/);
    const again = await w.syncJson();
    expect(again.accounts[0]!.folders[0]!.copied).toEqual({ toLocal: 0, toRemote: 0 });
    expect(await subjects(w)).toHaveLength(5);
    // Files may be renamed for flags, never removed or rewritten.
    const after = await fileHashes(join(w.maildir, 'INBOX'));
    expect([...after.values()].sort()).toEqual([...before.values()].sort());
    await w.close();
  });

  it('symlinks out of the Maildir are never followed: their targets are not read, uploaded or deleted', async () => {
    const w = await SyncWorld.create(server);
    const outside = await mkdtemp(join(tmpdir(), 'mailferry-outside-'));
    const target = join(outside, 'private-message');
    const secret = msg('outside-the-maildir');
    await writeFile(target, secret);
    // Anything that opens a FIFO for reading blocks until a writer comes: following it would hang.
    const fifo = join(outside, 'fifo');
    await run('mkfifo', [fifo]);
    // A whole Maildir folder outside, linked in as a folder.
    const foreign = join(outside, 'Foreign');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(foreign, sub), { recursive: true });
    await writeFile(join(foreign, 'cur', '1700000000.M3P3.foreign:2,S'), msg('foreign-folder-message'));
    await deliverLocal(w.maildir, 'INBOX', msg('inside'));
    const cur = join(w.maildir, 'INBOX', 'cur');
    await symlink(target, join(cur, '1700000001.M4P4.link:2,S'));
    await symlink(fifo, join(cur, '1700000002.M5P5.fifo:2,'));
    await symlink(foreign, join(w.maildir, 'Foreign'));
    await utimes(target, new Date(0), (await stat(target)).mtime);

    for (let i = 0; i < 2; i++) {
      const r = await runBounded(w, 30_000);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/skipping .*1700000001\.M4P4\.link:2,S: a symlink, which is never followed/);
      expect(r.stderr).toMatch(/skipping .*1700000002\.M5P5\.fifo:2,: a symlink, which is never followed/);
      expect(r.stderr).toMatch(/skipping symlink .*\/Foreign: symlinks in a Maildir tree are never followed/);
    }
    expect(await subjects(w)).toEqual(['inside']);
    expect(Object.keys(await w.remoteView())).toEqual(['INBOX']);
    expect((await stat(target)).atimeMs, 'the target was read').toBe(0);
    expect(await readFile(target)).toEqual(secret);
    expect(await readdir(join(foreign, 'cur'))).toEqual(['1700000000.M3P3.foreign:2,S']);
    await w.close();
  });

  it('files renamed and deleted while the sync reads the folder: no crash, and the result converges without loss or duplicates', async () => {
    const w = await SyncWorld.create(server);
    const uniques: string[] = [];
    for (let i = 0; i < 200; i++) uniques.push(await deliverLocal(w.maildir, 'INBOX', msg(`churn-${i}`)));
    const doomed = new Set(uniques.filter((_, i) => i % 10 === 3));
    const dir = join(w.maildir, 'INBOX');
    let stop = false;
    // A mail client at work: moves new/ -> cur/, toggles \Seen, deletes some messages.
    const client = (async () => {
      for (let round = 0; !stop && round < 10_000; round++) {
        for (const name of await readdir(join(dir, 'new')).catch(() => [])) {
          await rename(join(dir, 'new', name), join(dir, 'cur', `${name}:2,`)).catch(() => undefined);
        }
        for (const name of await readdir(join(dir, 'cur')).catch(() => [])) {
          const unique = name.split(':')[0]!;
          if (doomed.has(unique) && round > 0) {
            await unlink(join(dir, 'cur', name)).catch(() => undefined);
            continue;
          }
          if ((round + name.length) % 3 !== 0) continue;
          const next = name.endsWith(',S') ? name.slice(0, -1) : `${name.replace(/:2,.*$/, ':2,')}S`;
          await rename(join(dir, 'cur', name), join(dir, 'cur', next)).catch(() => undefined);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const busy = await w.sync();
    stop = true;
    await client;
    expectNoCrash(busy);
    for (let i = 0; i < 3; i++) {
      const r = await w.sync();
      expectNoCrash(r);
      if (r.code === 0 && i > 0) break;
    }
    const local = await localMessages(w.maildir, 'INBOX');
    expect(local).toHaveLength(200 - doomed.size);
    expect(local.map((m) => m.unique).filter((u) => doomed.has(u))).toEqual([]);
    const remote = await w.remoteView();
    expect(remote.INBOX).toHaveLength(200 - doomed.size);
    expect(await w.localView()).toEqual(remote);
    await w.close();
  }, 120_000);
});

describe('a full disk', () => {
  it('a first sync into a full Maildir fails the folder clearly, leaves no partial file, and completes once there is room', async (ctx) => {
    const w = await SyncWorld.create(server);
    const mounted = await mountTmpfs(w.maildir, '2m');
    if (!mounted) return ctx.skip('mounting a tmpfs is not permitted here (needs root and mount rights)');
    try {
      await mkdir(join(w.maildir, 'INBOX'));
      for (let i = 0; i < 4; i++) await w.remote.append('INBOX', largeMessage(700_000));
      for (let i = 0; i < 3; i++) await w.remote.append('INBOX', msg(`small-${i}`));
      const full = await w.sync();
      expectNoCrash(full);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^test\/INBOX: FAILED: .*(ENOSPC|no space left on device)/im);
      const remoteHashes = new Set((await w.remote.messages('INBOX')).map((m) => sha256(m.bytes)));
      for (const m of await localMessages(w.maildir, 'INBOX')) expect(remoteHashes, `${m.file} is not a complete message`).toContain(sha256(wireBytes(m.bytes)));
      expect(await readdir(join(w.maildir, 'INBOX', 'tmp'))).toEqual([]);
      const status = await runCli(['status', '--config', w.configPath, '--json']);
      for (const f of JSON.parse(status.stdout).accounts[0].folders) expect(f.damaged ?? null, `state of ${f.folder}`).toBeNull();

      await run('mount', ['-o', 'remount,size=20m', w.maildir]);
      const healed = await w.sync();
      expect(healed.code, healed.stderr).toBe(0);
      expect(await w.localView()).toEqual(await w.remoteView());
      expect(await localMessages(w.maildir, 'INBOX')).toHaveLength(7);
    } finally {
      await run('umount', [w.maildir]).catch(() => undefined);
      await w.close();
    }
  });

  it('a full state directory fails the run clearly; after freeing space nothing is duplicated', async (ctx) => {
    const w = await SyncWorld.create(server);
    const stateDir = join(w.dir, 'state');
    await mkdir(stateDir);
    const mounted = await mountTmpfs(stateDir, '1m');
    if (!mounted) return ctx.skip('mounting a tmpfs is not permitted here (needs root and mount rights)');
    try {
      for (let i = 0; i < 40; i++) await w.remote.append('INBOX', msg(`state-${i}`));
      for (let i = 0; i < 10; i++) await deliverLocal(w.maildir, 'INBOX', msg(`local-${i}`));
      // Leave 16 KB: enough to start, not enough for the whole journal.
      const filler = join(stateDir, 'filler');
      await fillUp(filler);
      const size = (await stat(filler)).size;
      await run('truncate', ['-s', String(size - 16 * 1024), filler]);
      const full = await w.sync();
      expectNoCrash(full);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/(ENOSPC|no space left on device)/i);
      await rm(filler);
      for (let i = 0; i < 3; i++) if ((await w.sync()).code === 0) break;
      expect(await w.localView()).toEqual(await w.remoteView());
      expect((await w.remoteView()).INBOX).toHaveLength(50);
    } finally {
      await run('umount', [stateDir]).catch(() => undefined);
      await w.close();
    }
  });
});

async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).then(
    () => true,
    () => false,
  );
}

/** Writes zeros until the filesystem says no. */
async function fillUp(file: string): Promise<void> {
  await run('sh', ['-c', `dd if=/dev/zero of='${file}' bs=4096 2>/dev/null || true`]);
}

/** A user for whom chmod 000 means something: ourselves when not root, else the tests' mail user. */
async function unprivilegedUser(): Promise<{ uid: number; gid: number } | null> {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) return null;
  if (uid !== 0) return { uid, gid };
  try {
    const fields = (await run('getent', ['passwd', 'mailferry-test'])).stdout.trim().split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return null;
  }
}

function runCliAs(user: { uid: number; gid: number }, args: string[]): Promise<CliResult> {
  return runCli(args, {}, { ...user, home: tmpdir() });
}

/** A sync that is killed (and reported as such) if it blocks, e.g. on a FIFO it should not open. */
function runBounded(w: SyncWorld, ms: number): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, 'sync', '--config', w.configPath], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${ms} ms: the sync blocked)`;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

